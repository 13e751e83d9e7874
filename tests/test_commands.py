"""Participant commands by email, and sender authentication: tokens, confirmations, forged senders."""

from __future__ import annotations

import email
import email.policy
import json
from email.message import EmailMessage

from assistant.identity import address_hash
from assistant.mail.replies import reply
from tests.conftest import Program

MAYA = ("Maya Patel", "maya.patel@example.org")


def _fresh(sender: tuple[str, str], body: str, subject: str = "Hello", to: str = "mentoring@example.org") -> bytes:
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = email.utils.make_msgid(domain="example.net")
    message.set_content(body)
    return message.as_bytes()


def _status(program: Program, address: str) -> tuple[str, str | None]:
    row = program.db.execute("SELECT status, paused_until FROM participants WHERE email = ?", [address]).fetchone()
    return tuple(row) if row else None  # type: ignore[return-value]


def _prompted(program: Program) -> bytes:
    program.run("2026-12-01T09:05")
    return program.last_to(MAYA[1], "checkin_prompt")


def test_pause_by_reply_acts_at_once_and_stops_reminders(program: Program) -> None:
    program.deliver(reply(_prompted(program), MAYA, "Pause please"))
    program.run("2026-12-01T18:00")
    assert _status(program, MAYA[1]) == ("paused", None)
    assert program.outbox(to_addr=MAYA[1], template="command_done")
    for day in ("08", "15", "22"):
        program.run(f"2026-12-{day}T13:00")
    assert not program.outbox(to_addr=MAYA[1], template="checkin_reminder")


def test_pause_until_a_date_resumes_on_that_date(program: Program) -> None:
    program.deliver(reply(_prompted(program), MAYA, "pause until 2027-01-10"))
    program.run("2026-12-01T18:00")
    assert _status(program, MAYA[1]) == ("paused", "2027-01-10T00:00:00+00:00")
    program.run("2027-01-09T12:00")
    assert _status(program, MAYA[1])[0] == "paused"
    program.run("2027-01-10T12:00")
    assert _status(program, MAYA[1])[0] == "active"
    assert program.outbox(to_addr=MAYA[1], template="resumed")


def test_a_command_without_a_token_is_confirmed_at_the_stored_address(program: Program) -> None:
    program.deliver(_fresh(MAYA, "stop"))
    program.run("2026-11-30T13:00")
    assert _status(program, MAYA[1])[0] == "active"  # nothing yet: the From line alone authorises nothing
    ask = program.last_to(MAYA[1], "confirm_command")
    program.deliver(reply(ask, MAYA, "yes"))
    program.run("2026-11-30T14:00")
    assert _status(program, MAYA[1])[0] == "left"
    program.run("2026-12-01T09:05")
    assert not program.outbox(to_addr=MAYA[1], template="checkin_prompt")


def test_a_forged_stop_changes_nothing(program: Program) -> None:
    program.deliver(_fresh(MAYA, "stop"))  # an attacker using Maya's address never sees the confirmation
    program.run("2026-11-30T13:00")
    program.run("2026-12-01T09:05")
    assert _status(program, MAYA[1])[0] == "active"
    assert program.outbox(to_addr=MAYA[1], template="checkin_prompt")


def test_list_unsubscribe_carries_a_token_and_acts_at_once(program: Program) -> None:
    prompt = email.message_from_bytes(_prompted(program), policy=email.policy.default)
    unsubscribe = str(prompt["List-Unsubscribe"]).strip("<>").removeprefix("mailto:").split("?")[0]
    program.deliver(_fresh(MAYA, "", subject="stop", to=unsubscribe))
    program.run("2026-12-01T18:00")
    assert _status(program, MAYA[1])[0] == "left"


def test_a_token_under_someone_elses_from_does_not_act(program: Program) -> None:
    raw = reply(_prompted(program), ("Someone Else", "someone@example.net"), "stop")
    program.deliver(raw)
    program.run("2026-12-01T18:00")
    assert _status(program, MAYA[1])[0] == "active"
    assert program.db.execute("SELECT outcome FROM messages").fetchone()[0] == "sender_mismatch"


def test_my_data_sends_text_and_json(program: Program) -> None:
    program.deliver(reply(_prompted(program), MAYA, "1. yes\n2. 2\n3. my CV\n4. 5"))
    program.run("2026-12-01T18:00")
    program.deliver(_fresh(MAYA, "my data"))
    program.run("2026-12-01T19:00")
    message = email.message_from_bytes(program.last_to(MAYA[1], "command_done"), policy=email.policy.default)
    [attachment] = list(message.iter_attachments())
    data = json.loads(attachment.get_content())
    assert attachment.get_filename() == "my-data.json"
    assert data["you"]["email"] == MAYA[1] and data["checkins"][0]["answers"]["rating"]["value"] == "5"
    assert "Check-ins: 1" in message.get_body(("plain",)).get_content()


def test_delete_me_erases_everything_and_suppresses_the_address(program: Program) -> None:
    program.deliver(reply(_prompted(program), MAYA, "1. yes\n2. 2\n3. my CV\n4. 1\n5. Dana cancels a lot"))
    program.run("2026-12-01T18:00")
    program.deliver(reply(program.last_to(MAYA[1], "checkin_reply"), MAYA, "delete me"))
    program.run("2026-12-01T19:00")
    program.deliver(reply(program.last_to(MAYA[1], "confirm_command"), MAYA, "Yes, delete everything"))
    program.run("2026-12-01T20:00")
    db = program.db
    assert db.execute("SELECT count(*) FROM participants WHERE email = ?", [MAYA[1]]).fetchone()[0] == 0
    for table in ("participants", "answers", "messages", "outbox", "events", "confirmations"):
        for row in db.execute(f"SELECT * FROM {table}"):
            text = " ".join(str(v) for v in row if not isinstance(v, bytes))
            blobs = b" ".join(v for v in row if isinstance(v, bytes))
            assert "maya.patel" not in text.lower() and b"maya.patel" not in blobs.lower(), table
            assert "cancels a lot" not in text
    assert db.execute("SELECT count(*) FROM suppressions WHERE hash = ?", [address_hash(MAYA[1])]).fetchone()[0] == 1
    program.run("2027-01-01T09:05")
    assert not [r for r in program.outbox() if "maya.patel" in r["to_addr"]]


def test_help_and_commands_only_in_the_first_lines(program: Program) -> None:
    program.deliver(_fresh(MAYA, "help"))
    program.deliver(_fresh(MAYA, "How do I stop worrying about my promotion?\n\n> stop\n> pause"))
    program.run("2026-11-30T13:00")
    templates = [r["template"] for r in program.outbox(to_addr=MAYA[1])]
    assert "command_done" in templates and "confirm_command" not in templates
    assert _status(program, MAYA[1])[0] == "active"


def test_raw_mail_is_purged_after_the_retention_period(program: Program) -> None:
    program.deliver(reply(_prompted(program), MAYA, "1. yes\n2. 2\n3. my CV\n4. 5"))
    program.run("2026-12-01T18:00")
    program.run("2027-05-30T12:00")
    assert program.db.execute("SELECT count(*) FROM messages WHERE raw IS NOT NULL").fetchone()[0] == 1
    program.run("2027-06-01T12:00")  # 180 days after the reply was handled
    assert program.db.execute("SELECT count(*) FROM messages WHERE raw IS NOT NULL").fetchone()[0] == 0
    assert program.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 1  # the ledger row stays
    assert (
        program.db.execute(
            "SELECT count(*) FROM outbox WHERE length(raw) > 0 AND status = 'sent' AND created_at < '2026-12-02'"
        ).fetchone()[0]
        == 0
    )
