"""Cohorts in what coordinators see: one line of figures per cohort (the digest and `report`), and which pairs and
check-ins belong to one cohort (`report --cohort`, `export --cohort`).

Nothing here when the program has no cohorts: the digest and the report then read exactly as before.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso

LINES = """
SELECT co.name, co.starts_at, co.ends_at, co.start_day, co.end_day, co.every_months, co.in_config,
       (SELECT count(*) FROM pairings p WHERE p.cohort = co.name AND p.status = 'active') AS active,
       (SELECT count(*) FROM pairings p WHERE p.cohort = co.name AND p.status = 'closed') AS closed
FROM cohorts co ORDER BY co.starts_at, co.name
"""
# This cycle's check-ins sent and answered, by cohort, in one pass: the cohorts' pairs (pairings_cohort), then each
# pair's check-ins of the cycle (checkins_period: period and pair, the status read from the index alone).
CHECKINS = """
SELECT p.cohort, sum(c.status IN ('answered', 'awaiting')) AS sent, sum(c.status = 'answered') AS answered
FROM pairings p CROSS JOIN checkins c ON c.period = :cycle AND c.pairing_id = p.id
WHERE p.cohort IS NOT NULL GROUP BY p.cohort
"""

# The active pairs that met this cycle, by cohort: the cohorts' pairs (pairings_cohort, which holds the status too:
# `+p.status`, or the planner would walk every active pair), each looked up in pairs_met.
MET = """
SELECT p.cohort, count(*) FROM pairings p CROSS JOIN pairs_met m ON m.period = :cycle AND m.pairing_id = p.id
WHERE p.cohort IS NOT NULL AND +p.status = 'active' GROUP BY p.cohort
"""


class UnknownCohort(ValueError):
    """A name that is not a cohort: the message names the cohorts there are."""


def resolve(db: Database, name: str) -> str:
    """The cohort's name as stored (letter case aside); UnknownCohort when there is none of that name."""
    held = [row[0] for row in db.execute("SELECT name FROM cohorts ORDER BY starts_at, name")]
    found = next((n for n in held if n.casefold() == name.strip().casefold()), None)
    if found is None:
        raise UnknownCohort(f"no cohort {name.strip()!r}; the config's cohorts: {', '.join(held) or 'none'}")
    return found


def pairing_ids(db: Database, name: str) -> set[int]:
    return {row[0] for row in db.execute("SELECT id FROM pairings WHERE cohort = ?", [name])}


def lines(db: Database, cycle: str, now: datetime, silent: Iterable[int]) -> list[dict[str, Any]]:
    """Each cohort's figures: its dates and where it stands, its pairs, this cycle's check-ins and answers, the
    active pairs that met this cycle and the quiet ones (`silent`: the digest's pairing ids)."""
    rows = list(db.query(LINES))
    if not rows:
        return []
    checkins = {name: (sent, answered) for name, sent, answered in db.execute(CHECKINS, {"cycle": cycle})}
    met_by = dict(db.execute(MET, {"cycle": cycle}).fetchall())
    cohort_of = dict(db.execute("SELECT id, cohort FROM pairings WHERE cohort IS NOT NULL").fetchall())
    silent_by = _count(cohort_of, silent)
    return [_line(row, now, checkins.get(row["name"], (0, 0)), met_by, silent_by) for row in rows]


def _line(
    row: dict[str, Any], now: datetime, checkins: tuple[int, int], met_by: dict[str, int], silent_by: dict[str, int]
) -> dict[str, Any]:
    """One cohort's line: `checkins` are this cycle's (sent, answered)."""
    sent, answered = checkins
    return {
        "name": row["name"],
        "start_day": row["start_day"],
        "end_day": row["end_day"],
        "rhythm": _rhythm(row["every_months"]),
        "stage": _stage_text(_stage(now, row)),
        "stage_at": _stage(now, row),  # the same as a kind and numbers, said by the digest in its language
        "in_config": bool(row["in_config"]),
        "active_pairs": row["active"],
        "closed_pairs": row["closed"],
        "sent": sent,
        "answered": answered,
        "percent": round(100 * answered / sent) if sent else None,
        "met_pairs": met_by.get(row["name"], 0),
        "silent_pairs": silent_by.get(row["name"], 0),
    }


def _count(cohort_of: dict[int, str], ids: Iterable[int]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for pair_id in ids:
        if pair_id in cohort_of:
            counts[cohort_of[pair_id]] = counts.get(cohort_of[pair_id], 0) + 1
    return counts


def _rhythm(every: int) -> str:
    return "no check-ins" if every == 0 else "monthly" if every == 1 else f"every {every} months"


def _stage(now: datetime, row: dict[str, Any]) -> dict[str, Any]:
    """Where the cohort stands: before it starts (in how many days), its day out of how many (its days counted as
    the config gives them, first and last included), ending today, or ended how many days ago."""
    start, end = from_iso(row["starts_at"]), from_iso(row["ends_at"])
    days = (date.fromisoformat(row["end_day"]) - date.fromisoformat(row["start_day"])).days + 1
    if now < start:
        return {"kind": "starts", "days": (start - now).days + 1}
    if now < end:
        return {"kind": "day", "day": (now - start).days + 1, "of": days}
    ended = (now - end).days
    return {"kind": "ended", "days": ended} if ended else {"kind": "ends_today"}


def _stage_text(stage: dict[str, Any]) -> str:
    """The stage in English ('starts in 5 days', 'day 40 of 184', 'ends today', 'ended 12 days ago'): `report`."""
    if stage["kind"] == "starts":
        return f"starts in {stage['days']} days"
    if stage["kind"] == "day":
        return f"day {stage['day']} of {stage['of']}"
    return f"ended {stage['days']} days ago" if stage["kind"] == "ended" else "ends today"
