"""Real mail servers on 127.0.0.1 for the tests (see shared/design/TESTING.md): a private Dovecot per test session,
and an aiosmtpd server per test. No mocks on the IMAP/SMTP path.

A test module registers them with `pytest_plugins = ["tests.servers"]`, then uses `dovecot` (session), `imap_user`
(a fresh, empty mailbox each time) and `smtpd` (STARTTLS + AUTH, records what it accepts).

Dovecot missing: the tests are skipped when pytest is run by hand, and fail under scripts/test (the README's test
command, which CI runs) or when the CI variable is set: the suite must never go green by skipping them.

PYTEST_DONT_REWRITE (test modules import helpers from here before pytest registers it as a plugin)
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import email
import email.policy
import grp
import json
import logging
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from imapclient import IMAPClient

from assistant.app import App, CycleReport
from assistant.clock import FixedClock
from assistant.config import load_config
from assistant.coordinator.importer import import_pairs, import_participants
from assistant.db import open_db
from assistant.mail.replies import reply

# aiosmtpd 1.4 logs "Session.login_data is deprecated" at every successful AUTH, from its own code: not ours to
# fix, and it buried the benchmarks' figures.
logging.getLogger("mail.log").addFilter(lambda record: "login_data is deprecated" not in record.getMessage())

PASSWORD = "s3cret-test"
USERS = 300


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _dovecot_binary() -> str | None:
    return shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.access(p, os.X_OK)), None
    )


def make_cert(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost/127.0.0.1 that Python accepts as its own trust anchor."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
         "-addext", "extendedKeyUsage=serverAuth", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def _pdeathsig() -> None:
    """In the child: die with SIGTERM when the test run dies, so no server is left behind."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@dataclass
class MailUser:
    name: str
    password: str
    server: Dovecot

    def client(self, folder: str | None = "INBOX") -> IMAPClient:
        """A plain-text IMAP session as this user (another mail client, as far as the assistant knows)."""
        client = IMAPClient("127.0.0.1", self.server.port, ssl=False, timeout=10)
        client.login(self.name, self.password)
        if folder:
            client.select_folder(folder)
        return client

    def append(self, *messages: bytes, folder: str = "INBOX") -> None:
        client = self.client(None)
        try:
            if len(messages) > 1 and b"MULTIAPPEND" in client.capabilities():
                client.multiappend(folder, list(messages))
            else:
                for raw in messages:
                    client.append(folder, raw)
        finally:
            client.logout()

    def uids(self, folder: str = "INBOX", criteria: object = "ALL") -> list[int]:
        client = self.client(folder)
        try:
            return sorted(client.search(criteria))
        finally:
            client.logout()

    def bodies(self, folder: str = "INBOX") -> list[bytes]:
        client = self.client(folder)
        try:
            data = client.fetch(client.search("ALL"), [b"BODY.PEEK[]"])
            return [bytes(data[uid][b"BODY[]"]) for uid in sorted(data)]
        finally:
            client.logout()


@dataclass
class Dovecot:
    root: Path
    port: int
    tls_port: int
    cert: Path
    process: subprocess.Popen
    free_users: list[str] = field(default_factory=list)

    def user(self) -> MailUser:
        return MailUser(self.free_users.pop(0), PASSWORD, self)

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(5)


def _passdb(root: Path, oauth2_introspection: str | None) -> tuple[str, str]:
    """(auth_mechanisms, passdb): the password file, or (for the OAuth2 tests) only tokens, asked about at the
    test's introspection endpoint (RFC 7662), whose `username` must be the user logging in."""
    if oauth2_introspection is None:
        return "plain login", f"driver = passwd-file\n  args = scheme=PLAIN username_format=%u {root}/passwd"
    (root / "dovecot-oauth2.conf.ext").write_text(
        f"introspection_mode = post\nintrospection_url = {oauth2_introspection}\n"
        "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
    )
    return (
        "xoauth2 oauthbearer",
        f"driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {root}/dovecot-oauth2.conf.ext",
    )


