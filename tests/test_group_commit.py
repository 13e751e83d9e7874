"""Group commit: messages never tried are handled in batches, one transaction each, one savepoint a message; what
fails rolls back alone, and a death inside a batch costs each of its messages one attempt, never a message."""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import replace
from email.message import EmailMessage

import pytest

from assistant.config import Config
from assistant.inbound import pipeline
from assistant.inbound.ledger import ingest
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


def test_messages_never_tried_are_handled_fifty_to_a_transaction(program: Program) -> None:
    _ledger(program, ["hello"] * (pipeline.BATCH + 10))
    outcomes, sent = _process(program)
    assert sum(outcomes.values()) == pipeline.BATCH + 10
    assert (sent["BEGIN"], sent["COMMIT"]) == (2, 2)  # 50 and 10, instead of 60 of each
    assert sent["SAVEPOINT"] == pipeline.BATCH + 10  # each message its own
    assert _states(program) == [("processed", 1)] * (pipeline.BATCH + 10)


def test_a_message_that_fails_in_a_batch_rolls_back_alone_and_is_tried_again_alone(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pipeline.handle

    def fail_on_poison(inbound, outcome):  # type: ignore[no-untyped-def]
        if "poison" in inbound.msg.text:
            inbound.db.execute("INSERT INTO events (at, kind) VALUES ('now', 'half-done')")  # rolled back with it
            raise RuntimeError("handler bug")
        return real(inbound, outcome)

    monkeypatch.setattr(pipeline, "handle", fail_on_poison)
    _ledger(program, ["hello", "poison", "hello"])
    outcomes, sent = _process(program)
    assert outcomes == Counter({"no_context": 2, "error": 1}) and sent["BEGIN"] == 1
    assert _states(program) == [("processed", 1), ("received", 1), ("processed", 1)]
    assert program.db.execute("SELECT count(*) FROM events WHERE kind = 'half-done'").fetchone()[0] == 0
    outcomes, sent = _process(program)  # tried before: alone, its attempt committed before the work
    assert outcomes == Counter({"error": 1}) and sent["BEGIN"] == 1
    assert _states(program)[1] == ("received", 2)


def test_a_death_inside_a_batch_keeps_nothing_of_it_and_costs_each_message_one_attempt(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pipeline.handle

    def die_on_poison(inbound, outcome):  # type: ignore[no-untyped-def]
        if "poison" in inbound.msg.text:
            raise Died
        return real(inbound, outcome)

    monkeypatch.setattr(pipeline, "handle", die_on_poison)
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


def test_with_one_attempt_allowed_every_message_is_handled_alone(program: Program) -> None:
    _ledger(program, ["hello"] * 4)
    config = replace(program.config, limits=replace(program.config.limits, max_attempts=1))
    outcomes, sent = _process(program, config)
    assert outcomes == Counter({"no_context": 4}) and sent["BEGIN"] == 4
    assert _states(program) == [("processed", 1)] * 4


def test_a_batch_whose_transaction_sqlite_ended_is_handled_again_one_by_one(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk or an I/O error fails a statement and ends the whole transaction: the batch's work is gone, and
    the batch stops there instead of handling the rest outside a transaction."""
    real = pipeline.handle

    def end_transaction(inbound, outcome):  # type: ignore[no-untyped-def]
        if "end" in inbound.msg.text:
            inbound.db.execute("ROLLBACK")  # what SQLite does on SQLITE_FULL, before the statement raises
            raise sqlite3.OperationalError("database or disk is full")
        return real(inbound, outcome)

    monkeypatch.setattr(pipeline, "handle", end_transaction)
    _ledger(program, ["hello", "end", "hello"])
    outcomes, _ = _process(program)
    assert outcomes == Counter()
    assert _states(program) == [("received", 1), ("received", 1), ("received", 1)]
    monkeypatch.setattr(pipeline, "handle", real)
    outcomes, sent = _process(program)
    assert outcomes == Counter({"no_context": 3}) and sent["BEGIN"] == 3
    assert _states(program) == [("processed", 2)] * 3


def test_groups_keep_the_ledger_order_and_put_what_was_tried_before_alone() -> None:
    page = [(1, 0), (2, 0), (3, 1), (4, 0), (5, 0), (6, 0), (7, 2)]
    assert pipeline._groups(page, 2) == [[1, 2], [3], [4, 5], [6], [7]]
    assert pipeline._groups(page, 1) == [[1], [2], [3], [4], [5], [6], [7]]
    assert pipeline._groups([], 50) == []
