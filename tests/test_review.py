"""The review queue through the real command line on Maildir folders: mail kept for a person is counted by `status`,
listed first by `report` and the digest, browsable, and released as a participant's own mail or dismissed; nothing
a person wrote is lost on the way."""

from __future__ import annotations

import email
import email.policy
import json
import re
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.coordinator import browse
from assistant.db import HELD_OUTCOMES
from assistant.inbound.outcomes import OUTCOMES
from assistant.mail.replies import reply
from assistant.transport.maildir import deliver
from tests.conftest import ROOT, Program

MAYA = "maya.patel@example.org"
MAYA_AT_HOME = ("Maya Patel", "maya.home@personal.example")
STRANGER = ("Robin Stray", "robin@elsewhere.example")


def _cli(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def _fresh(sender: tuple[str, str], body: str, message_id: str, subject: str = "Hello") -> bytes:
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = "mentoring@example.org"
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    return message.as_bytes()


def _ids(folder: Path) -> dict[str, int]:
    """Ledger id by sender."""
    with sqlite3.connect(folder / "var" / "program.db") as db:
        return dict(db.execute("SELECT from_addr, id FROM messages"))


def _held_program(example_config: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """The example program prompted for December; then a stranger writes, and Maya answers from her home address."""
    folder = example_config.parent
    for kind in ("participants", "pairs"):
        assert _cli(example_config, capsys, "import", kind, str(ROOT / "examples" / f"{kind}.csv"))[0] == 0
    assert _cli(example_config, capsys, "--now", "2026-12-01T09:00", "run", "--once")[0] == 0
    prompt = next(p for p in (folder / "var" / "sent" / "new").iterdir() if b"To: Maya Patel" in p.read_bytes())
    inbox = folder / "var" / "inbox"
    deliver(inbox, _fresh(STRANGER, "Do you have mentors in robotics?", "<stray-1@elsewhere.example>"))
    answers = "1. yes\n2. twice\n3. my promotion case\n4. 4"
    deliver(inbox, reply(prompt.read_bytes(), MAYA_AT_HOME, answers))
    assert _cli(example_config, capsys, "--now", "2026-12-02T09:00", "run", "--once")[0] == 0
    return folder


def test_held_mail_is_counted_listed_first_released_and_dismissed(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _held_program(example_config, capsys)
    ids = _ids(folder)
    stray, home = ids[STRANGER[1]], ids[MAYA_AT_HOME[1]]

    code, out, _ = _cli(example_config, capsys, "--now", "2026-12-02T10:00", "status")
    assert code == 0 and "review: 2 message(s) need a person (2 held, 0 quarantined)" in out
    code, out, _ = _cli(example_config, capsys, "--now", "2026-12-02T10:00", "status", "--json")
    assert json.loads(out)["review"] == {"waiting": 2, "held": 2, "quarantined": 0}

    code, out, _ = _cli(example_config, capsys, "--now", "2026-12-02T10:00", "review", "list")
    assert code == 0 and out.startswith("2 message(s) wait for a person")
    stray_line = next(line for line in out.splitlines()[1:] if line.split()[0] == str(stray))
    assert "robin@elsewhere.example" in stray_line and "not in the program" in stray_line
    home_line = next(line for line in out.splitlines()[1:] if line.split()[0] == str(home))
    assert "maya.home@personal.example" in home_line and f"belongs to {MAYA}" in home_line

    code, out, _ = _cli(example_config, capsys, "--now", "2026-12-02T10:00", "report")
    sections = [line for line in out.splitlines() if line.endswith(":") and not line.startswith(" ")]
    assert sections[0] == "Mail waiting for a person (mentor-assistant review show ID):"
    assert re.search(r"\nmail waiting for a person \(review\) +2\n", out)
    assert "robin@elsewhere.example" in out and "maya.home@personal.example" in out
    code, out, _ = _cli(example_config, capsys, "--now", "2026-12-02T10:00", "report", "--json")
    figs = json.loads(out)
    assert [m["id"] for m in figs["review"]] == [stray, home] and figs["counts"]["review"] == 2
    assert figs["needs_you"] >= 2

    code, out, _ = _cli(example_config, capsys, "--now", "2026-12-02T10:00", "digest")
    body = out.split("\n\n", 3)[3]  # after the subject, the greeting and the week's figures
    assert out.startswith("Subject: ") and "things need you" in out.splitlines()[0]
    assert body.index("NEEDS YOU: MAIL WAITING FOR A PERSON (2)") < body.index("WAITING FOR A MENTOR")
    assert not [line for line in body.split("NEEDS YOU")[0].splitlines() if line.isupper()]  # nothing before it
    assert f"- Message {stray} from robin@elsewhere.example" in body
    assert f"review release {stray} --as EMAIL" in body

    code, out, _ = _cli(example_config, capsys, "review", "show", str(home))
    assert code == 0 and f"the reply token belongs to {MAYA}, not maya.home@personal.example" in out
    assert "From: Maya Patel <maya.home@personal.example>" in out and "my promotion case" in out

    # Not a participant: refused, and nothing changes.
    code, _, err = _cli(example_config, capsys, "review", "release", str(home), "--as", "robin@elsewhere.example")
    assert code == 1 and "is not a participant" in err

    code, out, _ = _cli(
        example_config, capsys, "--now", "2026-12-02T11:00", "review", "release", str(home), "--as", MAYA
    )
    assert code == 0 and f"message {home} released as {MAYA}: recorded" in out
    code, out, _ = _cli(example_config, capsys, "export", "--format", "json")
    maya = next(row for row in json.loads(out) if row["participant"] == MAYA)
    assert (maya["status"], maya["met"], maya["meetings"], maya["topics"], maya["rating"]) == (
        "answered", "yes", "2", "my promotion case", "4"
    )  # fmt: skip
    with sqlite3.connect(folder / "var" / "program.db") as db:
        queued = db.execute("SELECT to_addr, template FROM outbox WHERE triggered_by = ?", [home]).fetchall()
        row = db.execute(
            "SELECT from_addr, outcome, review, released_as, reviewed_at FROM messages WHERE id = ?", [home]
        ).fetchone()
        event = db.execute("SELECT detail FROM events WHERE kind = 'review_released'").fetchone()
        answered_from = {r[0] for r in db.execute("SELECT message_id FROM answers")}
    assert queued == [(MAYA, "checkin_reply")]  # to her stored address; nothing to the address it came from
    assert row == (MAYA_AT_HOME[1], "recorded", "released", MAYA, "2026-12-02T11:00:00+00:00")
    assert json.loads(event[0])["released_as"] == MAYA and json.loads(event[0])["was"] == "sender_mismatch"
    assert len(answered_from) == 1 and "@" in next(iter(answered_from))  # provenance: the message it came from

    # As Maya, the stranger's mail answers nothing of hers (her check-in is answered now): kept, nothing changed.
    code, _, err = _cli(example_config, capsys, "review", "release", str(stray), "--as", MAYA)
    assert code == 1 and "would be kept again" in err and "nothing was changed" in err

    code, out, _ = _cli(example_config, capsys, "--now", "2026-12-02T12:00", "review", "dismiss", str(stray),
                        "--reason", "asked about robotics; answered by phone")  # fmt: skip
    assert code == 0 and f"message {stray} dismissed" in out
    code, _, err = _cli(example_config, capsys, "review", "dismiss", str(stray))
    assert code == 1 and "not in the review queue" in err

    code, out, _ = _cli(example_config, capsys, "status")
    assert "review: empty" in out
    code, out, _ = _cli(example_config, capsys, "review", "list", "--all")
    assert out.startswith("Nothing waits for a person.") and "2 already decided:" in out
    assert f"released as {MAYA}" in out and "dismissed on 2026-12-02 12:00 UTC (asked about robotics" in out

    # Nothing is lost: both messages are still in the ledger, whole, and show says what was decided.
    with sqlite3.connect(folder / "var" / "program.db") as db:
        kept = db.execute("SELECT count(*) FROM messages WHERE raw IS NOT NULL AND length(raw) = size").fetchone()
    assert kept == (2,)
    code, out, _ = _cli(example_config, capsys, "review", "show", str(stray))
    assert "reviewed: dismissed" in out and "Do you have mentors in robotics?" in out and "To act on it" not in out


def test_a_reply_held_for_auto_submitted_is_released_as_its_sender(program: Program) -> None:
    """Some clients add Auto-Submitted to a person's reply: held, then a coordinator says a person wrote it."""
    program.run("2026-12-01T09:05")
    prompt = program.last_to(MAYA, "checkin_prompt")
    answers = "1. yes\n2. 3\n3. interview practice\n4. 5"
    program.deliver(reply(prompt, ("Maya Patel", MAYA), answers, headers={"Auto-Submitted": "auto-generated"}))
    program.run("2026-12-01T12:00")
    (ledger_id, outcome), *_ = program.db.execute("SELECT id, outcome FROM messages").fetchall()
    assert outcome == "held" and program.answers(MAYA) == {}

    from assistant.inbound.release import release

    app = program.app
    done = release(app.db, app.config, app.forms, app.outbox, app.clock, ledger_id, MAYA)
    assert done.outcome == "recorded"
    assert program.answers(MAYA) == {"met": "yes", "meetings": "3", "topics": "interview practice", "rating": "5"}
    assert program.db.execute("SELECT count(*) FROM review_queue").fetchone() == (0,)


def test_a_released_message_keeps_every_header_but_auto_submitted() -> None:
    """Released as hers, the mail is read as she sent it: only Auto-Submitted is set aside, so a loop header or a
    list's headers still stop it (the robot checks read the headers through the parsed message's index)."""
    from assistant.inbound.release import as_participant
    from assistant.mail.automatic import robot_reason
    from assistant.mail.message import parse_message

    raw = (
        b"From: Someone <maya.old@example.com>\nTo: mentoring@example.org\nSubject: Re: check-in\n"
        b"Auto-Submitted: auto-generated\nList-Id: <talk.example.com>\nReturn-Path: <maya.old@example.com>\n\nyes\n"
    )
    released = as_participant(parse_message(raw), {"email": MAYA, "name": "Maya Patel"})
    assert (released.from_addr, released.from_name) == (MAYA, "Maya Patel")
    assert released.header("Auto-Submitted") == "" and not released.has_header("Auto-Submitted")
    assert released.header("List-Id") == "<talk.example.com>" and released.has_header("Return-Path")
    assert robot_reason(released, "mentoring@example.org") == ("list", "mailing-list headers")


def test_quarantined_mail_is_in_the_queue(program: Program) -> None:
    program.db.execute(
        "INSERT INTO messages (message_id, from_addr, subject, received_at, status, outcome, error, attempts)"
        " VALUES ('<bad@x>', 'odd@example.net', 'Strange', '2026-12-01T09:00:00+00:00', 'quarantined',"
        " 'quarantined', 'ValueError: cannot parse\nmore', 3)"
    )
    from assistant.coordinator import review

    items, count = review.waiting(program.db, program.config.timezone)
    assert count == 1 and items[0]["kind"] == "quarantined" and items[0]["detail"] == "ValueError: cannot parse"
    assert review.counts(program.db) == {"waiting": 1, "held": 0, "quarantined": 1}


def test_the_queue_holds_every_outcome_the_chain_keeps_for_a_person() -> None:
    """The view's outcomes are the registry's kept outcomes, and the handlers' own `held` ones: none is forgotten."""
    kept = {outcome.name for outcome in OUTCOMES if outcome.handler is None}
    assert kept | {"held", "held_unreadable"} == set(HELD_OUTCOMES)


def test_browse_has_a_canned_query_for_the_queue(program: Program) -> None:
    program.deliver(_fresh(STRANGER, "Hello?", "<stray-2@elsewhere.example>"))
    program.run("2026-12-01T10:00")
    meta = browse.metadata(program.config.database, "Test")
    query = meta["databases"]["program"]["queries"]["needs_review"]
    assert next(iter(meta["databases"]["program"]["queries"])) == "needs_review"
    found = program.db.execute(query["sql"]).fetchall()
    assert [(r[2], r[4]) for r in found] == [(STRANGER[1], "unknown_sender")]
    message = email.message_from_bytes(program.last_to(STRANGER[1]), policy=email.policy.default)
    assert message["To"].addresses[0].addr_spec == STRANGER[1]  # the polite reply, as before


def test_mail_waiting_for_a_person_keeps_its_text_past_retention(program: Program) -> None:
    program.deliver(_fresh(STRANGER, "Is anyone there?", "<stray-3@elsewhere.example>"))
    program.run("2026-12-01T10:00")
    program.run("2027-06-01T12:00")  # 180 days later: handled mail loses its text, mail in the queue does not
    assert program.db.execute("SELECT raw IS NOT NULL FROM messages").fetchone() == (1,)
    from assistant.coordinator import review

    review.dismiss(program.db, 1, program.clock.now(), "spam")
    program.run("2027-06-01T12:05")  # decided: retention applies as to any handled mail
    assert program.db.execute("SELECT raw IS NOT NULL, review FROM messages").fetchone() == (0, "dismissed")


def test_explain_names_the_queue_and_the_decision(program: Program) -> None:
    program.deliver(_fresh(STRANGER, "Hello?", "<stray-4@elsewhere.example>"))
    program.run("2026-12-01T10:00")
    from assistant.coordinator import review
    from assistant.coordinator.explain import explain

    def told() -> str:
        lines = explain(program.db, "<stray-4@elsewhere.example>", program.app.rules, program.app.form_keys,
                        program.clock.now(), program.config.timezone)  # fmt: skip
        return "\n".join(lines)

    assert "It waits for a person: mentor-assistant review show 1" in told()
    review.dismiss(program.db, 1, program.clock.now(), "spam")
    assert "A coordinator dismissed it on 2026-12-01 10:00 (spam)." in told()


def test_mail_released_as_hers_is_erased_with_her(program: Program) -> None:
    program.run("2026-12-01T09:05")
    prompt = program.last_to(MAYA, "checkin_prompt")
    program.deliver(reply(prompt, MAYA_AT_HOME, "1. yes\n2. 2\n3. xylograph work\n4. 5"))
    program.run("2026-12-01T10:00")
    from assistant.db import one
    from assistant.inbound.release import release
    from assistant.program.erasure import erase

    app = program.app
    assert release(app.db, app.config, app.forms, app.outbox, app.clock, 1, MAYA).outcome == "recorded"
    erase(
        program.db,
        program.config,
        one(program.db, "SELECT * FROM participants WHERE email = ?", [MAYA]),
        "2026-12-01T10:00:00+00:00",
    )
    assert program.db.execute("SELECT count(*) FROM messages").fetchone() == (0,)
    assert program.db.execute("SELECT count(*) FROM events WHERE kind = 'review_released'").fetchone() == (0,)
