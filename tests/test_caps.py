"""The cap on mail that inbound mail sets off (RELIABILITY case 29): at most `limits.mails_per_address_per_day` to one
address per day, whatever set it off and whoever queues it; one alert to the coordinators per capped address per day;
program mail untouched; a flood through the real CLI brings at most the cap back, and loses nothing."""

from __future__ import annotations

import email
import email.policy
import re
import sqlite3
import time
from collections import Counter
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import getaddresses
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import load_config
from assistant.identity import address_hash
from assistant.inbound import pipeline
from assistant.inbound.outcomes import Outcome
from assistant.mail.replies import reply
from assistant.outbox import Mail
from assistant.outbox.triggered import ALERT_TEMPLATE, TriggeredOutbox
from assistant.program.context import Inbound
from assistant.transport.maildir import deliver
from tests.conftest import ROOT, Program, at
from tests.test_introductions import TRUSTED, trusting  # noqa: F401 (a fixture)
from tests.test_introductions import _mail as intro_mail

MAYA = ("Maya Patel", "maya.patel@example.org")
DANA = ("Dana Okafor", "dana.okafor@example.org")
PRIYA = ("Priya Raman", "priya.raman@example.org")
GRACE = ("Grace Hopper", "grace@example.org")


def _triggered(program: Program, ledger_id: int = 1, when: str = "2026-11-30T12:00") -> TriggeredOutbox:
    program.clock.set(at(when))
    return TriggeredOutbox(program.app.outbox, ledger_id, program.clock.now(), [])


def _reply(key: str, *to: tuple[str, str], cc: tuple[tuple[str, str], ...] = (), program_mail: bool = False) -> Mail:
    context = {"name": to[0][0]}
    return Mail(key=key, template="help_reply", to=list(to), cc=list(cc), context=context, program_mail=program_mail)


def _count(program: Program, where: str = "1", params: tuple = ()) -> int:
    return program.db.execute(f"SELECT count(*) FROM outbox WHERE {where}", params).fetchone()[0]


def _alerts(program: Program) -> list[dict]:
    return program.outbox(template=ALERT_TEMPLATE)


def test_past_the_cap_nothing_is_queued_the_count_is_kept_and_the_coordinators_are_told_once(program: Program) -> None:
    outbox = _triggered(program)
    queued = [outbox.enqueue(_reply(f"r{n}", MAYA)) for n in range(25)]
    assert sum(q is not None for q in queued) == 10 and all(q is None for q in queued[10:])
    assert _count(program, "to_addr = ?", (MAYA[1],)) == 10
    row = program.db.execute("SELECT day, queued, refused, alerted_at FROM triggered_mail").fetchone()
    assert row == ("2026-11-30", 10, 15, "2026-11-30T12:00:00+00:00")
    (alert,) = _alerts(program)
    assert alert["to_addr"] == GRACE[1] and MAYA[1] in alert["subject"] and alert["triggered_by"] == 1
    assert len(outbox.notes) == 15 and "limits.mails_per_address_per_day" in outbox.notes[0]
    text = email.message_from_bytes(alert["raw"], policy=email.policy.default).get_body(("plain",)).get_content()
    assert "Maya Patel <maya.patel@example.org>" in text and "at most once a day" in text


def test_every_queued_row_names_the_message_that_set_it_off(program: Program) -> None:
    _triggered(program, ledger_id=7).enqueue(_reply("a", MAYA))
    _triggered(program, ledger_id=8).enqueue(_reply("b", DANA, program_mail=True))
    assert [r["triggered_by"] for r in program.outbox()] == [7, 8]


def test_the_count_is_per_address_and_per_program_day(program: Program) -> None:
    for n in range(12):
        _triggered(program, n, "2026-11-30T12:00").enqueue(_reply(f"maya{n}", MAYA))
        _triggered(program, n, "2026-11-30T12:00").enqueue(_reply(f"dana{n}", DANA))
    # 23:30 on the 30th is still the 30th; 00:30 on 1 December is a new day.
    assert _triggered(program, 99, "2026-11-30T23:30").enqueue(_reply("late", MAYA)) is None
    assert _triggered(program, 99, "2026-12-01T00:30").enqueue(_reply("next", MAYA)) is not None
    days = sorted(program.db.execute("SELECT day, queued, refused FROM triggered_mail").fetchall())
    assert days == [("2026-11-30", 10, 2), ("2026-11-30", 10, 3), ("2026-12-01", 1, 0)]
    assert len(_alerts(program)) == 2  # one per address that day; the new day has no alert yet