def start_dovecot(binary: str, oauth2_introspection: str | None = None) -> Dovecot:
    root = Path(tempfile.mkdtemp(prefix="mentor-dovecot-"))  # not tmp_path: /tmp/pytest-of-root is 0700
    mechanisms, passdb = _passdb(root, oauth2_introspection)
    root.chmod(0o711)
    cert, key = make_cert(root)
    port, tls_port = free_port(), free_port()
    users = [f"user{i}" for i in range(USERS)]
    (root / "passwd").write_text("".join(f"{u}:{{PLAIN}}{PASSWORD}\n" for u in users))
    (root / "mail").mkdir()
    if os.geteuid() == 0:
        login, internal, group, uid, gid, extra = "dovenull", "dovecot", "dovecot", "nobody", "nogroup", ""
        shutil.chown(root / "mail", "nobody", "nogroup")
    else:
        me, my_group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
        login, internal, group, uid, gid = me, me, my_group, os.getuid(), os.getgid()
        extra = "service anvil {\n  chroot =\n}\nservice imap-login {\n  chroot =\n}\n"
    (root / "dovecot.conf").write_text(
        f"""\
base_dir = {root}/run
state_dir = {root}/state
instance_name = dovecot-test-{port}
protocols = imap
listen = 127.0.0.1
log_path = {root}/dovecot.log
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = no
auth_mechanisms = {mechanisms}
auth_failure_delay = 0
default_login_user = {login}
default_internal_user = {internal}
default_internal_group = {group}
first_valid_uid = 1
passdb {{
  {passdb}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
mail_location = maildir:~/Maildir
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
{extra}"""
    )
    process = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")],
        start_new_session=True,
        preexec_fn=_pdeathsig,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    server = Dovecot(root, port, tls_port, cert, process, users)
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            socket.create_connection(("127.0.0.1", tls_port), timeout=1).close()
            return server
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                server.stop()
                log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
                err = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"Dovecot did not start: {err}\n{log}") from None
            time.sleep(0.01)


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    binary = _dovecot_binary()
    if binary is None:
        if os.environ.get("CI") or os.environ.get("MENTOR_TESTS_REQUIRE_SERVERS"):
            pytest.fail(
                "Dovecot is not installed, and scripts/test or CI requires the IMAP tests to run "
                "(apt-get install dovecot-imapd)"
            )
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd); the IMAP tests need it")
    server = start_dovecot(binary)
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


@pytest.fixture
def imap_user(dovecot: Dovecot) -> MailUser:
    return dovecot.user()


@dataclass
class Received:
    sender: str
    recipients: list[str]
    raw: bytes

    @property
    def message(self) -> Message:
        return message_from_bytes(self.raw)


