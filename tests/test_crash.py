"""Kill -9 at every step of a cycle, restart, and compare with a run that was never interrupted (RELIABILITY 13-15,
18, 19), against the real servers: replies come in over IMAP from Dovecot, mail goes out over SMTP to aiosmtpd.

The service runs as a subprocess (`python -m tests.test_crash CRASH-SPEC -- <mentor-assistant arguments>`): this file,
run as a program, wraps one function of the assistant so that its k-th call SIGKILLs the process, before or after
the real work, then hands over to the normal command line. No production code knows about it.
"""

from __future__ import annotations

import functools
import importlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.servers import MailProgram, MailUser, SmtpServer

pytest_plugins = ["tests.servers"]

ROOT = Path(__file__).resolve().parent.parent
SETUP = "2026-12-01T09:05"  # the cycle day: 8 prompts go out
RUN = "2026-12-08T10:00"  # 4 replies are read and confirmed; the 4 silent participants get their first reminder
REPLIES = [
    (("Maya Patel", "maya.patel@example.org"), "1. Yes\n2. Twice\n3. My promotion case\n4. 4", "gmail"),
    (("Dana Okafor", "dana.okafor@example.org"), "Met: yes\nMeetings: 1\nTopics: hiring plan\nRating: 5", "outlook"),
    (("Helen Cho", "helen.cho@example.org"), "1. no\n4. 2\n5. I need help finding time", "iphone"),
    (("Jo Nguyen", "jo.nguyen@example.org"), "1. yes\n2. a couple\n3. CV\n4. 4", "gmail"),
]


def crash_at(spec: str) -> None:
    """`module:Qualified.name:k:before|after`: SIGKILL this process at the k-th call of that function."""
    module_name, qualname, k, when = spec.split(":")
    owner: Any = importlib.import_module(module_name)
    *path, name = qualname.split(".")
    for part in path:
        owner = getattr(owner, part)
    original = getattr(owner, name)
    calls = 0

    @functools.wraps(original)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == int(k) and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = original(*args, **kwargs)
        if calls == int(k) and when == "after":
            os.kill(os.getpid(), signal.SIGKILL)
        return result

    setattr(owner, name, wrapper)


class Scenario(MailProgram):
    def __init__(self, folder: Path, user: MailUser, smtp: SmtpServer, first: Sequence[bytes] = ()):
        super().__init__(folder, user, smtp)
        self.run(SETUP)
        self.user.append(
            *first,
            *[
                self.reply_to_prompt(who, text, style, message_id=f"<reply-{who[1]}@example.net>")
                for who, text, style in REPLIES
            ],
        )

    def cli(self, *args: str, crash: str | None = None) -> subprocess.CompletedProcess:
        prefix = ["-m", "tests.test_crash", crash, "--"] if crash else ["-m", "assistant"]
        return subprocess.run(
            [sys.executable, *prefix, "--config", str(self.config_path), "--now", RUN, *args],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
        )

    def state(self) -> dict[str, Any]:
        """Everything a run decides, without what is random by design (tokens, our Message-IDs, attempts) or
        depends on how long the run took (the CLI's clock starts at --now and runs on)."""

        def rows(sql: str) -> list[tuple]:
            return sorted(tuple(r) for r in self.db.execute(sql).fetchall())

        person = "JOIN participants p ON p.id = c.participant_id"
        answers = f"answers a JOIN checkins c ON c.id = a.checkin_id {person}"
        when = "c.answered_at IS NULL, c.asked_again_at IS NULL"
        return {
            "answers": rows(f"SELECT p.email, a.question, a.value FROM {answers}"),
            "checkins": rows(f"SELECT p.email, c.status, {when} FROM checkins c {person}"),
            "messages": rows("SELECT message_id, status, outcome FROM messages"),
            "outbox": rows("SELECT dedupe_key, to_addr, template, status FROM outbox"),
            "firings": rows("SELECT rule, entity, seq FROM firings"),
            "bounced": rows("SELECT email FROM participants WHERE bounced_at IS NOT NULL"),
            "inbox": (len(self.user.uids("INBOX")), len(self.user.uids("Processed"))),
        }

    def delivered(self) -> Counter[str]:
        return Counter(self.smtp.recorder.message_ids())


