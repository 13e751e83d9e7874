"""Sending what is due: each row is marked `sending` (fsynced) before the transport gets it, and `sent` after.

A row still `sending` at start-up may or may not have gone out: it becomes `uncertain` and is never resent.
Temporary failures are retried with backoff until RETRY_DEADLINE; permanent ones fail the row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlite_utils import Database

from assistant.clock import Clock, iso
from assistant.config import Config
from assistant.db import durably, record_event
from assistant.outbox import bounces
from assistant.transport.base import Outbound, SendError

log = logging.getLogger(__name__)

RETRY_DEADLINE = timedelta(days=5)


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def drain(db: Database, config: Config, clock: Clock, outbound: Outbound, limit: int | None = None) -> DrainResult:
    """Send what is due. Each row: queued → sending (committed) → send → sent | queued later | failed."""
    result = DrainResult()
    now = iso(clock.now())
    rows = list(
        db.query(
            "SELECT id, to_addr, message_id, raw, attempts, created_at FROM outbox WHERE status = 'queued'"
            " AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT ?",
            (now, limit if limit is not None else -1),
        )
    )
    for row in rows:
        if _claim(db, row["id"], now):
            _send_one(db, config, clock, outbound, row, result)
    return result


def _claim(db: Database, row_id: int, now: str) -> bool:
    with durably(db):  # at most once rests on this mark being on disk before SMTP
        return bool(
            db.execute(
                "UPDATE outbox SET status = 'sending', sending_at = ?, attempts = attempts + 1"
                " WHERE id = ? AND status = 'queued'",
                (now, row_id),
            ).rowcount
        )


def _send_one(
    db: Database, config: Config, clock: Clock, outbound: Outbound, row: dict[str, Any], result: DrainResult
) -> None:
    recipients = [a.strip() for a in row["to_addr"].split(",") if a.strip()]
    try:
        sent = outbound.send(row["raw"], config.assistant.email, recipients)
    except SendError as exc:
        _failed_send(db, clock, row, exc, result)
        return
    now = iso(clock.now())
    if sent.refused:
        with db.atomic():  # the mark and what the server said of the refused recipients, together
            _mark_sent(db, row["id"], now)
            bounces.record_refused(db, row["message_id"], sent.refused, now)
    else:
        _mark_sent(db, row["id"], now)
    result.sent += 1


def _mark_sent(db: Database, row_id: int, now: str) -> None:
    # Not fsynced: a `sent` mark lost to a power cut leaves the row `sending`; it becomes `uncertain`, never resent.
    db.execute("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?", (now, row_id))


def _failed_send(db: Database, clock: Clock, row: dict[str, Any], exc: SendError, result: DrainResult) -> None:
    now = clock.now()
    if exc.uncertain:
        db.execute("UPDATE outbox SET status = 'uncertain', last_error = ? WHERE id = ?", (str(exc), row["id"]))
        record_event(db, iso(now), "delivery_uncertain", f"outbox:{row['id']}", error=str(exc))
        log.warning("delivery uncertain, not resent: outbox %s: %s", row["id"], exc)
        result.failed += 1
        return
    if exc.rejected:
        bounces.mark_bounced(db, exc.rejected, iso(now))
    expired = iso(now - RETRY_DEADLINE) > row["created_at"]
    if exc.permanent or expired:
        db.execute("UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", (str(exc), row["id"]))
        log.warning("outbox %s failed: %s", row["id"], exc)
        result.failed += 1
        return
    delay = timedelta(minutes=min(5 * 2 ** (row["attempts"]), 12 * 60))  # 5 min doubling, at most 12 h
    db.execute(
        "UPDATE outbox SET status = 'queued', not_before = ?, last_error = ? WHERE id = ?",
        (iso(now + delay), str(exc), row["id"]),
    )
    log.info("outbox %s will be retried after %s: %s", row["id"], delay, exc)
    result.retrying += 1


def recover_uncertain(db: Database, clock: Clock) -> int:
    """At start-up: rows left `sending` by a crash may or may not have gone out. Never resend them."""
    rows = list(db.query("SELECT id, to_addr, subject FROM outbox WHERE status = 'sending'"))
    for row in rows:
        db.execute("UPDATE outbox SET status = 'uncertain' WHERE id = ?", (row["id"],))
        record_event(db, iso(clock.now()), "delivery_uncertain", f"outbox:{row['id']}", **row)
        log.warning("delivery uncertain, not resent: outbox %s to %s", row["id"], row["to_addr"])
    return len(rows)
