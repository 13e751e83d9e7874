"""Group commit: messages never tried are handled in batches, one transaction each; when one fails, the batch is
rolled back and each of its messages is handled alone, and a death inside a batch costs each of its messages one
attempt, never a message."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from email.message import EmailMessage
from typing import Any

import pytest

from assistant.config import Config
from assistant.inbound import pipeline
from assistant.inbound.ledger import ingest
from assistant.mail.deadline import TooSlow
from tests.conftest import Program


class Died(BaseException):
    """The process dying mid-message, as far as the pipeline can tell (not an Exception: nothing catches it)."""


def _mail(n: int, body: str = "hello") -> bytes:
    message = EmailMessage()
    message["From"] = "dana.okafor@example.org"
    message["To"] = "mentoring@example.org"
    message["Subject"] = f"Note {n}"
    message["Message-ID"] = f"<note-{n}@example.org>"
    message.set_content(body)
    return message.as_bytes()


def _ledger(program: Program, bodies: list[str]) -> None:
    for n, body in enumerate(bodies):
        program.deliver(_mail(n, body))
    ingest(program.db, program.app.inbox, program.clock, program.config.limits)


def _process(program: Program, config: Config | None = None) -> tuple[Counter[str], Counter[str]]:
    """Process what is pending; returns the outcomes and the transaction statements sent (BEGIN, COMMIT, ...)."""
    sent: Counter[str] = Counter()
    program.db.conn.set_trace_callback(lambda sql: sent.update([sql.split()[0].upper()]))
    try:
        app = program.app
        outcomes = pipeline.process_pending(app.db, config or app.config, app.forms, app.outbox, app.clock)
    finally:
        program.db.conn.set_trace_callback(None)
    return outcomes, sent


def _states(program: Program) -> list[tuple[str, int]]:
    return [tuple(r) for r in program.db.execute("SELECT status, attempts FROM messages ORDER BY id").fetchall()]


def _break_on(monkeypatch: pytest.MonkeyPatch, word: str, breaks: Callable[[Any], None]) -> Counter[str]:
    """The handler of every message whose text holds `word` runs `breaks(inbound)` first, which raises; returns how
    often each message (by its text) reached the handler."""
    real = pipeline.handle
    calls: Counter[str] = Counter()

    def handle(inbound, outcome):  # type: ignore[no-untyped-def]
        calls[inbound.msg.text.strip()] += 1
        if word in inbound.msg.text:
            breaks(inbound)
        return real(inbound, outcome)

    monkeypatch.setattr(pipeline, "handle", handle)
    return calls


def _raise(error: BaseException) -> Callable[[Any], None]:
    def breaks(inbound: Any) -> None:
        raise error

    return breaks


def test_messages_never_tried_are_handled_fifty_to_a_transaction(program: Program) -> None:
    _ledger(program, ["hello"] * (pipeline.BATCH + 10))
    outcomes, sent = _process(program)
    assert sum(outcomes.values()) == pipeline.BATCH + 10
    assert (sent["BEGIN"], sent["COMMIT"]) == (2, 2)  # 50 and 10, instead of 60 of each
    assert sent["SAVEPOINT"] == 0  # none: each would copy every page it changes to a journal of its own
    assert _states(program) == [("processed", 1)] * (pipeline.BATCH + 10)


def test_a_message_that_fails_in_a_batch_undoes_the_batch_and_each_is_handled_alone(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_done(inbound: Any) -> None:
        inbound.db.execute("INSERT INTO events (at, kind) VALUES ('now', 'half-done')")  # rolled back with it
        raise RuntimeError("handler bug")

    calls = _break_on(monkeypatch, "poison", half_done)
    _ledger(program, ["hello", "poison", "later"])
    outcomes, sent = _process(program)
    assert outcomes == Counter({"no_context": 2, "error": 1})
    assert sent["BEGIN"] == 4 and sent["ROLLBACK"] == 2  # the batch, then each alone: the poison's fails again
    assert calls == Counter({"hello": 2, "poison": 2, "later": 1})  # each message read at most twice
    assert _states(program) == [("processed", 1), ("received", 1), ("processed", 1)]  # one attempt each, so far
    assert program.db.execute("SELECT count(*) FROM events WHERE kind = 'half-done'").fetchone()[0] == 0
    assert "RuntimeError: handler bug" in program.db.execute("SELECT error FROM messages WHERE id = 2").fetchone()[0]
    outcomes, sent = _process(program)  # tried before: alone, its attempt committed before the work
    assert outcomes == Counter({"error": 1}) and sent["BEGIN"] == 1
    assert _states(program)[1] == ("received", 2)


def test_a_message_over_its_reading_budget_in_a_batch_is_quarantined_without_a_second_reading(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _break_on(monkeypatch, "slow", _raise(TooSlow("over the time budget while walking the HTML")))
    _ledger(program, ["hello", "slow", "later"])
    outcomes, _ = _process(program)
    assert outcomes == Counter({"no_context": 2, "too_slow": 1})
    assert calls == Counter({"hello": 2, "slow": 1, "later": 1})
    assert [s for s, _ in _states(program)] == ["processed", "quarantined", "processed"]


def test_a_death_inside_a_batch_keeps_nothing_of_it_and_costs_each_message_one_attempt(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    _break_on(monkeypatch, "poison", _raise(Died()))
    _ledger(program, ["hello", "hello", "poison", "hello"])
    queued = len(program.outbox())
    with pytest.raises(Died):
        _process(program)
    assert _states(program) == [("received", 1)] * 4  # counted before the work, and nothing else kept
    assert len(program.outbox()) == queued
    for attempts in (2, 3):  # now each alone: the innocent are handled, the poison dies again
        with pytest.raises(Died):
            _process(program)
        assert [s for s, _ in _states(program)] == ["processed", "processed", "received", "received"]
        assert _states(program)[2] == ("received", attempts)
    outcomes, _ = _process(program)  # past max_attempts: quarantined unread; the one behind it flows
    assert outcomes == Counter({"quarantined": 1, "no_context": 1})
    assert _states(program) == [("processed", 2), ("processed", 2), ("quarantined", 4), ("processed", 2)]


def test_a_batch_that_ran_its_time_commits_and_the_rest_go_on_in_another_without_a_second_attempt(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch holds the write lock at most BATCH_SECONDS (plus one message): past it, what is done is committed
    and the rest continue in a new transaction, their attempt counted once, by the first."""
    monkeypatch.setattr(pipeline, "BATCH_SECONDS", -1.0)  # always past it: every message commits on its own
    _ledger(program, ["hello"] * 4)
    outcomes, sent = _process(program)
    assert outcomes == Counter({"no_context": 4})
    assert (sent["BEGIN"], sent["COMMIT"], sent["UPDATE"]) == (4, 4, 1 + 4)  # one count of attempts, four _done
    assert _states(program) == [("processed", 1)] * 4


