"""The one source of "now". Injectable, so simulations (`--now`) and tests never depend on the wall clock."""

from __future__ import annotations

import functools
import time
from datetime import UTC, datetime, tzinfo


class Clock:
    """Real time, optionally shifted so that it starts at a chosen moment (`--now`) and then runs on."""

    def __init__(self, start: datetime | None = None):
        self._offset = 0.0 if start is None else start.timestamp() - time.time()

    def now(self) -> datetime:
        return datetime.fromtimestamp(time.time() + self._offset, UTC)


class FixedClock(Clock):
    """A clock that only moves when told to: for tests and step-by-step simulation."""

    def __init__(self, at: datetime):
        self.at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self.at

    def set(self, at: datetime) -> None:
        self.at = at.astimezone(UTC)


def parse_moment(text: str, zone: tzinfo) -> datetime:
    """ISO-8601 date or date-time; a moment without an offset is read in the program's time zone."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """How every time is stored: UTC, ISO-8601, seconds (so text order is time order)."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@functools.cache  # strptime is slow, and a program has few periods: the digest names one per row
def month_name(period: str) -> str:
    """'2026-12' → 'December': how mail and the digest name a check-in period."""
    return datetime.strptime(period, "%Y-%m").strftime("%B")
