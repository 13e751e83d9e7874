"""From the ledger to program state: parse, classify, handle — one message at a time, each kept or undone whole.

The attempt is counted (and committed) before the work starts, so a message that crashes the process, not just
the handler, still reaches `limits.max_attempts` and is quarantined with its reason instead of blocking the queue.
A message that runs over its reading budget (`TooSlow`, raised during the work) is quarantined as `too_slow` at
once: reading it again would only cost the same again.

Group commit: messages never tried before are handled up to `BATCH` in one transaction (for at most about
`BATCH_SECONDS`: the write lock is not held longer), after one commit that counts an attempt for all of them. A
commit is the largest single cost of handling a reply: the pages a reply touches are written to the WAL at every
commit, and a batch writes the pages its messages share once. There is no savepoint per message (SQLite would copy
every page a savepoint changes to a journal of its own, as many writes as the commits saved): when a message
fails, the batch is rolled back and each of its messages is handled alone, each in its own transaction, as a
message tried before always is. When the process dies inside a batch, nothing of the batch is kept, every message
of it has one attempt counted, and each is then handled alone: the one that kills the process reaches
`max_attempts` in its own attempts, the others are handled at their second. With `max_attempts: 1` there is no
second attempt to spare, and every message is handled alone.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from assistant.clock import Clock, iso
from assistant.config import Config
from assistant.forms.form import Forms
from assistant.inbound.outcomes import Outcome, classify
from assistant.mail.deadline import Deadline, TooSlow
from assistant.mail.message import TIME_BUDGET, parse_message
from assistant.outbox import Outbox
from assistant.program.context import Figures, Inbound
from assistant.program.lookup import look_up

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Handling:
    """What handling a message needs, handed down together."""

    db: Database
    config: Config
    forms: Forms
    outbox: Outbox
    clock: Clock
    figures: Figures | None = None


def process_pending(
    db: Database, config: Config, forms: Forms, outbox: Outbox, clock: Clock, figures: Figures | None = None
) -> Counter[str]:
    """Process every ledger message still `received`, oldest first. Returns outcomes counted. `figures` count this
    cycle for a coordinator's `status` command."""
    handling = _Handling(db, config, forms, outbox, clock, figures)
    outcomes: Counter[str] = Counter()
    last = 0
    while True:  # a page of ids at a time: memory stays flat however large the backlog
        page = db.execute(_PENDING, (last,)).fetchall()
        for group in _groups(page, BATCH if config.limits.max_attempts > 1 else 1):
            if len(group) == 1:
                outcomes[_one(handling, group[0])] += 1
            else:
                outcomes.update(_process_batch(handling, group))
        if len(page) < PAGE:  # a short page is the last: mail stored meanwhile waits for the next poll
            return outcomes
        last = page[-1][0]


PAGE = 500
_PENDING = f"SELECT id, attempts FROM messages WHERE status = 'received' AND id > ? ORDER BY id LIMIT {PAGE}"
BATCH = 50  # messages a transaction: most of a commit's saving, with the write lock held a fraction of a second
# ...and at most about this long (plus the message then being read, within its TIME_BUDGET): another writer (a
# one-click unsubscribe, a command line) never waits for the lock much longer than for one message alone.
BATCH_SECONDS = 0.5


def _groups(page: list[tuple[int, int]], size: int) -> list[list[int]]:
    """The page's ids in order, in the groups they are handled in: runs of messages never tried, up to `size`; a
    message tried before (it failed, or a process died while it was handled) alone."""
    groups: list[list[int]] = []
    run: list[int] = []
    for ledger_id, attempts in page:
        if attempts:
            groups += [run, [ledger_id]] if run else [[ledger_id]]
            run = []
            continue
        run.append(ledger_id)
        if len(run) == size:
            groups.append(run)
            run = []
    return [*groups, run] if run else groups


def _process_batch(handling: _Handling, ids: list[int], counted: bool = False) -> Counter[str]:
    """Messages never tried, in one transaction (the module's docstring), committed early after `BATCH_SECONDS`
    (the rest then in another). When one of them fails, the batch is rolled back and each is handled alone; one
    over its reading budget is quarantined at once, not read again. `counted`: their attempt is counted already."""
    db = handling.db
    if not counted:  # committed before the work
        db.execute(f"UPDATE messages SET attempts = 1 WHERE id IN ({', '.join('?' * len(ids))})", ids)
    done: list[tuple[int, str, list[str]]] = []
    started = time.monotonic()
    db.execute("BEGIN")
    try:
        for ledger_id in ids:
            (raw,) = db.conn.execute("SELECT raw FROM messages WHERE id = ?", (ledger_id,)).fetchone()
            done.append((ledger_id, *_work(handling, ledger_id, bytes(raw or b""))))
            if time.monotonic() - started > BATCH_SECONDS:
                break
        _commit(db)
    except TooSlow as exc:
        _rollback(db)
        slow = _quarantine(db, ledger_id, f"too_slow: {exc}", handling.clock, outcome="too_slow")
        return Counter([slow]) + _alone(handling, [i for i in ids if i != ledger_id])
    except Exception as exc:
        _rollback(db)
        log.warning(
            "a batch was rolled back at message %s (%s: %s); each is handled alone", ledger_id, type(exc).__name__, exc
        )
        return _alone(handling, ids)
    except BaseException:
        _rollback(db)
        raise
    for ledger_id, outcome, reasons in done:
        log.info("message %s: %s (%s)", ledger_id, outcome, "; ".join(reasons))
    outcomes = Counter(outcome for _, outcome, _ in done)
    rest = ids[len(done) :]
    return outcomes + _process_batch(handling, rest, counted=True) if rest else outcomes


