"""Failures that must not look like success: a refused login, an untrusted certificate, a server that is gone.

Through the real CLI against the suite's Dovecot and aiosmtpd: `run --once` exits non-zero with one clear line per
server, `status` shows what each job last did and since when it fails, and a drain stops at the first refused
login instead of marking and trying every row (and does not try again before its backoff).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.clock import FixedClock
from assistant.config import SmtpConfig
from assistant.db import open_db
from assistant.outbox import Mail
from assistant.transport.base import ConnectError, Sent
from assistant.transport.problems import ConnectionProblem, diagnose
from assistant.transport.smtp import SmtpOutbound
from tests.conftest import ROOT, Program, at
from tests.servers import (
    IMAP_ENV,
    SMTP_ENV,
    MailUser,
    SmtpServer,
    imap_settings,
    smtp_settings,
    write_program,
)

pytest_plugins = ["tests.servers"]


def _cli(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), *args])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def _program(tmp_path: Path, inbox: dict[str, object], outbound: dict[str, object] | None = None) -> Path:
    config = write_program(tmp_path, inbox, outbound)
    for kind in ("participants", "pairs"):
        assert main(["--config", str(config), "import", kind, str(ROOT / "examples" / f"{kind}.csv")]) == 0
    return config


def _queued(config: Path) -> list[tuple[str, int]]:
    db = open_db(config.parent / "program.db")
    try:
        return [tuple(row) for row in db.execute("SELECT status, attempts FROM outbox ORDER BY id")]
    finally:
        db.close()


def test_a_wrong_imap_password_fails_run_once_with_one_clear_line(
    tmp_path: Path, imap_user: MailUser, mail_env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _program(tmp_path, imap_settings(imap_user))
    monkeypatch.setenv(IMAP_ENV, "not-the-password")
    capsys.readouterr()
    code, out, err = _cli(config, capsys, "--now", "2026-11-20T10:00", "run", "--once")
    assert code == 1 and "received 0" in out  # the rest of the cycle still ran
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "IMAP 127.0.0.1:" in errors[0] and "login refused" in errors[0]
    assert IMAP_ENV in errors[0] and "check --connect" in err
    code, out, _ = _cli(config, capsys, "--now", "2026-11-20T10:05", "status")
    assert code == 0 and "poll: last worked never; FAILING since 2026-11-20 10:00 UTC" in out and "login refused" in out
    assert "drain: last worked 2026-11-20 10:00 UTC" in out and "tick: last worked 2026-11-20 10:00 UTC" in out

    monkeypatch.setenv(IMAP_ENV, imap_user.password)  # fixed: it works again, and status says so
    code, _, err = _cli(config, capsys, "--now", "2026-11-20T11:00", "run", "--once")
    assert code == 0 and "error:" not in err
    _, out, _ = _cli(config, capsys, "status")
    assert "poll: last worked 2026-11-20 11:00 UTC; last error 2026-11-20 10:00 UTC" in out and "FAILING" not in out


def test_an_untrusted_imap_certificate_is_a_tls_error_with_what_to_do(
    tmp_path: Path, imap_user: MailUser, mail_env, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _program(tmp_path, imap_settings(imap_user, ca_file=None))
    capsys.readouterr()
    code, _, err = _cli(config, capsys, "run", "--once")
    assert code == 1
    assert "secure connection failed" in err and "CERTIFICATE_VERIFY_FAILED" in err and "ca_file" in err


def test_smtp_535_stops_the_drain_at_once_and_marks_no_row(
    tmp_path: Path,
    imap_user: MailUser,
    smtpd: SmtpServer,
    mail_env,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = _program(tmp_path, imap_settings(imap_user), smtp_settings(smtpd))
    monkeypatch.setenv(SMTP_ENV, "wrong")
    capsys.readouterr()
    code, out, err = _cli(config, capsys, "--now", "2026-12-01T09:00", "run", "--once")
    assert code == 1 and "queued 8 check-in prompts" in out and "sent 0, retrying 0, failed 0" in out
    assert "SMTP 127.0.0.1:" in err and "login refused (535" in err and SMTP_ENV in err
    assert smtpd.recorder.auth_refused == 2  # one login tried (smtplib offers PLAIN, then LOGIN), not one per row
    assert _queued(config) == [("queued", 0)] * 8  # nothing marked sending, no attempt counted
    _, out, _ = _cli(config, capsys, "status")
    assert "drain: last worked never; FAILING since" in out

    monkeypatch.setenv(SMTP_ENV, mail_env[SMTP_ENV])
    code, out, _ = _cli(config, capsys, "--now", "2026-12-01T09:05", "run", "--once")
    assert code == 0 and "sent 8" in out and len(smtpd.recorder.received) == 8


def test_a_refused_login_is_not_tried_again_before_its_backoff(
    smtpd: SmtpServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(SMTP_ENV, "wrong")
    values = smtp_settings(smtpd)
    values.pop("type")
    values["ca_file"] = Path(str(values["ca_file"]))
    now = [0.0]
    sender = SmtpOutbound(SmtpConfig(**values), timeout=10, monotonic=lambda: now[0], sleep=lambda s: None)
    caplog.set_level(logging.DEBUG, "assistant.transport.smtp")
    for moment in (0.0, 5.0, 14.0, 15.0, 20.0, 45.0):  # 15 s, then 30 s
        now[0] = moment
        with pytest.raises(ConnectError) as caught:
            sender.open()
        sender.close()
        assert caught.value.problem.kind == "auth"
    assert smtpd.recorder.auth_refused == 3 * 2  # logins at 0, 15 and 45 s (each tries PLAIN, then LOGIN)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "login refused" in errors[0].getMessage()  # said once per outage


class GoneAfter:
    """An outbound whose server disappears after `n` messages."""

    def __init__(self, n: int, problem: ConnectionProblem):
        self.n, self.problem, self.sent = n, problem, 0

    def open(self) -> None:
        pass

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Sent:
        if self.sent >= self.n:
            raise ConnectError(self.problem)
        self.sent += 1
        return Sent(accepted=tuple(recipients))

    def close(self) -> None:
        pass


def test_a_server_gone_mid_drain_leaves_the_rest_queued_untouched(program: Program) -> None:
    outbox = program.app.outbox
    for n in range(5):
        outbox.enqueue(
            Mail(key=f"test:{n}", template="help_reply", to=[("Maya Patel", "maya.patel@example.org")],
                 context={"name": "Maya Patel"})
        )  # fmt: skip
    problem = diagnose(ConnectionRefusedError(111, "Connection refused"), "SMTP", "mail.example.org", 587)
    result = outbox.drain(GoneAfter(2, problem))
    assert (result.sent, result.retrying, result.failed) == (2, 0, 0) and result.problem == problem
    statuses = [tuple(r) for r in program.app.db.execute("SELECT status, attempts FROM outbox ORDER BY id")]
    assert statuses == [("sent", 1), ("sent", 1), ("queued", 0), ("queued", 0), ("queued", 0)]


@pytest.mark.parametrize(
    ("error", "kind", "advice"),
    [
        (ConnectionRefusedError(111, "Connection refused"), "network", "Nothing answers on port 993"),
        (OSError(-2, "Name or service not known"), "network", "tried again by itself"),
    ],
)
def test_diagnose_tells_network_failures_apart(error: OSError, kind: str, advice: str) -> None:
    problem = diagnose(error, "IMAP", "mail.example.org", 993, "IMAP_PASSWORD")
    assert problem.kind == kind and advice in problem.advice and not problem.lasting


def test_a_fixed_clock_program_records_jobs(program: Program) -> None:
    """run_once writes what each job did, by the program's clock."""
    program.app.clock = FixedClock(at("2026-11-30T12:00"))
    program.app.run_once()
    rows = program.app.db.execute("SELECT name, last_ok_at, failing_since FROM jobs ORDER BY name").fetchall()
    assert [tuple(r) for r in rows] == [
        ("drain", "2026-11-30T12:00:00+00:00", None),
        ("poll", "2026-11-30T12:00:00+00:00", None),
        ("tick", "2026-11-30T12:00:00+00:00", None),
    ]


