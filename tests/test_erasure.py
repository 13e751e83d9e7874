"""Erasure that a disk search confirms: after a confirmed `delete me`, no file the assistant owns (the SQLite file
and its WAL, every Maildir folder and message) holds her address, her name or her words, in any encoding mail uses.
"""

from __future__ import annotations

import base64
import email
import email.policy
import email.utils
import json
import quopri
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.app import CycleReport
from assistant.cli import main
from assistant.db import one
from assistant.inbound import pipeline
from assistant.inbound.expunge import expunge_pending
from assistant.mail.headers import POLICY, address_header, text_header
from assistant.mail.redact import Phrases, mentions, redact
from assistant.mail.replies import reply
from assistant.program.erasure import erase
from assistant.transport.maildir import deliver
from tests.conftest import ROOT, Program, at
from tests.servers import MailProgram, MailUser

HER = ("Ottilie Wróblewska", "ottilie.wroblewska@quarrington.example")
DANA = ("Dana Okafor", "dana.okafor@example.org")
HER_WORDS = ("xylograph", "Bartholomew", "sidelining", "marimba")
NEEDLES = (HER[1], HER[0], "Ottilie", "Wróblewska", *HER_WORDS)
pytest_plugins = ["tests.servers"]


def _cli(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def _forms(needle: str) -> tuple[list[bytes], list[bytes]]:
    """The needle as bytes a file may hold it in: (compared with the lower-cased bytes, compared with the bytes
    without line breaks): UTF-8, quoted-printable, a JSON escape, and base64 at each of the three alignments."""
    data = needle.encode()
    lowered = {data.lower(), quopri.encodestring(data).lower(), json.dumps(needle)[1:-1].encode().lower()}
    lowered.add(quopri.encodestring(data, header=True).lower())  # an encoded-word's Q form: _ for spaces
    exact = set()
    for shift in range(3):
        encoded = base64.b64encode(b"\0" * shift + data)
        start = 4 if shift else 0  # the first quad holds padding bytes: not the needle's
        whole = (len(data) - (3 - shift) % 3) // 3 * 4
        if whole >= 8:
            exact.add(encoded[start : start + whole])
    return sorted(lowered), sorted(exact)


def _traces(folder: Path) -> list[str]:
    return _traces_of(folder, NEEDLES)


def _traces_of(folder: Path, needles: tuple[str, ...]) -> list[str]:
    """Every needle found in every file under `folder`, as 'file: needle (form)'."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        data = path.read_bytes()
        lowered, flat = data.lower(), data.replace(b"=\r\n", b"").replace(b"=\n", b"").replace(b"\r", b"")
        flat = flat.replace(b"\n", b"")
        for needle in needles:
            plain, encoded = _forms(needle)
            hits = [form for form in plain if form in lowered or form in flat.lower()]
            hits += [form for form in encoded if form in flat]
            found += [f"{path.relative_to(folder)}: {needle} ({form!r})" for form in hits]
        found += [f"{path.relative_to(folder)}: {n} (decoded)" for n in _in_decoded_mail(path, data, needles)]
    return found


def _in_decoded_mail(path: Path, data: bytes, needles: tuple[str, ...]) -> list[str]:
    """A Maildir file read as mail: every header and text part decoded."""
    if path.parent.name not in ("new", "cur", "tmp"):
        return []
    msg = email.message_from_bytes(data, policy=email.policy.default)
    texts = [f"{k}: {v}" for k, v in msg.items()]
    texts += [str(p.get_content()) for p in msg.walk() if p.get_content_maintype() == "text" and not p.is_multipart()]
    text = "\n".join(texts).lower()
    return [needle for needle in needles if needle.lower() in text]


def _fresh(sender: tuple[str, str], body: str, subject: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = "mentoring@example.org"
    message["Subject"] = subject
    message["Message-ID"] = email.utils.make_msgid(domain="quarrington.example")
    message.set_content(body)
    return message.as_bytes()


def _sent(folder: Path, to: str, subject_part: str) -> bytes:
    """The newest message in the sent Maildir to `to` whose subject has `subject_part`."""
    candidates = []
    for path in (folder / "var" / "sent" / "new").iterdir():
        msg = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        if to in str(msg["To"]) and subject_part in str(msg["Subject"]):
            candidates.append((path.stat().st_mtime_ns, path.read_bytes()))
    assert candidates, f"nothing to {to} about {subject_part!r}"
    return max(candidates)[1]


@pytest.fixture
def her_program(example_config: Path) -> Path:
    """The example program plus her, paired with Dana, run until her partner's prompt, an alert, a forwarded note
    and a digest all name her, and her words are stored."""
    folder = example_config.parent
    sheets = folder.parent / f"{folder.name}-sheets"  # outside the program folder: the sheet is not the assistant's
    sheets.mkdir()
    (sheets / "her.csv").write_text(
        f"email,name,role,goals,timezone\n{HER[1]},{HER[0]},mentee,curate a marimba archive,Europe/London\n",
        encoding="utf-8",
    )
    pair = f"mentor_email,mentee_email,status,started_at\n{DANA[1]},{HER[1]},active,2026-11-10\n"
    (sheets / "pair.csv").write_text(pair, encoding="utf-8")
    assert _cli(example_config, "import", "participants", str(ROOT / "examples" / "participants.csv")) == 0
    assert _cli(example_config, "import", "participants", str(sheets / "her.csv")) == 0
    assert _cli(example_config, "import", "pairs", str(ROOT / "examples" / "pairs.csv")) == 0
    assert _cli(example_config, "import", "pairs", str(sheets / "pair.csv")) == 0
    inbox = folder / "var" / "inbox"

    assert _cli(example_config, "--now", "2026-11-25T10:00", "run", "--once") == 0  # expectations check, to both
    check = _sent(folder, HER[1], "")
    deliver(inbox, reply(check, HER, "Thank you! Our xylograph sessions are going well, I'd love more of them."))
    assert _cli(example_config, "--now", "2026-11-25T11:00", "run", "--once") == 0  # her note to the coordinator

    # The check-in day, and the day after: the weekly pace holds her and Dana's prompt (about November) until a week
    # after the expectations check.
    for moment in ("2026-12-01T09:00", "2026-12-02T10:30"):
        assert _cli(example_config, "--now", moment, "run", "--once") == 0
    prompt = _sent(folder, HER[1], "check-in")
    answers = (  # her news is a milestone kept for her mentor (program/wishes.py): erased with her
        "1. yes\n2. 2\n3. We rehearsed my xylograph keynote. I gave my first xylograph keynote!\n4. 1\n"
        "5. Bartholomew keeps sidelining me"
    )
    deliver(inbox, reply(prompt, HER, answers))
    dana_prompt = _sent(folder, DANA[1], "check-in")
    assert b"Ottilie" in dana_prompt or b"=?utf-8?" in dana_prompt.lower() or "Ottilie" in _decoded(dana_prompt)
    deliver(inbox, reply(dana_prompt, DANA, "1. yes\n2. 2\n3. Ottilie's keynote rehearsal\n4. 4"))
    assert _cli(example_config, "--now", "2026-12-02T12:00", "run", "--once") == 0  # recorded; an alert about her
    assert _cli(example_config, "--now", "2026-12-07T08:30", "run", "--once") == 0  # Monday: the digest names her
    return example_config


def _decoded(raw: bytes) -> str:
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    return "\n".join(str(p.get_content()) for p in msg.walk() if p.get_content_maintype() == "text")


def test_before_erasure_she_is_everywhere(her_program: Path) -> None:
    """The setup is what the erasure test needs: her traces in the database, the inbox, the sent folder, and in
    other people's mail (her partner's prompt, the coordinator's alert, note and digest)."""
    folder = her_program.parent / "var"
    traces = _traces(folder)
    assert any(t.startswith("program.db") for t in traces)
    assert any(t.startswith("inbox/cur") for t in traces) and any(t.startswith("sent/new") for t in traces)
    sent = [email.message_from_bytes(p.read_bytes()) for p in (folder / "sent" / "new").iterdir()]
    to_grace = [m for m in sent if "grace@example.org" in str(m["To"])]
    subjects = " | ".join(str(m["Subject"]) for m in to_grace)
    assert "week" in subjects.lower() or "digest" in subjects.lower(), subjects
    to_grace_text = [_decoded(m.as_bytes()) for m in to_grace]
    assert any("Bartholomew" in text for text in to_grace_text)  # her words reached the coordinator
    assert any("xylograph sessions" in text for text in to_grace_text)  # her forwarded note
    with sqlite3.connect(folder / "program.db") as db:
        assert db.execute("SELECT kind FROM milestones").fetchall() == [("talk",)]


def test_after_delete_me_no_file_holds_her_address_name_or_words(her_program: Path) -> None:
    folder = her_program.parent
    deliver(folder / "var" / "inbox", _fresh(HER, "delete me", "delete me"))
    assert _cli(her_program, "--now", "2026-12-07T10:00", "run", "--once") == 0
    confirm = _sent(folder, HER[1], "")
    deliver(folder / "var" / "inbox", reply(confirm, HER, "Yes, delete everything."))
    assert _cli(her_program, "--now", "2026-12-07T11:00", "run", "--once") == 0

    assert _traces(folder / "var") == []
    assert not (folder / "var" / "program.db-wal").exists() or (folder / "var" / "program.db-wal").stat().st_size == 0
    # Other people's mail stays, redacted: her partner still has her pairing, and the coordinators their digest.
    with sqlite3.connect(folder / "var" / "program.db") as db:
        redacted = db.execute("SELECT count(*) FROM outbox WHERE instr(raw, 'a former participant') > 0").fetchone()
        assert redacted[0] >= 2
        assert db.execute("SELECT count(*) FROM pairings WHERE status = 'closed'").fetchone()[0] == 1
        assert db.execute("SELECT count(*) FROM expunge").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM milestones").fetchone()[0] == 0


MAYA = ("Maya Patel", "maya.patel@example.org")
MAYA_WORDS = ("Maya", "Patel", "maya.patel@example.org", "zeppelin", "Quillfeather")


def test_on_imap_the_messages_it_moved_for_her_are_expunged(
    tmp_path: Path, imap_user: MailUser, mail_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Her reply and her partner's (which quotes a prompt naming her) were moved to Processed, a message of hers
    that broke the handler to Quarantine; after `delete me`, every one is expunged from the server, and only mail
    that never named her is left."""
    original = pipeline.handle

    def handle(inbound, outcome):  # type: ignore[no-untyped-def]
        if "poison" in inbound.msg.subject:
            raise RuntimeError("this message breaks the handler")
        return original(inbound, outcome)

    monkeypatch.setattr(pipeline, "handle", handle)
    program = MailProgram(tmp_path, imap_user)
    program.run("2026-12-01T09:05")
    imap_user.append(
        program.reply_to_prompt(MAYA, "1. yes\n2. 2\n3. Our zeppelin pitch deck\n4. 2\n5. Quillfeather ignores me"),
        program.reply_to_prompt(DANA, "1. yes\n2. 2\n3. Maya's pitch\n4. 4"),
        _fresh(MAYA, "the zeppelin deck, attached again", "poison"),
        _fresh(("Someone", "someone@example.net"), "Hello from a stranger", "unrelated"),
    )
    for minute in range(3):  # the poison message is tried three times, then quarantined and moved aside
        program.run(f"2026-12-02T10:0{minute}")
    assert len(imap_user.uids("Quarantine")) == 1 and len(imap_user.uids("Processed")) == 3

    imap_user.append(_fresh(MAYA, "delete me", "delete me"))
    program.run("2026-12-02T11:00")
    confirm = program.db.execute(
        "SELECT raw FROM outbox WHERE template = 'confirm_command' AND to_addr = ?", [MAYA[1]]
    ).fetchone()[0]
    imap_user.append(reply(bytes(confirm), MAYA, "yes"))
    report = program.run("2026-12-02T11:05")
    assert report.outcomes["erased"] == 1, report.line()

    assert imap_user.uids("Quarantine") == [] and imap_user.uids("INBOX") == []
    left = imap_user.bodies("Processed")
    assert len(left) == 1 and b"Hello from a stranger" in left[0]
    assert program.count("SELECT count(*) FROM expunge") == 0
    program.close()
    assert _traces_of(tmp_path, MAYA_WORDS) == []  # the database, its WAL, the sent folder


def test_queued_mail_that_names_her_still_goes_out_redacted(program: Program) -> None:
    """Her partner's prompt, queued when she is erased, is sent without her name; mail to both loses her address."""
    program.clock.set(at("2026-12-01T09:05"))
    program.app.tick(CycleReport())  # the prompts are queued, not sent yet
    maya = one(program.db, "SELECT * FROM participants WHERE email = ?", [MAYA[1]])
    assert maya is not None
    erase(program.db, program.config, maya, "2026-12-01T09:06:00Z")
    program.run("2026-12-01T09:10")
    [dana_prompt] = [m for m in program.sent() if DANA[1] in str(m["To"])]
    text = dana_prompt.get_body(("plain",)).get_content()
    assert "how is your mentoring with a former participant going?" in text
    assert "Maya" not in dana_prompt.as_string() and not [m for m in program.sent() if MAYA[1] in str(m["To"])]


def test_redact_finds_her_in_every_encoding_and_drops_her_address() -> None:
    message = EmailMessage()
    message["From"] = "Ada <mentoring@example.org>"
    message["To"] = "Dana Okafor <dana@example.org>, Zoë Brontë <zoe@example.net>"
    message["Reply-To"] = "Zoë Brontë <zoe@example.net>"
    message["Subject"] = "Zoë Brontë asked for help"
    message.set_content("Zoë wrote:\nmy manager Bartholomew keeps\n  sidelining me\n", cte="base64")
    html = "<p>Zo&#235; wrote: my manager Bartholomew keeps<br>sidelining me, O&#39;Hara</p>"
    message.add_alternative(html, subtype="html", cte="base64")
    phrases = Phrases([("Zoë Brontë", "someone"), ("Zoë", "someone"), ("zoe@example.net", "someone")])
    phrases = Phrases([*phrases.replacements, ("my manager Bartholomew keeps sidelining me", "[erased]")])
    raw = message.as_bytes()
    assert mentions(raw, phrases) and b"Bartholomew" not in raw  # base64: only decoding finds it
    out = email.message_from_bytes(redact(raw, phrases, ["zoe@example.net"]), policy=email.policy.default)
    assert str(out["To"]) == "Dana Okafor <dana@example.org>" and out["Reply-To"] is None
    assert str(out["Subject"]) == "someone asked for help"
    assert out.get_body(("plain",)).get_content() == "someone wrote:\n[erased]\n"
    assert "Bartholomew" not in out.get_body(("html",)).get_content()
    assert not mentions(out.as_bytes(), Phrases([("Bartholomew", "x")]))


def test_redacted_headers_still_read_as_written_when_a_long_name_holds_a_comma() -> None:
    """Python 3.11 folds a long display name without its quotes (gh-80222): "evil@attacker.example, ..." would
    become a second recipient. Redaction writes the headers it changes as composing does, checked to read back."""
    partner = ("evil@attacker.example, Featherstonehaugh-Montgomery Alexandra Catherine Elizabeth", "ana@example.org")
    message = EmailMessage(policy=POLICY)  # as the outbox composes it
    message["From"] = address_header("From", (("Ada", "mentoring@example.org"),))
    message["To"] = address_header("To", (partner, ("Ottilie Brontë", "ottilie@example.net")))
    message["Subject"] = text_header("Subject", f"Ottilie Brontë and {partner[0]}: how is it going, both of you?")
    message.set_content("Hello\n")
    phrases = Phrases([("Ottilie Brontë", "a former participant"), ("ottilie@example.net", "a former participant")])
    redacted = redact(message.as_bytes(), phrases, ["ottilie@example.net"])
    out = email.message_from_bytes(redacted, policy=email.policy.default)
    assert [(a.display_name, a.addr_spec) for a in out["To"].addresses] == [partner]
    assert str(out["Subject"]) == f"a former participant and {partner[0]}: how is it going, both of you?"
    again = email.message_from_bytes(out.as_bytes(policy=POLICY), policy=email.policy.default)  # a tool re-folding it
    assert [a.addr_spec for a in again["To"].addresses] == ["ana@example.org"]


def test_a_long_history_of_her_words_is_erased_in_bounded_statements(program: Program) -> None:
    """Hundreds of lines of hers: the first look in SQL is split so that no statement grows past SQLite's limits."""
    goals = "\n".join(f"line {n} of my very own plan number {n * 7}" for n in range(400))
    program.db.execute("UPDATE participants SET goals = ? WHERE email = ?", [goals, MAYA[1]])
    program.db.execute(
        "INSERT INTO events (at, kind, entity, detail) VALUES ('2026-11-30T12:00:00Z', 'note', 'x', ?)",
        [json.dumps({"said": "line 399 of my very own plan number 2793"})],
    )
    maya = one(program.db, "SELECT * FROM participants WHERE email = ?", [MAYA[1]])
    assert maya is not None
    erase(program.db, program.config, maya, "2026-11-30T12:05:00Z")
    (detail,) = program.db.execute("SELECT detail FROM events WHERE entity = 'x'").fetchone()
    assert json.loads(detail) == {"said": "[erased]"}


def test_a_reader_holding_the_database_delays_compaction_until_it_lets_go(program: Program) -> None:
    """`browse` reading while she is erased: the WAL cannot be emptied then, so the next poll compacts again."""
    program.run("2026-12-01T09:05")
    program.deliver(reply(program.last_to(MAYA[1], "checkin_prompt"), MAYA, "1. yes\n2. 2\n3. our zeppelin deck"))
    program.deliver(_fresh(MAYA, "delete me", "delete me"))
    program.run("2026-12-01T10:00")
    program.deliver(reply(program.last_to(MAYA[1], "confirm_command"), MAYA, "yes"))
    reader = sqlite3.connect(program.config.database, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM answers").fetchall()
    assert program.run("2026-12-01T10:05").outcomes["erased"] == 1
    wal = Path(f"{program.config.database}-wal")
    assert program.app._compact_due and wal.stat().st_size > 0
    reader.execute("COMMIT")
    reader.close()
    program.clock.set(at("2026-12-01T10:10"))
    program.app.poll(CycleReport())  # the poll compacts (a tick or drain after it writes its own rows again)
    assert not program.app._compact_due and wal.stat().st_size == 0
    assert not [t for t in _traces_of(program.folder, ("zeppelin", MAYA[1])) if "config" not in t]


class _Away:
    """An inbox whose server is away (tries nothing), beside a sender that keeps no copies (SMTP)."""

    def expunge(self, message_ids: list[str]) -> dict[str, bool]:
        return {}


def test_expunge_rows_wait_for_an_absent_server_and_a_sender_without_folders_keeps_none(program: Program) -> None:
    program.db.execute(
        "INSERT INTO expunge (message_id, place, created_at) VALUES ('<a@x>', 'inbox', 'now'), ('<b@x>', 'sent', 'now')"
    )
    assert expunge_pending(program.db, _Away(), object()) == 0  # type: ignore[arg-type]
    assert program.db.execute("SELECT message_id, place FROM expunge").fetchall() == [("<a@x>", "inbox")]
