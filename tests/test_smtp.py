"""The SMTP sender against a real aiosmtpd on loopback (STARTTLS or implicit TLS, AUTH): one connection per drain,
pacing, what `send` reports, and how the outbox takes it: the daily cap, 4xx, 5xx, partial refusals and a silent
server after end-of-data."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta
from pathlib import Path

import pytest

from assistant.clock import FixedClock
from assistant.config import ConfigError, SmtpConfig, load_config
from assistant.outbox import Mail, Outbox
from assistant.transport.base import ConnectError, Refusal, SendError
from assistant.transport.factory import open_outbound
from assistant.transport.smtp import SmtpOutbound
from tests.conftest import Program, at
from tests.servers import SMTP_ENV, SmtpServer, smtp_settings, start_smtpd

pytest_plugins = ["tests.servers"]

MAYA = ("Maya Patel", "maya.patel@example.org")
DANA = ("Dana Okafor", "dana.okafor@example.org")


def raw(n: int = 1, to: str = MAYA[1]) -> bytes:
    return (
        f"From: mentoring@example.org\r\nTo: {to}\r\nSubject: hello {n}\r\nMessage-ID: <out-{n}@example.org>\r\n\r\n"
        f".leading dot\r\nbody {n}\r\n"
    ).encode()


class FakeTime:
    def __init__(self) -> None:
        self.t, self.slept = 0.0, []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 6))
        self.t += seconds


def outbound(smtpd: SmtpServer, timeout: float = 10, **settings: object) -> SmtpOutbound:
    values = smtp_settings(smtpd, **settings)
    values.pop("type")
    values["ca_file"] = Path(values["ca_file"]) if values.get("ca_file") else None
    return SmtpOutbound(SmtpConfig(**values), timeout=timeout)


def _config(program: Program, smtpd: SmtpServer, **settings: object) -> Path:
    import json

    text = program.config_path.read_text().replace(
        "outbound: {type: maildir, path: ./sent}", f"outbound: {json.dumps(smtp_settings(smtpd, **settings))}"
    )
    path = program.folder / "smtp.yaml"
    path.write_text(text)
    return path


def use_smtp(program: Program, smtpd: SmtpServer, timeout: float = 10, **settings: object) -> SmtpOutbound:
    """Point the program's app at the SMTP server (instead of the outbound Maildir): the transport, and an outbox
    with the SMTP settings (its daily cap)."""
    app = program.app
    app.config = load_config(_config(program, smtpd, **settings))
    app.outbox = Outbox(program.db, app.config, app.renderer, program.clock)
    app._outbound = SmtpOutbound(app.config.outbound, timeout=timeout)
    return app._outbound


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SMTP_ENV, "s3cret-test")


def test_starttls_auth_and_one_connection_for_many_messages(smtpd: SmtpServer, env) -> None:
    sender = outbound(smtpd)
    for n in range(3):
        sender.send(raw(n), "mentoring@example.org", [MAYA[1]])
    sender.close()
    assert smtpd.recorder.auth_ok == ["ada"]  # one connection, one AUTH
    assert [r.message["Subject"] for r in smtpd.recorder.received] == ["hello 0", "hello 1", "hello 2"]
    first = smtpd.recorder.received[0]
    assert first.raw == raw(0) and first.sender == "mentoring@example.org" and first.recipients == [MAYA[1]]
    sender.send(raw(9), "mentoring@example.org", [MAYA[1]])  # after close(): a new connection
    assert smtpd.recorder.auth_ok == ["ada", "ada"]


def test_implicit_tls(tls_files, env) -> None:
    server = start_smtpd(*tls_files, implicit_tls=True)
    try:
        outbound(server, tls="ssl").send(raw(), "mentoring@example.org", [MAYA[1]])
        assert len(server.recorder.received) == 1
    finally:
        server.controller.stop()


def test_an_unverified_certificate_is_a_temporary_failure_and_not_retried_within_the_drain(smtpd, env) -> None:
    sender = outbound(smtpd, ca_file=None)
    with pytest.raises(ConnectError, match="CERTIFICATE_VERIFY_FAILED") as first:
        sender.send(raw(), "mentoring@example.org", [MAYA[1]])
    assert not first.value.permanent and not first.value.uncertain
    assert first.value.problem.kind == "tls" and "ca_file" in first.value.problem.advice
    with pytest.raises(ConnectError) as second:
        sender.send(raw(2), "mentoring@example.org", [MAYA[1]])
    assert second.value.problem is first.value.problem  # backing off: no second connection attempt yet
    assert smtpd.recorder.received == []


def test_the_password_variable_must_be_set(smtpd, monkeypatch) -> None:
    monkeypatch.delenv(SMTP_ENV, raising=False)
    with pytest.raises(ConfigError, match=SMTP_ENV):
        outbound(smtpd)


def test_a_stale_connection_is_reopened_once_before_sending(smtpd, env) -> None:
    sender = outbound(smtpd)
    sender.send(raw(1), "mentoring@example.org", [MAYA[1]])
    sender.smtp.sock.shutdown(socket.SHUT_RDWR)  # the server dropped us between drains
    sender.send(raw(2), "mentoring@example.org", [MAYA[1]])
    assert len(smtpd.recorder.received) == 2 and len(smtpd.recorder.auth_ok) == 2


def test_rate_per_minute_paces_sends_without_sleeping_for_real(smtpd, env) -> None:
    sender = outbound(smtpd, rate_per_minute=30)
    fake = FakeTime()
    sender.sleep, sender.monotonic = fake.sleep, fake
    for n in range(4):
        sender.send(raw(n), "mentoring@example.org", [MAYA[1]])
    assert fake.slept == [2.0, 2.0, 2.0]


def test_per_recipient_daily_cap_defers_and_counts_what_the_outbox_sent(program: Program, smtpd, env) -> None:
    sender = use_smtp(program, smtpd, per_recipient_per_day=2)
    for n in range(3):
        program.app.outbox.enqueue(Mail(key=f"t:{n}", template="help_reply", to=[MAYA], context={"name": "Maya"}))
    result = program.app.outbox.drain(sender)
    assert (result.sent, result.retrying) == (2, 1)
    [row] = program.outbox(status="queued")
    assert "per_recipient_per_day" in row["last_error"] and row["not_before"]
    fresh = use_smtp(program, smtpd, per_recipient_per_day=2)  # a new process counts from the outbox
    program.clock.set(at("2026-11-30T13:00"))
    assert program.app.outbox.drain(fresh).sent == 0
    program.clock.set(at("2026-12-01T12:30"))  # a day later
    assert program.app.outbox.drain(use_smtp(program, smtpd, per_recipient_per_day=2)).sent == 1


def test_coordinators_are_exempt_from_the_cap(program: Program, smtpd, env) -> None:
    sender = use_smtp(program, smtpd, per_recipient_per_day=1)
    grace = ("Grace Hopper", "grace@example.org")
    for n in range(3):
        program.app.outbox.enqueue(Mail(key=f"t:{n}", template="help_reply", to=[grace], context={"name": "Grace"}))
    assert program.app.outbox.drain(sender).sent == 3
    assert len(smtpd.recorder.received) == 3


def test_4xx_on_rcpt_is_retried_with_backoff_then_expires(program: Program, smtpd, env) -> None:
    """Case 16, temporary: retried with growing delays, failed after the 5-day deadline, never bounced."""
    smtpd.recorder.rcpt_replies[MAYA[1]] = "450 4.2.1 mailbox busy, try later"
    program.app.outbox.enqueue(Mail(key="t:1", template="help_reply", to=[MAYA], context={"name": "Maya"}))
    delays = []
    while True:
        result = program.app.outbox.drain(use_smtp(program, smtpd))
        [row] = program.outbox()
        if row["status"] != "queued":
            break
        assert result.retrying == 1 and "450" in row["last_error"]
        delays.append(row["not_before"])
        program.clock.set(at(row["not_before"][:16]) + timedelta(minutes=1))
    assert row["status"] == "failed" and row["attempts"] == len(delays) + 1
    assert delays == sorted(delays) and len(delays) >= 5
    assert program.db.execute("SELECT bounced_at FROM participants WHERE email = ?", [MAYA[1]]).fetchone()[0] is None
    assert smtpd.recorder.received == []


def test_5xx_on_rcpt_fails_and_marks_the_address_bounced(program: Program, smtpd, env) -> None:
    smtpd.recorder.rcpt_replies[MAYA[1]] = "550 5.1.1 no such user"
    program.app.outbox.enqueue(Mail(key="t:1", template="help_reply", to=[MAYA], context={"name": "Maya"}))
    assert program.app.outbox.drain(use_smtp(program, smtpd)).failed == 1
    [row] = program.outbox()
    assert row["status"] == "failed" and "550 5.1.1" in row["last_error"]
    assert program.db.execute("SELECT bounced_at FROM participants WHERE email = ?", [MAYA[1]]).fetchone()[0]
    assert program.app.outbox.drain(use_smtp(program, smtpd)).failed == 0  # never tried again


def test_per_recipient_refusal_sends_to_the_others_and_bounces_only_the_refused(program: Program, smtpd, env) -> None:
    config = load_config(_config(program, smtpd))
    sender = open_outbound(config.outbound)
    smtpd.recorder.rcpt_replies[DANA[1]] = "550 5.1.1 no such user"
    program.app.outbox.enqueue(Mail(key="t:1", template="help_reply", to=[MAYA], cc=[DANA], context={"name": "Maya"}))
    assert program.app.outbox.drain(sender).sent == 1
    [received] = smtpd.recorder.received
    assert received.recipients == [MAYA[1]]
    bounced = dict(program.db.execute("SELECT email, bounced_at IS NOT NULL FROM participants").fetchall())
    assert bounced[DANA[1]] == 1 and bounced[MAYA[1]] == 0
    assert program.db.execute("SELECT count(*) FROM events WHERE kind = 'recipients_refused'").fetchone()[0] == 1


def test_send_reports_each_refused_recipient_with_its_code(smtpd, env) -> None:
    smtpd.recorder.rcpt_replies[DANA[1]] = "550 5.1.1 no such user"
    smtpd.recorder.rcpt_replies["kim@example.org"] = "450 4.2.1 mailbox busy"
    sender = outbound(smtpd)
    sent = sender.send(raw(), "mentoring@example.org", [MAYA[1], DANA[1], "kim@example.org"])
    assert sent.accepted == (MAYA[1],)
    assert sent.refused == (
        Refusal(DANA[1], 550, "5.1.1 no such user"),
        Refusal("kim@example.org", 450, "4.2.1 mailbox busy"),
    )
    assert [r.permanent for r in sent.refused] == [True, False]
    with pytest.raises(SendError) as everyone:  # nobody took it: a failure, temporary while one refusal is a 4xx
        sender.send(raw(2), "mentoring@example.org", [DANA[1], "kim@example.org"])
    assert not everyone.value.permanent and not everyone.value.uncertain
    assert everyone.value.refused == sent.refused and everyone.value.rejected == (DANA[1],)
    with pytest.raises(SendError) as hard:
        sender.send(raw(3), "mentoring@example.org", [DANA[1]])
    assert hard.value.permanent and hard.value.rejected == (DANA[1],)
    sender.close()
    assert [r.recipients for r in smtpd.recorder.received] == [[MAYA[1]]]


@pytest.mark.parametrize(("reply", "status"), [("451 4.3.0 try later", "queued"), ("554 5.6.0 rejected", "failed")])
def test_a_refusal_after_data_is_temporary_or_permanent(program: Program, smtpd, env, reply: str, status: str) -> None:
    smtpd.recorder.data_reply = reply
    program.app.outbox.enqueue(Mail(key="t:1", template="help_reply", to=[MAYA], context={"name": "Maya"}))
    program.app.outbox.drain(use_smtp(program, smtpd))
    [row] = program.outbox()
    assert row["status"] == status and reply.split()[0] in row["last_error"]
    assert program.db.execute("SELECT bounced_at FROM participants WHERE email = ?", [MAYA[1]]).fetchone()[0] is None


def test_no_reply_after_end_of_data_is_uncertain_logged_and_never_resent(
    program: Program, smtpd, env, caplog: pytest.LogCaptureFixture
) -> None:
    """Case 15 (timeout): the server took the message but answered too late. At most one copy, no retry storm."""
    smtpd.recorder.data_delay = 1.0
    program.app.outbox.enqueue(Mail(key="t:1", template="help_reply", to=[MAYA], context={"name": "Maya"}))
    program.app.outbox.enqueue(Mail(key="t:2", template="help_reply", to=[DANA], context={"name": "Dana"}))
    caplog.set_level(logging.WARNING)
    result = program.app.outbox.drain(use_smtp(program, smtpd, timeout=0.3))
    assert result.failed == 1  # the first is uncertain
    first, second = program.outbox()
    assert first["status"] == "uncertain" and "end-of-data" in first["last_error"]
    assert second["status"] == "sent"  # the next message got a new connection
    assert any("delivery uncertain" in r.getMessage() for r in caplog.records)
    assert program.db.execute("SELECT count(*) FROM events WHERE kind = 'delivery_uncertain'").fetchone()[0] == 1
    program.clock.set(at("2026-12-10T12:00"))
    assert program.app.outbox.drain(use_smtp(program, smtpd)).sent == 0
    assert sorted(smtpd.recorder.message_ids()) == sorted([first["message_id"], second["message_id"]])


def test_a_program_runs_its_cycle_over_smtp(program: Program, smtpd, env) -> None:
    use_smtp(program, smtpd)
    report = program.run("2026-12-01T09:05")
    assert report.drained.sent == 8 and len(smtpd.recorder.received) == 8
    assert smtpd.recorder.auth_ok == ["ada"]
    sent_ids = {row["message_id"] for row in program.outbox(status="sent")}
    assert set(smtpd.recorder.message_ids()) == sent_ids


def test_the_daily_cap_counts_by_the_programs_clock_and_the_transport_has_none(program: Program, smtpd, env) -> None:
    sender = use_smtp(program, smtpd)
    assert isinstance(program.app.outbox.clock, FixedClock) and not hasattr(sender, "clock")