@pytest.fixture
def scenario(tmp_path: Path, imap_user: MailUser, smtpd: SmtpServer, mail_env) -> Iterator[Scenario]:
    program = Scenario(tmp_path, imap_user, smtpd)
    yield program
    program.close()


@pytest.fixture(scope="module")
def reference(dovecot, tls_files, tmp_path_factory) -> dict[str, Any]:
    """The end state of an uninterrupted run."""
    from tests.servers import IMAP_ENV, PASSWORD, SMTP_ENV, start_smtpd

    smtp = start_smtpd(*tls_files)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(IMAP_ENV, PASSWORD)
        patch.setenv(SMTP_ENV, PASSWORD)
        program = Scenario(tmp_path_factory.mktemp("reference"), dovecot.user(), smtp)
        result = program.cli("run", "--once")
        assert result.returncode == 0, result.stderr
        state = program.state()
        assert program.cli("run", "--once").returncode == 0
        assert program.state() == state  # a second run changes nothing
        program.close()
    smtp.controller.stop()
    assert len(state["answers"]) > 8 and state["inbox"] == (0, 4)
    templates = Counter(row[2] for row in state["outbox"] if row[3] == "sent")
    assert templates["checkin_reply"] == 4 and templates["checkin_reminder"] == 4 and templates["coordinator_alert"]
    return state


STEPS = [
    ("assistant.inbound.ledger:store:1:before", "fetched, nothing in the ledger yet (case 13)"),
    ("assistant.inbound.ledger:store:3:after", "two of four in the ledger, none moved (cases 13, 14)"),
    ("assistant.transport.imap:ImapInbox._mark:1:before", "all in the ledger, none moved on the server (case 14)"),
    ("assistant.transport.imap:ImapInbox._mark:1:after", "moved, checkpoint not saved"),
    ("assistant.inbound.pipeline:_work:2:before", "one reply handled in a batch, every attempt counted"),
    ("assistant.inbound.pipeline:_done:2:before", "second reply handled, the batch not committed"),
    ("assistant.inbound.pipeline:_process_batch:1:after", "all replies handled and committed, before the rules"),
    ("assistant.app:tick:1:after", "reminders queued, nothing sent"),
    ("assistant.transport.smtp:SmtpOutbound.send:3:before", "a row marked sending, not sent"),
    ("assistant.transport.smtp:SmtpOutbound.send:3:after", "sent, not marked sent (case 15)"),
]


@pytest.mark.parametrize("spec", [s for s, _ in STEPS], ids=[s.split(":", 1)[1] for s, _ in STEPS])
def test_kill_at_each_step_then_restart_ends_like_an_uninterrupted_run(
    scenario: Scenario, reference: dict[str, Any], spec: str
) -> None:
    crashed = scenario.cli("run", "--once", crash=spec)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    scenario.run(RUN)  # restart: what `run --once` does (recover_uncertain, then a cycle), in this process
    state = scenario.state()
    scenario.run(RUN)
    assert scenario.state() == state  # a second run changes nothing

    uncertain = [row for row in state["outbox"] if row[3] == "uncertain"]
    assert len(uncertain) <= (1 if "smtp" in spec else 0)  # at most the one row caught mid-send
    state["outbox"] = sorted((*row[:3], "sent" if row[3] == "uncertain" else row[3]) for row in state["outbox"])
    assert state == reference
    copies = scenario.delivered()
    assert max(copies.values()) == 1  # nothing delivered twice
    sent = {r[0] for r in scenario.db.execute("SELECT message_id FROM outbox WHERE status = 'sent'").fetchall()}
    assert sent <= set(copies)
    if uncertain:
        [(status,)] = scenario.db.execute("SELECT count(*) FROM events WHERE kind = 'delivery_uncertain'").fetchall()
        assert status == 1


