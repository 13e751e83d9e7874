"""Cohorts: the program's cycles (`cohorts:` in the config) mirrored into the `cohorts` table, so the rules, the
check-in cycle and the reports can join a pairing to its cohort's calendar in SQL.

The config is the truth; the table follows it at every tick. A cohort taken out of the config while pairings still
name it is kept (marked `in_config = 0`) rather than deleted, so those pairs keep their calendar instead of falling
silently between the cohort rules and the per-pairing ones; `report` marks it, and the event log says when.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo

from sqlite_utils import Database

from assistant.clock import iso
from assistant.config import Cohort, Config
from assistant.db import record_event


def month_index(year: int, month: int) -> int:
    """Months counted on one line (year * 12 + month - 1), so a rhythm is a remainder."""
    return year * 12 + month - 1


def period_index(period: str) -> int:
    """'2027-03' → its month index."""
    year, month = (int(part) for part in period.split("-"))
    return month_index(year, month)


def day_start(day: date, zone: tzinfo) -> str:
    """00:00 of `day` in the program's time zone, stored like every time (UTC ISO)."""
    return iso(datetime.combine(day, time(0), tzinfo=zone))


def row(cohort: Cohort, zone: tzinfo, now: datetime) -> dict[str, object]:
    return {
        "name": cohort.name,
        "starts_at": day_start(cohort.start, zone),
        "midpoint_at": day_start(cohort.midpoint, zone),
        "ends_at": day_start(cohort.end, zone),
        "start_day": cohort.start.isoformat(),
        "end_day": cohort.end.isoformat(),
        "start_month": month_index(cohort.start.year, cohort.start.month),
        "end_month": month_index(cohort.end.year, cohort.end.month),
        "every_months": cohort.every_months,
        "in_config": 1,
        "updated_at": iso(now),
    }


def sync(db: Database, config: Config, now: datetime) -> None:
    """The `cohorts` table made to say what the config says (a few rows: cheap at every tick). A row whose values
    did not change is left alone, so a tick writes nothing when nobody edited the config."""
    wanted = {c.name: row(c, config.timezone, now) for c in config.cohorts}
    held = {r["name"]: r for r in db.query("SELECT * FROM cohorts")}
    with db.atomic():
        for name, values in wanted.items():
            old = held.get(name)
            if old is None or any(old[k] != v for k, v in values.items() if k != "updated_at"):
                db["cohorts"].upsert(values, pk="name")
        for name in held.keys() - wanted.keys():
            if db.execute("SELECT 1 FROM pairings WHERE cohort = ? LIMIT 1", [name]).fetchone():
                if held[name]["in_config"]:  # said once, in the audit log; `report` marks it "not in the config"
                    db.execute("UPDATE cohorts SET in_config = 0 WHERE name = ?", [name])
                    record_event(db, iso(now), "cohort_kept", f"cohort:{name}", why="gone from the config")
            else:
                db.execute("DELETE FROM cohorts WHERE name = ?", [name])