def test_a_new_day_alerts_again_but_once(program: Program) -> None:
    for day in ("2026-11-30", "2026-12-01"):
        for n in range(30):
            _triggered(program, n, f"{day}T12:00").enqueue(_reply(f"{day}:{n}", MAYA))
    assert [a["dedupe_key"][: len(ALERT_TEMPLATE) + 11] for a in _alerts(program)] == [
        f"{ALERT_TEMPLATE}:2026-11-30",
        f"{ALERT_TEMPLATE}:2026-12-01",
    ]


def test_recipients_over_the_cap_are_left_out_and_the_others_still_get_it(program: Program) -> None:
    outbox = _triggered(program)
    for n in range(10):
        outbox.enqueue(_reply(f"grace{n}", GRACE))
    outbox.enqueue(_reply("both", DANA, GRACE, cc=(GRACE,)))
    (row,) = program.outbox(dedupe_key="both")
    assert row["to_addr"] == DANA[1] and b"grace@" not in row["raw"].split(b"\n\n")[0]
    assert outbox.enqueue(_reply("only-grace", GRACE)) is None  # no `To` left: nothing is queued
    assert _count(program, "dedupe_key = 'only-grace'") == 0


def test_the_same_mail_again_is_neither_counted_nor_refused(program: Program) -> None:
    outbox = _triggered(program)
    for _ in range(30):
        outbox.enqueue(_reply("same", MAYA))
    assert program.db.execute("SELECT queued, refused FROM triggered_mail").fetchone() == (1, 0)
    assert _alerts(program) == []


def test_program_mail_is_never_counted_or_capped(program: Program) -> None:
    outbox = _triggered(program)
    for n in range(10):
        outbox.enqueue(_reply(f"r{n}", MAYA))
    assert outbox.enqueue(_reply("intro", MAYA, program_mail=True)) is not None
    program.app.outbox.enqueue(_reply("tick", MAYA))  # the tick's outbox: not marked, not counted
    assert program.db.execute("SELECT queued, refused FROM triggered_mail").fetchone() == (10, 0)
    assert program.outbox(dedupe_key="tick")[0]["triggered_by"] is None


def test_a_zero_cap_sends_nothing_that_inbound_mail_sets_off(program: Program) -> None:
    program.config_path.write_text(
        program.config_path.read_text() + "limits: {mails_per_address_per_day: 0}\n", encoding="utf-8"
    )
    program.app.outbox.config = program.config = load_config(program.config_path)
    assert _triggered(program).enqueue(_reply("r", MAYA)) is None
    assert len(_alerts(program)) == 1


def test_every_handler_sees_the_capped_outbox_even_a_new_one(program: Program, monkeypatch) -> None:
    """A handler written tomorrow, which knows nothing of the cap, is capped: the pipeline's `Inbound` only ever
    holds the message's TriggeredOutbox."""
    seen: list[type] = []

    def chatty(inbound: Inbound) -> str:
        seen.append(type(inbound.outbox))
        for n in range(50):
            inbound.outbox.enqueue(_reply(f"chatty:{inbound.msg.message_id}:{n}", (inbound.msg.from_name, MAYA[1])))
        return "chatty"

    monkeypatch.setattr(pipeline, "classify", lambda inbound: Outcome("chatty", lambda _: "always", chatty))
    for n in range(3):
        program.deliver(_stop(MAYA, n))
    program.run("2026-11-30T12:00")
    assert seen == [TriggeredOutbox] * 3
    assert _count(program, "to_addr = ?", (MAYA[1],)) == 10 and len(_alerts(program)) == 1
    reasons = program.db.execute("SELECT reasons FROM messages ORDER BY id").fetchall()
    assert "limits.mails_per_address_per_day" in reasons[0][0]  # the first message already went past the cap