class Recorder:
    """The aiosmtpd handler: accepts mail and records it; tests can make it refuse or stall."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.rcpt_replies: dict[str, str] = {}  # address → e.g. "550 5.1.1 no such user"
        self.data_reply: str | None = None  # e.g. "451 4.3.0 try later"
        self.data_delay = 0.0  # once: seconds to stall after end-of-data (the message is still recorded)
        self.auth_ok: list[str] = []
        self.auth_refused = 0  # logins refused (535): a sender must not hammer a server that refuses it

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        if self.data_delay:
            delay, self.data_delay = self.data_delay, 0.0
            await asyncio.sleep(delay)
        return "250 OK queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.password.decode() == PASSWORD:
            self.auth_ok.append(auth_data.login.decode())
            return AuthResult(success=True, auth_data=auth_data)
        self.auth_refused += 1
        return AuthResult(success=False, handled=False)

    def message_ids(self) -> list[str]:
        return [str(r.message.get("Message-ID", "")).strip() for r in self.received]


@dataclass
class SmtpServer:
    host: str
    port: int
    cert: Path
    recorder: Recorder
    controller: Controller


@pytest.fixture(scope="session")
def tls_files() -> Iterator[tuple[Path, Path]]:
    folder = Path(tempfile.mkdtemp(prefix="mentor-tls-"))
    yield make_cert(folder)
    shutil.rmtree(folder, ignore_errors=True)


def start_smtpd(cert: Path, key: Path, implicit_tls: bool = False) -> SmtpServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    recorder = Recorder()
    port = free_port()
    tls = {"ssl_context": context} if implicit_tls else {"tls_context": context, "require_starttls": True}
    controller = Controller(
        recorder,
        hostname="127.0.0.1",
        port=port,
        authenticator=recorder.authenticate,
        auth_require_tls=not implicit_tls,  # implicit TLS is TLS, but aiosmtpd only counts STARTTLS
        **tls,
    )
    controller.start()
    return SmtpServer("127.0.0.1", port, cert, recorder, controller)


@pytest.fixture
def smtpd(tls_files: tuple[Path, Path]) -> Iterator[SmtpServer]:
    server = start_smtpd(*tls_files)
    yield server
    server.controller.stop()


IMAP_ENV, SMTP_ENV = "MENTOR_TEST_IMAP_PASSWORD", "MENTOR_TEST_SMTP_PASSWORD"
ROOT = Path(__file__).resolve().parent.parent

PROGRAM = """\
program_name: Test Mentoring Program
assistant: {{name: Ada, address: mentoring@example.org}}
coordinators: [{{name: Grace Hopper, email: grace@example.org}}]
timezone: Europe/London
database: ./program.db
inbox: {inbox}
outbound: {outbound}
checkins: {{day_of_month: 1, hour: 9, form: monthly}}
digest: {{enabled: false}}  # tested in tests/test_digest.py; here it would only add mail to count
templates: {root}/templates
rules: {root}/rules
"""


def imap_settings(user: MailUser, tls: str = "imaps", **extra: object) -> dict[str, object]:
    server = user.server
    settings: dict[str, object] = {
        "type": "imap",
        "host": "127.0.0.1",
        "port": server.tls_port if tls == "imaps" else server.port,
        "username": user.name,
        "password_env": IMAP_ENV,
        "tls": tls,
        "ca_file": str(server.cert),
        "processed_folder": "Processed",
        "quarantine_folder": "Quarantine",
    }
    settings.update(extra)
    return {k: v for k, v in settings.items() if v is not None}


def smtp_settings(smtp: SmtpServer, **extra: object) -> dict[str, object]:
    settings: dict[str, object] = {
        "type": "smtp",
        "host": smtp.host,
        "port": smtp.port,
        "username": "ada",
        "password_env": SMTP_ENV,
        "tls": "starttls",
        "ca_file": str(smtp.cert),
        "rate_per_minute": 100000,
    }
    settings.update(extra)
    return {k: v for k, v in settings.items() if v is not None}


def write_program(folder: Path, inbox: dict[str, object], outbound: dict[str, object] | None = None) -> Path:
    """A config.yaml for a program on these servers (the shape of tests/conftest.py's CONFIG)."""
    outbound = outbound or {"type": "maildir", "path": "./sent"}
    path = folder / "config.yaml"
    path.write_text(PROGRAM.format(inbox=json.dumps(inbox), outbound=json.dumps(outbound), root=ROOT))
    return path


@pytest.fixture
def mail_env(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """The passwords, where the configs say they are: in environment variables."""
    monkeypatch.setenv(IMAP_ENV, PASSWORD)
    monkeypatch.setenv(SMTP_ENV, PASSWORD)
    return {**os.environ, IMAP_ENV: PASSWORD, SMTP_ENV: PASSWORD}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text + "+00:00")


class MailProgram:
    """A program folder whose inbox is a Dovecot mailbox (and outbound, optionally, the aiosmtpd server)."""

    def __init__(self, path: Path, user: MailUser, smtp: SmtpServer | None = None, **inbox: object):
        self.path, self.user, self.smtp = path, user, smtp
        self.config_path = write_program(path, imap_settings(user, **inbox), smtp_settings(smtp) if smtp else None)
        self.config = load_config(self.config_path)
        self.db = open_db(self.config.database)
        import_participants(self.db, ROOT / "examples" / "participants.csv", "2026-11-01T00:00:00+00:00")
        import_pairs(self.db, ROOT / "examples" / "pairs.csv", "2026-11-01T00:00:00+00:00")

    def app(self, when: str) -> App:
        return App(self.config, FixedClock(at(when)), open_db(self.config.database))

    def run(self, when: str) -> CycleReport:
        """What `mentor-assistant --now WHEN run --once` does, in this process."""
        app = self.app(when)
        try:
            app.outbox.recover_uncertain()
            return app.run_once()
        finally:
            app.close()

    def prompt(self, address: str) -> bytes:
        row = self.db.execute(
            "SELECT raw FROM outbox WHERE template = 'checkin_prompt' AND to_addr = ? ORDER BY id DESC", [address]
        ).fetchone()
        assert row, f"no prompt was queued to {address}"
        return bytes(row[0])

    def reply_to_prompt(self, sender: tuple[str, str], text: str, style: str = "gmail", message_id: str = "") -> bytes:
        """A participant's reply to their check-in prompt; a fixed Message-ID keeps runs comparable."""
        raw = reply(self.prompt(sender[1]), sender, text, style=style, when=at("2026-12-02T08:00"))
        if not message_id:
            return raw
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        msg.replace_header("Message-ID", message_id)
        return msg.as_bytes()

    def answers(self) -> dict[str, dict[str, str]]:
        found: dict[str, dict[str, str]] = {}
        for email_, question, value in self.db.execute(
            "SELECT p.email, a.question, a.value FROM answers a JOIN checkins c ON c.id = a.checkin_id"
            " JOIN participants p ON p.id = c.participant_id"
        ).fetchall():
            found.setdefault(email_, {})[question] = value
        return found

    def count(self, sql: str, params: Sequence[object] = ()) -> int:
        return self.db.execute(sql, params).fetchone()[0]

    def close(self) -> None:
        self.db.close()
