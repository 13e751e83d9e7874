"""From the ledger to program state: parse, classify, handle — one message at a time, each in its own transaction.

The attempt is counted (and committed) before the work starts, so a message that crashes the process, not just
the handler, still reaches `limits.max_attempts` and is quarantined with its reason instead of blocking the queue.
A message that runs over its reading budget (`TooSlow`, raised during the work) is quarantined as `too_slow` at
once: reading it again would only cost the same again.
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
        ids = [r[0] for r in db.execute(_PENDING, (last,)).fetchall()]
        if not ids:
            return outcomes
        for ledger_id in ids:
            outcomes[process_one(db, config, forms, outbox, clock, ledger_id, figures)] += 1
        last = ids[-1]


_PENDING = "SELECT id FROM messages WHERE status = 'received' AND id > ? ORDER BY id LIMIT 500"


def process_one(
    db: Database,
    config: Config,
    forms: Forms,
    outbox: Outbox,
    clock: Clock,
    ledger_id: int,
    figures: Figures | None = None,
) -> str:
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
