"""The per-recipient daily cap (`outbound.per_recipient_per_day`, for SMTP outbound): no address gets more than that
many messages in 24 hours, so a busy day (or a bug) cannot flood one person. Coordinators are exempt: a busy
escalation day must still reach them. Mail over the cap waits and is retried like a temporary failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlite_utils import Database

from assistant.clock import Clock, iso
from assistant.config import Config, SmtpConfig

RECOUNT_AFTER = timedelta(hours=1)  # a long drain re-reads the outbox, so messages older than a day stop counting


class DailyCap:
    """Counts from the outbox (sent or uncertain in the last 24 h), then in memory as this drain sends."""

    def __init__(self, db: Database, limit: int, exempt: Collection[str], clock: Clock):
        self.db, self.limit, self.clock = db, limit, clock
        self.exempt = {address.lower() for address in exempt}
        self._counts: Counter[str] | None = None
        self._counted_at: datetime | None = None

    @classmethod
    def for_config(cls, db: Database, config: Config, clock: Clock) -> DailyCap | None:
        """The cap a config asks for: SMTP outbound only (a Maildir is a file, not a person's inbox)."""
        if not isinstance(config.outbound, SmtpConfig):
            return None
        return cls(db, config.outbound.per_recipient_per_day, [c.email for c in config.coordinators], clock)

    def check(self, recipients: Sequence[str]) -> str | None:
        """Why this message must wait (who already had their share today), or None when it may go now."""
        counts = self._current()
        over = [r for r in recipients if r.lower() not in self.exempt and counts[r.lower()] >= self.limit]
        if not over:
            return None
        return f"per_recipient_per_day ({self.limit}) reached for {', '.join(over)}; will try again later"

    def count(self, accepted: Sequence[str]) -> None:
        self._current().update(address.lower() for address in accepted)

    def _current(self) -> Counter[str]:
        now = self.clock.now()
        if self._counts is None or self._counted_at is None or now - self._counted_at > RECOUNT_AFTER:
            self._counts, self._counted_at = self._load(now), now
        return self._counts

    def _load(self, now: datetime) -> Counter[str]:
        counts: Counter[str] = Counter()
        for (to_addr,) in self.db.execute(
            "SELECT to_addr FROM outbox WHERE status IN ('sent', 'uncertain') AND coalesce(sent_at, sending_at) >= ?",
            (iso(now - timedelta(days=1)),),
        ).fetchall():
            counts.update(a.strip().lower() for a in to_addr.split(",") if a.strip())
        return counts