def test_a_message_that_kills_the_process_is_quarantined_and_later_mail_flows(
    tmp_path: Path, imap_user: MailUser, smtpd: SmtpServer, mail_env
) -> None:
    """Case 18, the hard way: the process dies on it, not just the handler. The attempt is counted before the work
    starts, so after 3 deaths it is quarantined (and moved to the quarantine folder); the replies behind it flow."""
    poison = b"From: Someone <x@example.net>\r\nSubject: poison\r\nMessage-ID: <poison@example.net>\r\n\r\nboom\r\n"
    scenario = Scenario(tmp_path, imap_user, smtpd, first=[poison])
    for _ in range(3):  # the first message handled is the poison: the process dies there, every time
        crashed = scenario.cli("run", "--once", crash="assistant.inbound.pipeline:handle:1:before")
        assert crashed.returncode == -signal.SIGKILL
    assert scenario.cli("run", "--once").returncode == 0
    status = dict(scenario.db.execute("SELECT message_id, status FROM messages").fetchall())
    assert status.pop("<poison@example.net>") == "quarantined"
    assert set(status.values()) == {"processed"} and len(status) == 4
    assert scenario.count("SELECT count(*) FROM answers") > 8
    assert scenario.cli("run", "--once").returncode == 0  # the next poll moves it aside
    assert len(imap_user.uids("Quarantine")) == 1 and len(imap_user.uids("Processed")) == 4
    scenario.close()


def test_the_service_reads_new_mail_when_idle_announces_it_and_stops_cleanly(scenario: Scenario) -> None:
    """`run` (not --once): IDLE wakes it when mail arrives; SIGTERM finishes the step and exits 0."""
    service = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--config", str(scenario.config_path), "--now", RUN, "-v", "run"],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stderr=subprocess.PIPE,
        text=True,
    )
    idle, announced = threading.Event(), threading.Event()
    log: list[str] = []

    def read() -> None:  # keep the pipe drained (debug logging is chatty) and notice the IDLE
        assert service.stderr is not None
        for line in service.stderr:
            log.append(line)
            if "waiting for new mail (IDLE)" in line:
                idle.set()
            if "new mail announced in IDLE" in line:
                announced.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert idle.wait(20), "".join(log[-30:])  # the first cycle is done and it waits for mail
        announced.clear()  # only what is announced from now on counts
        answered = scenario.count("SELECT count(*) FROM checkins WHERE status = 'answered'")
        late = (("Kim Larsen", "kim.larsen@example.org"), "1. yes\n2. 3\n3. pricing\n4. 5")
        scenario.user.append(scenario.reply_to_prompt(*late))
        # The server announced it in IDLE (not the 30 s poll), and the service then recorded it. The waits are
        # generous deadlines for a busy machine, not timings: the work is bounded by the announcement.
        assert announced.wait(25), "IDLE did not announce the reply: " + "".join(log[-30:])
        for _ in range(500):
            if scenario.count("SELECT count(*) FROM checkins WHERE status = 'answered'") > answered:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("the reply was not read: " + "".join(log[-30:]))
        service.send_signal(signal.SIGTERM)
        assert service.wait(10) == 0
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
        reader.join(5)


if __name__ == "__main__":  # python -m tests.test_crash MODULE:FUNCTION:K:before|after -- MENTOR-ASSISTANT-ARGS
    spec, separator, *arguments = sys.argv[1:]
    assert separator == "--", "usage: python -m tests.test_crash MODULE:FUNCTION:K:before|after -- ARGS"
    crash_at(spec)
    from assistant.cli import main

    sys.exit(main(arguments))
