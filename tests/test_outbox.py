"""The outbox: rendered mail with the right headers, delivered once, never resent after an uncertain send."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Sequence

from assistant.clock import FixedClock
from assistant.outbox import Mail, bounces
from assistant.transport.base import Refusal, SendError, Sent
from tests.conftest import ROOT, Program, at

MAIL = Mail(
    key="test:1",
    template="help_reply",
    to=[("Maya Patel", "maya.patel@example.org")],
    context={"name": "Maya Patel"},
    reply_token="abc123",
    in_reply_to="<their@example.net>",
    references=["<older@example.net>"],
)


def test_queued_message_is_delivered_once_as_a_valid_eml(program: Program) -> None:
    outbox = program.app.outbox
    message_id = outbox.enqueue(MAIL)
    assert message_id and outbox.enqueue(MAIL) is None  # same key: nothing new
    assert outbox.drain(program.app.outbound).sent == 1
    assert outbox.drain(program.app.outbound).sent == 0
    [sent] = program.sent()
    assert sent["Message-ID"] == message_id
    assert sent["From"].addresses[0].addr_spec == "mentoring@example.org"
    assert sent["To"].addresses[0].addr_spec == "maya.patel@example.org"
    assert sent["Reply-To"].addresses[0].addr_spec == "mentoring+abc123@example.org"
    assert sent["In-Reply-To"] == "<their@example.net>"
    assert sent["References"] == "<older@example.net> <their@example.net>"
    assert sent["Auto-Submitted"] == "auto-generated"
    assert sent["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert sent["X-Mentorship-Assistant"]
    # Her own token (abc123 is no token of hers), so "stop" acts at once; folded onto its own line, as RFC 5322 wants.
    [(token,)] = program.db.execute("SELECT token FROM reply_tokens WHERE purpose = 'participant'").fetchall()
    assert sent["List-Unsubscribe"].strip() == f"<mailto:mentoring+{token}@example.org?subject=stop>"
    assert sent["Date"].datetime == at("2026-11-30T12:00")
    assert sent.get_body(("plain",)).get_content().startswith("Hi Maya,")
    assert sent.get_body(("html",)).get_content().lstrip().startswith("<!DOCTYPE html>")
    assert not sent.defects


class Flaky:
    """An outbound transport that fails the way SMTP servers do."""

    def __init__(self, errors: Sequence[SendError | None]):
        self.errors, self.sent = list(errors), 0

    def open(self) -> None:
        pass

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Sent:
        error = self.errors.pop(0) if self.errors else None
        if error:
            raise error
        self.sent += 1
        return Sent(accepted=tuple(recipients))

    def close(self) -> None:
        pass


def test_temporary_failure_is_retried_later_and_permanent_is_not(program: Program) -> None:
    clock: FixedClock = program.clock
    outbox = program.app.outbox
    outbox.enqueue(MAIL)
    outbox.enqueue(Mail(**{**MAIL.__dict__, "key": "test:2"}))
    transport = Flaky([SendError("451 try later"), SendError("550 no such user", permanent=True)])
    result = outbox.drain(transport)
    assert (result.sent, result.retrying, result.failed) == (0, 1, 1)
    assert outbox.drain(transport).sent == 0  # not due yet
    clock.set(at("2026-11-30T13:00"))
    assert outbox.drain(transport).sent == 1
    assert [r["status"] for r in program.outbox()] == ["sent", "failed"]


def test_temporary_failures_expire_after_the_deadline(program: Program) -> None:
    program.app.outbox.enqueue(MAIL)
    program.clock.set(at("2026-12-06T12:01"))
    result = program.app.outbox.drain(Flaky([SendError("421 busy")]))
    assert result.failed == 1


def test_a_send_interrupted_midway_is_uncertain_and_never_resent(program: Program) -> None:
    outbox = program.app.outbox
    outbox.enqueue(MAIL)
    program.db.execute("UPDATE outbox SET status = 'sending'")  # as if killed between send and mark
    assert outbox.recover_uncertain() == 1
    assert outbox.drain(program.app.outbound).sent == 0
    assert program.outbox()[0]["status"] == "uncertain"
    assert program.db.execute("SELECT kind FROM events").fetchone()[0] == "delivery_uncertain"


def test_inbound_text_in_names_and_subjects_never_makes_headers(program: Program) -> None:
    evil_name = "Maya\r\nBcc: victim@example.net"
    evil_word = "{{7*7}}<script>alert(1)</script>"  # one word, so the greeting uses all of it
    program.app.outbox.enqueue(
        Mail(key="evil", template="help_reply", to=[(evil_name, "maya.patel@example.org")], context={"name": evil_word})
    )
    program.app.outbox.drain(program.app.outbound)
    raw = program.outbox()[0]["raw"]
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None and b"\nBcc:" not in raw
    html = message.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "Hi {{7*7}}<script>" in message.get_body(("plain",)).get_content()  # text stays text, never a template


def test_one_function_marks_addresses_bounced_for_the_drain_and_for_robots(program: Program, monkeypatch) -> None:
    """A 5xx refusal (seen by the drain) and a hard DSN (seen by the robots handler) are one bounce mark."""
    calls: list[list[str]] = []
    original = bounces.mark_bounced

    def spy(db, addresses, at: str) -> int:
        calls.append(list(addresses))
        return original(db, addresses, at)

    monkeypatch.setattr(bounces, "mark_bounced", spy)
    program.app.outbox.enqueue(MAIL)
    refused = SendError("550 no such user", permanent=True, refused=[Refusal("Maya.Patel@example.org", 550, "")])
    program.app.outbox.drain(Flaky([refused]))
    program.deliver(
        b"From: MAILER-DAEMON@mx.example.org\nTo: mentoring@example.org\nSubject: Undelivered Mail\nReturn-Path: <>\n"
        b"Message-ID: <dsn-1@mx.example.org>\nMIME-Version: 1.0\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        b"--B\nContent-Type: text/plain\n\nYour message could not be delivered.\n"
        b"--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        b"Final-Recipient: rfc822; dana.okafor@example.org\nAction: failed\nStatus: 5.1.1\n--B--\n"
    )
    program.run("2026-11-30T13:00")
    assert calls == [["Maya.Patel@example.org"], ["dana.okafor@example.org"]]
    bounced = program.db.execute("SELECT email FROM participants WHERE bounced_at IS NOT NULL ORDER BY email")
    assert [row[0] for row in bounced.fetchall()] == ["dana.okafor@example.org", "maya.patel@example.org"]


def test_no_other_module_writes_a_bounce_mark() -> None:
    writes = re.compile(r"(?i)\bSET\b[^;\"]*\bbounced_at\s*=")  # SQL that sets it (erasure clears it another way)
    found = [
        str(path.relative_to(ROOT))
        for path in (ROOT / "assistant").rglob("*.py")
        if writes.search(path.read_text(encoding="utf-8")) and path.name != "bounces.py"
    ]
    assert found == []


def test_the_daily_cap_is_for_smtp_only(program: Program) -> None:
    """outbound.per_recipient_per_day (default 20) counts mail to people's inboxes; a Maildir is a folder."""
    for n in range(25):
        program.app.outbox.enqueue(Mail(**{**MAIL.__dict__, "key": f"cap:{n}"}))
    assert program.app.outbox.drain(program.app.outbound).sent == 25