def test_with_one_attempt_allowed_every_message_is_handled_alone(program: Program) -> None:
    _ledger(program, ["hello"] * 4)
    config = replace(program.config, limits=replace(program.config.limits, max_attempts=1))
    outcomes, sent = _process(program, config)
    assert outcomes == Counter({"no_context": 4}) and sent["BEGIN"] == 4
    assert _states(program) == [("processed", 1)] * 4


def test_a_batch_whose_transaction_sqlite_ended_is_handled_again_one_by_one(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk or an I/O error fails a statement and SQLite ends the whole transaction: the batch's work is
    gone, and each message is handled again alone, in a transaction of its own."""

    def disk_full(inbound: Any) -> None:
        inbound.db.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL, before the statement raises
        raise sqlite3.OperationalError("database or disk is full")

    _break_on(monkeypatch, "end", disk_full)
    _ledger(program, ["hello", "end", "hello"])
    outcomes, _ = _process(program)
    assert outcomes == Counter({"no_context": 2, "error": 1})
    assert _states(program) == [("processed", 1), ("received", 1), ("processed", 1)]
    monkeypatch.undo()  # the disk has room again
    outcomes, sent = _process(program)
    assert outcomes == Counter({"no_context": 1}) and sent["BEGIN"] == 1
    assert _states(program) == [("processed", 1), ("processed", 2), ("processed", 1)]


def test_groups_keep_the_ledger_order_and_put_what_was_tried_before_alone() -> None:
    page = [(1, 0), (2, 0), (3, 1), (4, 0), (5, 0), (6, 0), (7, 2)]
    assert pipeline._groups(page, 2) == [[1, 2], [3], [4, 5], [6], [7]]
    assert pipeline._groups(page, 1) == [[1], [2], [3], [4], [5], [6], [7]]
    assert pipeline._groups([], 50) == []