def _alone(handling: _Handling, ids: list[int]) -> Counter[str]:
    """A batch's messages, each in its own transaction, their attempt counted already (by the batch)."""
    return Counter(_one(handling, ledger_id, counted=True) for ledger_id in ids)


def _commit(db: Database) -> None:
    db.execute("COMMIT")  # a function of its own: benchmarks/checkin_replies.py shows what a batch's commit costs


def _rollback(db: Database) -> None:
    if db.conn.in_transaction:  # SQLite itself ends a transaction on some errors (a full disk)
        db.execute("ROLLBACK")


def process_one(
    db: Database,
    config: Config,
    forms: Forms,
    outbox: Outbox,
    clock: Clock,
    ledger_id: int,
    figures: Figures | None = None,
) -> str:
    """Handle one message in its own transaction, its attempt counted and committed first."""
    return _one(_Handling(db, config, forms, outbox, clock, figures), ledger_id)


def _one(handling: _Handling, ledger_id: int, counted: bool = False) -> str:
    """`process_one`. `counted`: its attempt is counted already (a batch's)."""
    db, config, clock = handling.db, handling.config, handling.clock
    if counted:
        (row,) = db.conn.execute("SELECT raw, attempts FROM messages WHERE id = ?", (ledger_id,)).fetchall()
    else:
        # Counted and committed before the work: a message that crashes the process still reaches max_attempts.
        # fetchall, not fetchone: the statement must finish for its autocommit to happen now, before the work.
        (row,) = db.conn.execute(
            "UPDATE messages SET attempts = attempts + 1 WHERE id = ? RETURNING raw, attempts", (ledger_id,)
        ).fetchall()
    raw, attempts = bytes(row[0] or b""), row[1]
    if attempts > config.limits.max_attempts:
        return _quarantine(db, ledger_id, "failed too often (it may crash the process)", clock)
    try:
        with db.atomic():
            outcome, reasons = _work(handling, ledger_id, raw)
    except TooSlow as exc:  # not an error to retry: the same bytes would take as long again
        return _quarantine(db, ledger_id, f"too_slow: {exc}", clock, outcome="too_slow")
    except Exception as exc:  # one boundary per message: nothing a mail contains may stop the loop
        log.exception("message %s failed (attempt %s)", ledger_id, attempts)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        db.execute("UPDATE messages SET error = ? WHERE id = ?", (error, ledger_id))
        if attempts >= config.limits.max_attempts:
            return _quarantine(db, ledger_id, error, clock)
        return "error"
    log.info("message %s: %s (%s)", ledger_id, outcome, "; ".join(reasons))
    return outcome


def _work(handling: _Handling, ledger_id: int, raw: bytes) -> tuple[str, list[str]]:
    """Read, look up, classify and handle one message, and mark it done, in the caller's transaction. Returns the
    outcome and its reasons."""
    db, config = handling.db, handling.config
    msg = parse_message(raw, reading_deadline())
    look = look_up(msg, db, config)
    now = handling.clock.now()
    inbound = Inbound(ledger_id, msg, db, config, handling.forms, handling.outbox, now, look, figures=handling.figures)
    outcome = handle(inbound, classify(inbound))
    _done(db, config, inbound, outcome, raw)
    return outcome, inbound.reasons


def reading_deadline() -> Deadline:
    """The budget of reading one message (a function, so that a test can hand it a clock of its own)."""
    return Deadline.after(TIME_BUDGET)


def handle(inbound: Inbound, outcome: Outcome) -> str:
    """Carry out the outcome the chain chose; returns what happened (stored as the message's outcome)."""
    return outcome.handle(inbound)


def _done(db: Database, config: Config, inbound: Inbound, outcome: str, raw: bytes) -> None:
    update: dict[str, Any] = {
        "status": "processed",
        "outcome": outcome,
        "reasons": json.dumps(inbound.reasons),
        "from_addr": inbound.msg.from_addr or inbound.msg.header("From")[:500],
        "processed_at": iso(inbound.now),
        "error": None,
    }
    if len(raw) > config.limits.keep_raw_bytes:  # trimmed once handled; a message within the limit is not rewritten
        update["raw"] = raw[: config.limits.keep_raw_bytes]
    if inbound.erased:  # "delete me" confirmed: not even this last message is kept
        update.update({"from_addr": "", "subject": "", "raw": None, "reasons": "[]"})
    db.execute(
        f"UPDATE messages SET {', '.join(f'{column} = ?' for column in update)} WHERE id = ?",
        [*update.values(), inbound.ledger_id],
    )


def _quarantine(db: Database, ledger_id: int, reason: str, clock: Clock, outcome: str = "quarantined") -> str:
    db.execute(
        "UPDATE messages SET status = 'quarantined', outcome = ?, error = ?, processed_at = ? WHERE id = ?",
        (outcome, reason, iso(clock.now()), ledger_id),
    )
    log.warning("message %s quarantined: %s", ledger_id, reason)
    return outcome
