"""From the ledger to program state: parse, classify, handle — one message at a time, each in its own savepoint.

The attempt is counted (and committed) before the work starts, so a message that crashes the process, not just
the handler, still reaches `limits.max_attempts` and is quarantined with its reason instead of blocking the queue.
A message that runs over its reading budget (`TooSlow`, raised during the work) is quarantined as `too_slow` at
once: reading it again would only cost the same again.

Group commit: messages never tried before are handled up to `BATCH` in one transaction, one savepoint each, after
one commit that counts an attempt for all of them. A commit is the largest single cost of handling a reply (the
pages a reply touches are written to the WAL at every commit; a batch writes the pages its messages share once).
A message that fails rolls back its own savepoint only. When the process dies inside a batch, nothing of the batch
is kept, every message of it has one attempt counted, and each is then handled alone as before: the one that kills
the process reaches `max_attempts` in its own attempts, the others are handled at their second. With
`max_attempts: 1` there is no second attempt to spare, and every message is handled alone.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
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


def process_pending(
    db: Database, config: Config, forms: Forms, outbox: Outbox, clock: Clock, figures: Figures | None = None
) -> Counter[str]:
    """Process every ledger message still `received`, oldest first. Returns outcomes counted. `figures` count this
    cycle for a coordinator's `status` command."""
    outcomes: Counter[str] = Counter()
    last = 0
    while True:  # a page of ids at a time: memory stays flat however large the backlog
        page = db.execute(_PENDING, (last,)).fetchall()
        if not page:
            return outcomes
        for group in _groups(page, BATCH if config.limits.max_attempts > 1 else 1):
            if len(group) == 1:
                outcomes[process_one(db, config, forms, outbox, clock, group[0], figures)] += 1
            else:
                outcomes.update(_process_batch(db, config, forms, outbox, clock, group, figures))
        last = page[-1][0]


_PENDING = "SELECT id, attempts FROM messages WHERE status = 'received' AND id > ? ORDER BY id LIMIT 500"
BATCH = 50  # messages a transaction: most of a commit's saving, with the write lock held a fraction of a second


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


def _process_batch(
    db: Database,
    config: Config,
    forms: Forms,
    outbox: Outbox,
    clock: Clock,
    ids: list[int],
    figures: Figures | None,
) -> Counter[str]:
    """Messages never tried, in one transaction, each in its own savepoint (the module's docstring)."""
    db.execute(f"UPDATE messages SET attempts = 1 WHERE id IN ({', '.join('?' * len(ids))})", ids)  # committed
    outcomes: Counter[str] = Counter()
    db.execute("BEGIN")
    try:
        for ledger_id in ids:
            outcomes[process_one(db, config, forms, outbox, clock, ledger_id, figures, counted=True)] += 1
            if not db.conn.in_transaction:  # SQLite ended it (a full disk): nothing of the batch is kept
                log.warning("a batch of %s messages was rolled back; each is handled alone next time", len(ids))
                return Counter()
        db.execute("COMMIT")
    except BaseException:
        if db.conn.in_transaction:
            db.execute("ROLLBACK")
        raise
    return outcomes


def process_one(
    db: Database,
    config: Config,
    forms: Forms,
    outbox: Outbox,
    clock: Clock,
    ledger_id: int,
    figures: Figures | None = None,
    counted: bool = False,
) -> str:
    """Handle one message. `counted`: its attempt is counted already (a batch's, committed before the work)."""
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
            msg = parse_message(raw, reading_deadline())
            look = look_up(msg, db, config)
            inbound = Inbound(ledger_id, msg, db, config, forms, outbox, clock.now(), look, figures=figures)
            outcome = handle(inbound, classify(inbound))
            _done(db, config, inbound, outcome, raw)
    except TooSlow as exc:  # not an error to retry: the same bytes would take as long again
        return _quarantine(db, ledger_id, f"too_slow: {exc}", clock, outcome="too_slow")
    except Exception as exc:  # one boundary per message: nothing a mail contains may stop the loop
        log.exception("message %s failed (attempt %s)", ledger_id, attempts)
        error = f"{type(exc).__name__}: {exc}"[:2000]
        db.execute("UPDATE messages SET error = ? WHERE id = ?", (error, ledger_id))
        if attempts >= config.limits.max_attempts:
            return _quarantine(db, ledger_id, error, clock)
        return "error"
    log.info("message %s: %s (%s)", ledger_id, outcome, "; ".join(inbound.reasons))
    return outcome


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
