"""The IMAP inbox against a real Dovecot on loopback: TLS, checkpoint, move/flag, dedupe, UIDVALIDITY, IDLE, outages,
quarantine, and a check-in reply read through IMAP end to end."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest
from sqlite_utils import Database

from assistant.config import ConfigError, load_config
from assistant.db import open_db
from assistant.inbound.checkpoints import MailboxCheckpoint
from assistant.inbound.ledger import ingest
from assistant.transport.base import Incoming, Position
from assistant.transport.imap import ImapInbox, MissingSecret
from tests.servers import (  # noqa: F401  (fixtures)
    IMAP_ENV,
    MailProgram,
    MailUser,
    at,
    dovecot,
    free_port,
    imap_settings,
    write_program,
)

DANA = ("Dana Okafor", "dana.okafor@example.org")
MAYA = ("Maya Patel", "maya.patel@example.org")
pytest_plugins = ["tests.servers"]


def message(n: int, message_id: str | None = None) -> bytes:
    mid = message_id or f"<msg-{n}@example.net>"
    return (
        f"From: Someone <someone{n}@example.net>\r\nTo: mentoring@example.org\r\nSubject: note {n}\r\n"
        f"Message-ID: {mid}\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n\r\nHello {n}\r\n"
    ).encode()


class Clock:
    """A monotonic clock that only moves when a test moves it (for the backoff), and a sleep that moves it."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


def inbox_for(tmp_path: Path, user: MailUser, clock: Clock | None = None, **settings: object) -> ImapInbox:
    config = load_config(write_program(tmp_path, imap_settings(user, **settings)))
    checkpoint = MailboxCheckpoint(open_db(config.database))
    clock = clock or Clock()
    return ImapInbox(config.inbox, checkpoint, sleep=clock.sleep, monotonic=clock, jitter=lambda: 1.0, batch=3)


def db_of(inbox: ImapInbox) -> Database:
    """The database behind the inbox's checkpoint (the `mailboxes` table)."""
    assert isinstance(inbox.checkpoint, MailboxCheckpoint)
    return inbox.checkpoint.db


def keys(items: list[Incoming]) -> list[str]:
    return [item.raw.split(b"Subject: ")[1].split(b"\r\n")[0].decode() for item in items]


@pytest.mark.parametrize("tls", ["imaps", "starttls", "none"])
def test_reads_over_each_tls_mode_with_the_ca_file(tmp_path: Path, imap_user: MailUser, mail_env, tls: str) -> None:
    imap_user.append(message(1))
    inbox = inbox_for(tmp_path, imap_user, tls=tls)
    items = list(inbox.fetch())
    assert keys(items) == ["note 1"] and items[0].mailbox == "INBOX" and items[0].uidvalidity
    row = db_of(inbox).execute("SELECT state, last_error, last_poll_at FROM mailboxes").fetchone()
    assert row[0] == "connected" and row[1] is None and row[2]
    inbox.close()