def test_the_old_key_is_still_read_and_check_names_the_new_one(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = example_config
    base = config.read_text()
    config.write_text(base.replace("mails_per_address_per_day: 10", "auto_replies_per_day: 4   "), encoding="utf-8")
    loaded = load_config(config)
    assert loaded.limits.mails_per_address_per_day == 4
    assert len(loaded.notices) == 1 and "limits.auto_replies_per_day is now called" in loaded.notices[0]
    assert main(["--config", str(config), "check"]) == 0
    assert "note: " in capsys.readouterr().out

    both = base.replace("mails_per_address_per_day: 10", "mails_per_address_per_day: 5\n  auto_replies_per_day: 4")
    config.write_text(both, encoding="utf-8")
    loaded = load_config(config)
    assert loaded.limits.mails_per_address_per_day == 5 and "is ignored" in loaded.notices[0]


def test_the_reply_cap_still_bounds_a_header_less_robot(program: Program) -> None:
    """RELIABILITY case 5, now by the one cap: a robot answering each of our confirmations gets ten, then none."""
    program.run("2026-12-01T09:05")
    prompt = program.last_to(MAYA[1], "checkin_prompt")
    for n in range(40):
        program.deliver(reply(prompt, MAYA, f"1. yes\n2. {n % 5 + 1}\n\nThanks for your mail, I will read it soon."))
    program.run("2026-12-01T10:00")
    assert _count(program, "to_addr = ? AND triggered_by IS NOT NULL", (MAYA[1],)) == 10


# ---- through the real command line ------------------------------------------------------------------------------


def _stop(sender: tuple[str, str], n: int, command: str = "stop") -> bytes:
    """A forged command: the victim's From, no reply token, a new Message-ID each time."""
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = "mentoring@example.org"
    message["Subject"] = command
    message["Message-ID"] = f"<{command}-{n}@attacker.example>"
    message.set_content(f"{command}\n")
    return message.as_bytes()


def _flood(inbox: Path, messages: list[bytes]) -> None:
    """Many messages into the Maildir's new/ at once: `deliver` opens the folder anew for each, which would cost this
    test more than the assistant's own work. The names are unique, as Maildir asks."""
    deliver(inbox, messages[0])
    for n, raw in enumerate(messages[1:]):
        (inbox / "new" / f"{time.time_ns()}.flood{n}.test").write_bytes(raw)


def _renamed(raw: bytes, n: int) -> bytes:
    """The same reply with a Message-ID of its own: another reply, as far as any ledger can tell (and far cheaper to
    make than a new one)."""
    return re.sub(rb"(?m)^Message-ID: <[^>]+>", f"Message-ID: <reply-{n}@mail.example.org>".encode(), raw, count=1)


def _cli(config: Path, now: str, *args: str) -> int:
    return main(["--config", str(config), "--now", now, *args])


def _sent_to(folder: Path) -> Counter[str]:
    """Mails in the outbound Maildir, counted by recipient address (To and Cc)."""
    counts: Counter[str] = Counter()
    for path in (folder / "var" / "sent" / "new").iterdir():
        headers = BytesHeaderParser().parsebytes(path.read_bytes())
        counts.update(address for _, address in getaddresses(headers.get_all("To", []) + headers.get_all("Cc", [])))
    return counts


FLOOD = 1000  # forged `stop` mails from one address; the figure: a thousand bring at most ten back
REPLIES = 100  # then genuine check-in replies from the same address, the same day
HELPS = 30  # and `help` from another participant: it acts at once, so each would be answered


def test_a_flood_from_one_address_brings_at_most_the_cap_back_and_loses_nothing(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = example_config.parent
    inbox = folder / "var" / "inbox"
    # The weekly digest's chart costs seconds and has its own tests; here it would only add mail to count.
    example_config.write_text(example_config.read_text().replace("enabled: true", "enabled: false"), encoding="utf-8")
    assert (
        _cli(example_config, "2026-11-30T12:00", "import", "participants", str(ROOT / "examples/participants.csv")) == 0
    )
    assert _cli(example_config, "2026-11-30T12:00", "import", "pairs", str(ROOT / "examples/pairs.csv")) == 0

    # 1 December, 08:00 (before the check-in hour): a thousand forged `stop` mails in Maya's name, and `help` mails
    # in Priya's.
    _flood(inbox, [_stop(MAYA, n) for n in range(FLOOD)] + [_stop(PRIYA, n, "help") for n in range(HELPS)])
    assert _cli(example_config, "2026-12-01T08:00", "run", "--once") == 0
    sent = _sent_to(folder)
    assert sent[MAYA[1]] == 10 and sent[PRIYA[1]] == 10

    # 09:00 the same day: the check-in prompts still go out, to Maya and Priya too.
    assert _cli(example_config, "2026-12-01T09:00", "run", "--once") == 0
    assert "queued 8 check-in prompts" in capsys.readouterr().out
    sent = _sent_to(folder)
    assert sent[MAYA[1]] == 11 and sent[PRIYA[1]] == 11

    # 10:00: Maya answers her check-in, a hundred times. Every answer is recorded; no more mail goes back today.
    db = sqlite3.connect(folder / "var" / "program.db")
    (prompt,) = db.execute(
        "SELECT raw FROM outbox WHERE template = 'checkin_prompt' AND to_addr = ?", [MAYA[1]]
    ).fetchone()
    answers = [reply(prompt, MAYA, f"1. yes\n2. {n}\n3. my promotion case\n4. 4") for n in range(1, 6)]
    _flood(inbox, [_renamed(answers[n % 5], n) for n in range(REPLIES)])
    assert _cli(example_config, "2026-12-01T10:00", "run", "--once") == 0
    assert _sent_to(folder)[MAYA[1]] == 11

    # Nothing inbound is lost: every message is in the ledger and was handled.
    statuses = dict(db.execute("SELECT status, count(*) FROM messages GROUP BY status").fetchall())
    assert statuses == {"processed": FLOOD + HELPS + REPLIES}
    outcomes = dict(db.execute("SELECT outcome, count(*) FROM messages GROUP BY outcome").fetchall())
    assert outcomes == {"confirmation_asked": FLOOD, "command_done": HELPS, "recorded": REPLIES}
    status = db.execute("SELECT status FROM participants WHERE email = ?", [MAYA[1]]).fetchone()[0]
    assert status == "active"  # a forged stop stops nothing
    answers = db.execute("SELECT value FROM answers WHERE question = 'meetings'").fetchall()
    assert answers == [(str((REPLIES - 1) % 5 + 1),)]  # the last reply's answer stands, as with any reply

    # One alert per address that day, whatever happened; the count of what was held back is kept.
    alerts = db.execute("SELECT subject, to_addr FROM outbox WHERE template = ?", [ALERT_TEMPLATE]).fetchall()
    assert sorted(alerts) == [
        (f"I've paused replies to {MAYA[1]} for today", GRACE[1]),
        (f"I've paused replies to {PRIYA[1]} for today", GRACE[1]),
    ]
    refused = sorted(r[0] for r in db.execute("SELECT refused FROM triggered_mail WHERE day = '2026-12-01'"))
    assert refused == [HELPS - 10, FLOOD + REPLIES - 10]
    assert _cli(example_config, "2026-12-01T10:30", "status") == 0
    assert f"{FLOOD + REPLIES - 10 + HELPS - 10} mail(s) not sent to 2 address-day(s)" in capsys.readouterr().out

    # A week on, Priya (who never answered) still gets her reminder; a new day brings Maya's replies back.
    assert _cli(example_config, "2026-12-08T10:00", "run", "--once") == 0
    reminders = db.execute("SELECT to_addr FROM outbox WHERE template = 'checkin_reminder'").fetchall()
    assert (PRIYA[1],) in reminders
    before = _sent_to(folder)[MAYA[1]]
    deliver(inbox, reply(prompt, MAYA, "4. 5"))
    assert _cli(example_config, "2026-12-08T11:00", "run", "--once") == 0
    assert _sent_to(folder)[MAYA[1]] == before + 1  # the confirmation of a new day's reply
    assert db.execute("SELECT count(*) FROM outbox WHERE template = ?", [ALERT_TEMPLATE]).fetchone()[0] == 2
    db.close()


def test_explain_shows_what_a_message_set_off_and_what_the_cap_held_back(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    for n in range(11):
        program.deliver(_stop(MAYA, n))
    program.run("2026-11-30T12:00")
    capsys.readouterr()
    assert main(["--config", str(program.config_path), "explain", "<stop-0@attacker.example>"]) == 0
    first = capsys.readouterr().out
    assert "Sent because of it: nothing" not in first and "confirm" in first.split("Sent because of it:")[1]
    assert main(["--config", str(program.config_path), "explain", "<stop-10@attacker.example>"]) == 0
    last = capsys.readouterr().out
    assert "confirm_command not sent to maya.patel@example.org" in last
    assert f"{ALERT_TEMPLATE} to grace@example.org" in last.split("Sent because of it:")[1]


def test_asks_and_introductions_go_out_to_addresses_at_the_cap(trusting: Program) -> None:  # noqa: F811 (the fixture)
    """Program mail that an authenticated answer sets off (the ask, the introduction) is the program's, not a reply:
    it is marked with its message but never counted or capped. The acknowledgement to the coordinator is a reply."""
    program = trusting
    zoe = ("Zoe Mensah", "zoe.mensah@example.net")
    for _, address in (GRACE, DANA, zoe):
        program.db.execute(
            "INSERT INTO triggered_mail (day, address_hash, queued) VALUES (?, ?, 10)",
            ["2026-11-30", address_hash(address)],
        )
    request = f"intro: Zoe Mensah <{zoe[1]}> -> {DANA[1]}\n\nZoe is preparing her promotion case."
    program.deliver(intro_mail(GRACE, request, headers=TRUSTED))
    program.run("2026-11-30T13:00")
    assert [r["template"] for r in program.outbox(to_addr=DANA[1])] == ["intro_ask"]
    assert program.outbox(template="intro_request_ack") == []  # a reply to Grace: capped
    program.deliver(reply(program.last_to(DANA[1], "intro_ask"), DANA, "Yes, happy to!"))
    program.run("2026-11-30T15:00")
    (intro,) = program.outbox(template="introduction")
    assert all(a in intro["to_addr"] for a in (DANA[1], zoe[1], GRACE[1])) and intro["triggered_by"] is not None
    counts = program.db.execute("SELECT queued FROM triggered_mail WHERE day = '2026-11-30'").fetchall()
    assert counts == [(10,)] * 3