# --- check --connect ------------------------------------------------------------------------------------------


def test_check_connect_logs_in_to_both_servers_and_says_what_they_offer(
    tmp_path: Path, imap_user: MailUser, smtpd: SmtpServer, mail_env, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_program(tmp_path, imap_settings(imap_user), smtp_settings(smtpd))
    code, out, err = _cli(config, capsys, "check", "--connect")
    assert code == 0, err
    assert f"logged in as {imap_user.name}" in out and "capabilities: IDLE yes, MOVE yes, UIDPLUS yes" in out
    assert "folders: INBOX (read) ok; Processed (processed) will be created" in out
    assert "plus-addressing: replies come to mentoring+TOKEN@example.org" in out
    assert "SMTP 127.0.0.1:" in out and "AUTH " in out and "nothing was sent" in out
    assert "OK (config, templates, form and rules are valid and the servers)" in out
    assert smtpd.recorder.received == [] and imap_user.uids("INBOX") == []
    assert "Processed" not in [f[2] for f in imap_user.client(None).list_folders()]  # nothing created by a check


@pytest.mark.parametrize(
    ("broken", "said"),
    [
        ("imap_password", "IMAP 127.0.0.1:{imap}: login refused"),
        ("smtp_password", "SMTP 127.0.0.1:{smtp}: login refused (535"),
        ("imap_ca", "IMAP 127.0.0.1:{imap}: secure connection failed"),
        ("imap_port", "IMAP 127.0.0.1:{dead}: cannot reach the server"),
    ],
)
def test_check_connect_says_exactly_what_failed(
    tmp_path: Path,
    imap_user: MailUser,
    smtpd: SmtpServer,
    mail_env,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    broken: str,
    said: str,
) -> None:
    from tests.servers import free_port

    dead = free_port()
    imap = imap_settings(imap_user, ca_file=None) if broken == "imap_ca" else imap_settings(imap_user)
    if broken == "imap_port":
        imap["port"] = dead
    config = write_program(tmp_path, imap, smtp_settings(smtpd))
    if broken == "imap_password":
        monkeypatch.setenv(IMAP_ENV, "wrong")
    if broken == "smtp_password":
        monkeypatch.setenv(SMTP_ENV, "wrong")
    code, _, err = _cli(config, capsys, "check", "--connect")
    assert code == 1
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and said.format(imap=imap["port"], smtp=smtpd.port, dead=dead) in errors[0], err


def test_a_missing_password_variable_is_a_check_error(
    tmp_path: Path, imap_user: MailUser, smtpd: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    monkeypatch.delenv(IMAP_ENV, raising=False)
    monkeypatch.delenv(SMTP_ENV, raising=False)
    config = write_program(tmp_path, imap_settings(imap_user), smtp_settings(smtpd))
    code, _, err = _cli(config, capsys, "check")
    assert code == 1 and "2 problem(s) found" in err
    assert f"inbox.password_env: the environment variable {IMAP_ENV} is not set" in err
    assert f"outbound.password_env: the environment variable {SMTP_ENV} is not set" in err
    code, out, err = _cli(config, capsys, "check", "--connect")
    assert code == 1 and "2 problem(s) found" in err and "not tried (its password variable is not set)" in out