def test_an_untrusted_certificate_is_refused_and_logged_once_per_outage(
    tmp_path: Path, imap_user: MailUser, mail_env, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    inbox = inbox_for(tmp_path, imap_user, clock, ca_file=None)  # the system CAs do not know our test CA
    caplog.set_level(logging.DEBUG, "assistant.transport.imap")
    delays = []
    for _ in range(4):
        assert list(inbox.fetch()) == []  # before the retry time: no attempt at all
        delays.append(inbox._retry_at - clock.t)
        clock.t = inbox._retry_at
    assert delays == [1.0, 2.0, 4.0, 8.0]  # exponential (jitter pinned to its top here)
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "CERTIFICATE_VERIFY_FAILED" in warnings[0].getMessage()
    state, error = db_of(inbox).execute("SELECT state, last_error FROM mailboxes").fetchone()
    assert state == "disconnected" and "CERTIFICATE_VERIFY_FAILED" in error


def test_the_password_variable_must_be_set_and_is_named(tmp_path: Path, imap_user: MailUser, monkeypatch) -> None:
    monkeypatch.delenv(IMAP_ENV, raising=False)
    with pytest.raises(MissingSecret, match=IMAP_ENV) as caught:
        inbox_for(tmp_path, imap_user)
    assert isinstance(caught.value, ConfigError)  # the CLI prints it as "error: ..." and exits 1


def test_fetch_peeks_and_only_marked_messages_move_then_the_checkpoint_advances(
    tmp_path: Path, imap_user: MailUser, mail_env
) -> None:
    imap_user.append(*[message(n) for n in range(1, 8)])
    inbox = inbox_for(tmp_path, imap_user)
    items = list(inbox.fetch())  # 7 messages in batches of 3
    assert keys(items) == [f"note {n}" for n in range(1, 8)]
    assert imap_user.uids("INBOX", ["SEEN"]) == []  # BODY.PEEK[]: nothing marked read
    assert len(list(inbox.fetch())) == 7  # nothing marked processed yet: all still new
    for item in list(inbox.fetch())[:5]:
        inbox.mark_processed(item)
    inbox.flush()
    assert len(imap_user.uids("INBOX")) == 2 and len(imap_user.uids("Processed")) == 5
    assert db_of(inbox).execute("SELECT last_uid FROM mailboxes").fetchone()[0] == 5
    assert keys(list(inbox.fetch())) == ["note 6", "note 7"]
    inbox.close()


@pytest.mark.parametrize("capabilities_off", [set(), {"MOVE"}, {"MOVE", "UIDPLUS"}])
def test_moving_without_move_or_uidplus(tmp_path: Path, imap_user: MailUser, mail_env, capabilities_off) -> None:
    imap_user.append(message(1), message(2))
    inbox = inbox_for(tmp_path, imap_user)
    inbox.disabled_capabilities = capabilities_off
    for item in inbox.fetch():
        inbox.mark_processed(item)
    assert imap_user.uids("INBOX") == [] and len(imap_user.uids("Processed")) == 2
    inbox.close()


def test_without_a_processed_folder_messages_are_flagged_and_not_read_again(
    tmp_path: Path, imap_user: MailUser, mail_env
) -> None:
    imap_user.append(message(1), message(2))
    inbox = inbox_for(tmp_path, imap_user, processed_folder=None)
    for item in inbox.fetch():
        inbox.mark_processed(item)
    assert len(imap_user.uids("INBOX", ["KEYWORD", "$MentorProcessed", "SEEN"])) == 2
    db_of(inbox).execute("UPDATE mailboxes SET last_uid = 0")  # even from scratch, flagged mail is not fetched again
    inbox.close()
    assert list(inbox_for(tmp_path, imap_user, processed_folder=None).fetch()) == []


def test_same_message_delivered_twice_is_stored_once_and_both_copies_are_moved(
    tmp_path: Path, imap_user: MailUser, mail_env
) -> None:
    """Case 12: a new UID with the same Message-ID runs once."""
    imap_user.append(message(1, "<same@example.net>"), message(2, "<same@example.net>"))
    inbox = inbox_for(tmp_path, imap_user)
    clock = type("C", (), {"now": lambda self: at("2026-12-02T10:00")})()
    assert ingest(db_of(inbox), inbox, clock, load_config(tmp_path / "config.yaml").limits) == 1
    inbox.flush()
    assert imap_user.uids("INBOX") == [] and len(imap_user.uids("Processed")) == 2
    assert db_of(inbox).execute("SELECT count(*) FROM events WHERE kind = 'duplicate_message'").fetchone()[0] == 1


def test_a_checkin_reply_through_imap_is_recorded_and_a_duplicate_runs_once(
    tmp_path: Path, imap_user: MailUser, mail_env
) -> None:
    program = MailProgram(tmp_path, imap_user)
    program.run("2026-12-01T09:05")  # prompts go out (to the outbound Maildir)
    raw = program.reply_to_prompt(MAYA, "1. Yes\n2. Twice\n3. My promotion case\n4. 4", style="outlook")
    imap_user.append(raw)
    report = program.run("2026-12-02T10:00")
    assert report.received == 1 and report.outcomes["recorded"] == 1, report.line()
    assert program.answers()[MAYA[1]] == {"met": "yes", "meetings": "2", "topics": "My promotion case", "rating": "4"}
    imap_user.append(raw)  # delivered again (new UID, same Message-ID)
    again = program.run("2026-12-02T10:05")
    assert again.received == 0 and not again.outcomes
    assert program.count("SELECT count(*) FROM outbox WHERE template = 'checkin_reply'") == 1
    assert imap_user.uids("INBOX") == [] and len(imap_user.uids("Processed")) == 2


def test_uidvalidity_change_resyncs_and_reruns_nothing(tmp_path: Path, imap_user: MailUser, mail_env) -> None:
    """Case 17: the folder is rebuilt (new UIDVALIDITY, new UIDs): everything is read again, nothing re-runs."""
    client = imap_user.client(None)
    client.create_folder("Mentoring")
    client.logout()
    program = MailProgram(tmp_path, imap_user, folder="Mentoring", processed_folder=None)
    program.run("2026-12-01T09:05")
    replies = [
        program.reply_to_prompt(MAYA, "1. yes\n2. 1\n3. CV\n4. 5"),
        program.reply_to_prompt(DANA, "1. no\n4. 3"),
    ]
    imap_user.append(*replies, folder="Mentoring")
    assert program.run("2026-12-02T10:00").outcomes["recorded"] == 2
    before = program.count("SELECT count(*) FROM outbox"), program.answers()
    old = program.db.execute("SELECT uidvalidity FROM mailboxes").fetchone()[0]

    client = imap_user.client(None)
    client.delete_folder("Mentoring")
    client.create_folder("Mentoring")
    client.logout()
    imap_user.append(*replies, message(9), folder="Mentoring")  # the same mail, renumbered, and one new message
    report = program.run("2026-12-02T11:00")
    new = program.db.execute("SELECT uidvalidity FROM mailboxes").fetchone()[0]
    assert new != old
    assert report.received == 1 and sum(report.outcomes.values()) == 1  # only the new message
    assert program.count("SELECT count(*) FROM outbox") - before[0] <= 1 and program.answers() == before[1]
    assert program.count("SELECT count(*) FROM events WHERE kind = 'uidvalidity_changed'") == 1
    assert program.count("SELECT count(*) FROM events WHERE kind = 'duplicate_message'") == 2


def test_poison_message_is_quarantined_after_three_tries_moved_aside_and_later_mail_flows(
    tmp_path: Path, imap_user: MailUser, mail_env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Case 18 (the handler raises every time; test_crash.py kills the process instead)."""
    import assistant.inbound.pipeline as pipeline

    original = pipeline.handle

    def handle(inbound, outcome):
        if "poison" in inbound.msg.subject:
            raise RuntimeError("this message breaks the handler")
        return original(inbound, outcome)

    monkeypatch.setattr(pipeline, "handle", handle)
    program = MailProgram(tmp_path, imap_user)
    program.run("2026-12-01T09:05")
    poison = message(1).replace(b"Subject: note 1", b"Subject: poison")
    imap_user.append(poison)
    for minute in range(3):
        program.run(f"2026-12-02T10:0{minute}")
    status, error, attempts = program.db.execute("SELECT status, error, attempts FROM messages").fetchone()
    assert (status, attempts) == ("quarantined", 3) and "breaks the handler" in error
    imap_user.append(program.reply_to_prompt(MAYA, "1. yes\n2. 2\n3. x\n4. 4"))
    report = program.run("2026-12-02T10:05")
    assert report.outcomes == {"recorded": 1}
    assert len(imap_user.uids("Quarantine")) == 1 and len(imap_user.uids("Processed")) == 1
    assert program.count("SELECT count(*) FROM events WHERE kind = 'imap_quarantined'") == 1
    program.run("2026-12-02T10:06")
    assert program.count("SELECT count(*) FROM events WHERE kind = 'imap_quarantined'") == 1


def test_idle_wakes_on_new_mail_before_its_timeout(tmp_path: Path, imap_user: MailUser, mail_env) -> None:
    config = load_config(write_program(tmp_path, imap_settings(imap_user)))
    inbox = ImapInbox(config.inbox, MailboxCheckpoint(open_db(config.database)))
    assert inbox.wait(0.1) is True  # first connection: read what is there
    assert list(inbox.fetch()) == []
    assert inbox.wait(0.3) is False  # nothing new: IDLE times out (and stays entered)
    imap_user.append(message(1))
    # Dovecot reports a change about 0.5 s after it (a fixed coalescing delay). True means IDLE announced the
    # message before the wait's end (a timeout returns False): no wall-clock assertion needed.
    woke = inbox.wait(30.0)
    assert woke
    assert keys(list(inbox.fetch())) == ["note 1"]
    inbox.close()


def test_a_dropped_connection_is_noticed_in_idle_and_in_fetch_and_restored(
    tmp_path: Path, imap_user: MailUser, mail_env, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    inbox = inbox_for(tmp_path, imap_user, clock)
    caplog.set_level(logging.INFO, "assistant.transport.imap")
    assert list(inbox.fetch()) == []
    inbox.wait(0.05)
    inbox.client.socket().shutdown(socket.SHUT_RDWR)  # the network goes away under an IDLE
    assert inbox.wait(0.5) is False and inbox.client is None
    imap_user.append(message(1))
    assert list(inbox.fetch()) == []  # still backing off: no attempt
    clock.t = inbox._retry_at
    assert keys(list(inbox.fetch())) == ["note 1"]  # back
    inbox.client.socket().shutdown(socket.SHUT_RDWR)  # and again, in the middle of a poll
    assert list(inbox.fetch()) == []
    messages = [r.getMessage() for r in caplog.records]
    assert sum("unavailable" in m for m in messages) == 2 and sum("connected again" in m for m in messages) == 1


def test_nothing_listening_backs_off_quietly(tmp_path: Path, imap_user: MailUser, mail_env, caplog) -> None:
    clock = Clock()
    inbox = inbox_for(tmp_path, imap_user, clock, tls="none", port=free_port())
    caplog.set_level(logging.DEBUG, "assistant.transport.imap")
    delays = []
    for _ in range(12):
        clock.t = max(clock.t, inbox._retry_at)
        assert inbox.wait(1.0) is False
        delays.append(inbox._retry_at - clock.t + 1.0)  # wait() slept its 1 s of the delay
    assert delays[:3] == [1.0, 2.0, 4.0] and delays[-1] == 300.0  # doubling, capped at 5 minutes
    assert sum(r.levelno >= logging.WARNING for r in caplog.records) == 1


def test_the_checkpoint_keeps_the_mailboxes_row_that_status_shows(tmp_path: Path) -> None:
    db = open_db(tmp_path / "program.db")
    checkpoint = MailboxCheckpoint(db, now=lambda: at("2026-12-02T10:00"))
    name = "imap://ada@mail.example.org:993/INBOX"
    assert checkpoint.load(name) == Position()
    checkpoint.save(name, Position(7, 42))
    checkpoint.disconnected(name, "OSError: refused")
    checkpoint.disconnected(name)  # a clean logout keeps the error that came before
    checkpoint.polled(name)
    [row] = db.query("SELECT * FROM mailboxes")
    assert checkpoint.load(name) == Position(7, 42)
    assert row == {
        "name": name,
        "uidvalidity": 7,
        "last_uid": 42,
        "state": "disconnected",
        "last_poll_at": "2026-12-02T10:00:00+00:00",
        "last_error": "OSError: refused",
        "updated_at": "2026-12-02T10:00:00+00:00",
    }
    checkpoint.connected(name)
    assert db.execute("SELECT state, last_error FROM mailboxes").fetchone() == ("connected", None)
    checkpoint.uidvalidity_changed(name, 7, 8)
    assert db.execute("SELECT kind, entity FROM events").fetchall() == [("uidvalidity_changed", name)]
