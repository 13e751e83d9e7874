"""Sending what is due: each row is marked `sending` (fsynced) before the transport gets it, and `sent` after.

A row still `sending` at start-up may or may not have gone out: it becomes `uncertain` and is never resent.
Temporary failures, and mail over the per-recipient daily cap, are retried with backoff until RETRY_DEADLINE;
permanent ones fail the row. A 5xx refusal marks the address bounced (bounces.py).
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
from assistant.outbox.cap import DailyCap
from assistant.transport.base import ConnectError, Outbound, SendError, Sent
from assistant.transport.problems import ConnectionProblem

log = logging.getLogger(__name__)

RETRY_DEADLINE = timedelta(days=5)


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    problem: ConnectionProblem | None = None  # the server could not be used: the drain stopped, rows wait queued


def drain(db: Database, config: Config, clock: Clock, outbound: Outbound, limit: int | None = None) -> DrainResult:
    """Send what is due. Each row: queued → sending (committed) → send → sent | queued later | failed."""
    return _Drain(db, config, clock, outbound).run(limit)


class _Drain:
    """One drain: the transport, the daily cap's counts, and what happened to each row."""

    def __init__(self, db: Database, config: Config, clock: Clock, outbound: Outbound):
        self.db, self.config, self.clock, self.outbound = db, config, clock, outbound
        self.cap = DailyCap.for_config(db, config, clock)
        self.result = DrainResult()

    def run(self, limit: int | None) -> DrainResult:
        now = iso(self.clock.now())
        rows = list(
            self.db.query(
                "SELECT id, to_addr, message_id, raw, attempts, created_at FROM outbox WHERE status = 'queued'"
                " AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT ?",
                (now, limit if limit is not None else -1),
            )
        )
        if rows and not self._ready():
            return self.result
        for row in rows:
            if self.result.problem is not None:
                break  # the server went away mid-drain: the rest wait, untouched, for the next drain
            if self._claim(row["id"], now):
                self._send(row)
        return self.result

    def _ready(self) -> bool:
        """Connected and logged in before any row is marked: a refused login stops the drain at once, and no
        row is marked `sending` for a message that cannot go."""
        try:
            self.outbound.open()
        except ConnectError as exc:
            self.result.problem = exc.problem
            return False
        return True

    def _claim(self, row_id: int, now: str) -> bool:
        with durably(self.db):  # at most once rests on this mark being on disk before SMTP
            return bool(
                self.db.execute(
                    "UPDATE outbox SET status = 'sending', sending_at = ?, attempts = attempts + 1"
                    " WHERE id = ? AND status = 'queued'",
                    (now, row_id),
                ).rowcount
            )

    def _send(self, row: dict[str, Any]) -> None:
        recipients = [a.strip() for a in row["to_addr"].split(",") if a.strip()]
        waiting = self.cap.check(recipients) if self.cap else None
        if waiting:
            self._retry_or_fail(row, waiting, permanent=False)
            return
        try:
            sent = self.outbound.send(row["raw"], self.config.assistant.email, recipients)
        except ConnectError as exc:
            self._unclaim(row, exc)
            return
        except SendError as exc:
            self._failed(row, exc)
            return
        if self.cap:
            self.cap.count(sent.accepted)
        self._sent(row, sent)

    def _unclaim(self, row: dict[str, Any], exc: ConnectError) -> None:
        """Nothing reached the server (it could not even be connected to): the row is queued again as it was, its
        attempt not counted, and the drain stops."""
        self.db.execute(
            "UPDATE outbox SET status = 'queued', attempts = attempts - 1, last_error = ? WHERE id = ?",
            (str(exc), row["id"]),
        )
        self.result.problem = exc.problem

    def _sent(self, row: dict[str, Any], sent: Sent) -> None:
        now = iso(self.clock.now())
        if sent.refused:
            with self.db.atomic():  # the mark and what the server said of the refused recipients, together
                self._mark_sent(row["id"], now)
                bounces.record_refused(self.db, row["message_id"], sent.refused, now)
        else:
            self._mark_sent(row["id"], now)
        self.result.sent += 1

    def _mark_sent(self, row_id: int, now: str) -> None:
        # Not fsynced: a `sent` mark lost to a power cut leaves the row `sending`; it becomes `uncertain`, not resent.
        self.db.execute("UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?", (now, row_id))

    def _failed(self, row: dict[str, Any], exc: SendError) -> None:
        now = iso(self.clock.now())
        if exc.uncertain:
            self.db.execute(
                "UPDATE outbox SET status = 'uncertain', last_error = ? WHERE id = ?", (str(exc), row["id"])
            )
            record_event(self.db, now, "delivery_uncertain", f"outbox:{row['id']}", error=str(exc))
            log.warning("delivery uncertain, not resent: outbox %s: %s", row["id"], exc)
            self.result.failed += 1
            return
        if exc.rejected:
            bounces.mark_bounced(self.db, exc.rejected, now)
        self._retry_or_fail(row, str(exc), exc.permanent)

    def _retry_or_fail(self, row: dict[str, Any], error: str, permanent: bool) -> None:
        """Permanent, or temporary for longer than RETRY_DEADLINE: failed. Otherwise queued again, later each time."""
        now = self.clock.now()
        if permanent or iso(now - RETRY_DEADLINE) > row["created_at"]:
            self.db.execute("UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", (error, row["id"]))
            log.warning("outbox %s failed: %s", row["id"], error)
            self.result.failed += 1
            return
        delay = timedelta(minutes=min(5 * 2 ** (row["attempts"]), 12 * 60))  # 5 min doubling, at most 12 h
        self.db.execute(
            "UPDATE outbox SET status = 'queued', not_before = ?, last_error = ? WHERE id = ?",
            (iso(now + delay), error, row["id"]),
        )
        log.info("outbox %s will be retried after %s: %s", row["id"], delay, error)
        self.result.retrying += 1


def recover_uncertain(db: Database, clock: Clock) -> int:
    """At start-up: rows left `sending` by a crash may or may not have gone out. Never resend them."""
    rows = list(db.query("SELECT id, to_addr, subject FROM outbox WHERE status = 'sending'"))
    for row in rows:
        db.execute("UPDATE outbox SET status = 'uncertain' WHERE id = ?", (row["id"],))
        record_event(db, iso(clock.now()), "delivery_uncertain", f"outbox:{row['id']}", **row)
        log.warning("delivery uncertain, not resent: outbox %s to %s", row["id"], row["to_addr"])
    return len(rows)
