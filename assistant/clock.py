"""The one source of "now". Injectable, so simulations (`--now`) and tests never depend on the wall clock."""

from __future__ import annotations

import functools
import time
from datetime import UTC, date, datetime, tzinfo

from babel import UnknownLocaleError
from babel.dates import format_date, format_skeleton


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


# Python's dates end at the years 1 and 9999, and the program counts months back and years ahead of any moment
# (reports, milestones, retention): a moment from outside these years is refused where it comes in (the command
# line, a sheet), never calculated with.
EARLIEST_YEAR, LATEST_YEAR = 1900, 8999
IN_RANGE = f"between the years {EARLIEST_YEAR} and {LATEST_YEAR}"


def parse_moment(text: str, zone: tzinfo) -> datetime:
    """ISO-8601 date or date-time; a moment without an offset is read in the program's time zone.

    ValueError, with a message for a person, when it is not one or is not in range.
    """
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO-8601 time like 2027-01-15T09:00") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"{text!r} is out of range: choose a moment {IN_RANGE}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone)
    return moment.astimezone(UTC)


def parse_day(text: str) -> date:
    """An ISO-8601 date (2027-01-15); ValueError, with a message for a person, when it is not one or not in range."""
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a date like 2027-01-15") from None
    if not EARLIEST_YEAR <= day.year <= LATEST_YEAR:
        raise ValueError(f"{text!r} is out of range: choose a day {IN_RANGE}")
    return day


def iso(moment: datetime) -> str:
    """How every time is stored: UTC, ISO-8601, seconds (so text order is time order)."""
    if moment.tzinfo is UTC:  # what the clocks give: remembered (see _iso_utc)
        return _iso_utc(moment)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


@functools.lru_cache(maxsize=64)
def _iso_utc(moment: datetime) -> str:
    """`iso` of a moment in UTC, remembered for the last few: a message's handling writes the same moment several
    times, and `isoformat` is slow at it. (Only UTC: in a zone with a repeated hour, two moments can compare equal.)"""
    return moment.isoformat(timespec="seconds")


def from_iso(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


class MonthName(str):
    """A check-in period's month as English names it ('December'), which a mail says in its reader's language
    (`localized`, called by the renderer: 'diciembre', 'décembre', 'Dezember')."""

    period: str

    def localized(self, language: str, translate: object = None) -> str:
        if language == "en":
            return str(self)
        try:
            # "LLLL": the month standing alone (Polish, Russian decline it inside a date; here it is named alone)
            return format_date(datetime.strptime(self.period, "%Y-%m").date(), "LLLL", locale=language)
        except (UnknownLocaleError, ValueError):
            return str(self)  # a language Babel does not know (a coordinator's own catalog): English


@functools.cache  # strptime is slow, and a program has few periods: the digest names one per row
def month_name(period: str) -> MonthName:
    """'2026-12' → 'December': how mail and the digest name a check-in period."""
    name = MonthName(datetime.strptime(period, "%Y-%m").strftime("%B"))
    name.period = period
    return name


class LocalDay(str):
    """A day as English writes it in the digest ('Monday 14 December 2026', '3 Dec', 'Dec'), which a mail says in
    its reader's language (`localized`, called by the renderer) through Babel: `pattern` as format_date takes it
    ('full', 'LLL') or else the `skeleton` her locale orders its own way ('MMMd'): 'lunes, 14 de diciembre de 2026',
    '3 dic', 'dic'."""

    day: date
    pattern: str
    skeleton: str

    def localized(self, language: str, translate: object = None) -> str:
        if language == "en":
            return str(self)
        try:
            if self.pattern:
                return format_date(self.day, self.pattern, locale=language)
            return format_skeleton(self.skeleton, self.day, locale=language)
        except (UnknownLocaleError, ValueError, KeyError):
            return str(self)  # a language Babel does not know: English


def local_day(day: date, english: str, pattern: str = "", skeleton: str = "") -> LocalDay:
    said = LocalDay(english)
    said.day, said.pattern, said.skeleton = day, pattern, skeleton
    return said
