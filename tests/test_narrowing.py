"""The SQL narrowing of a rule's candidates (engine/conditions.py, fields `present` and `yearly`): exact, never a
row fewer than Python's judgement keeps, and found by an index rather than a pass over every pairing."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from assistant.clock import iso
from assistant.db import open_db
from assistant.engine.conditions import compare, to_sql
from assistant.engine.fields import PAIRING
from assistant.engine.schema import Compare
from tests.conftest import Program, at

EVERY_DAY = [f"{d:%m-%d}" for d in (date(2028, 1, 1) + timedelta(days=n) for n in range(366))]  # 29 Feb too


@pytest.fixture(scope="module")
def birthdays(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """One active pairing per day of the year, its mentee born that day; and one whose mentee gave none."""
    db = open_db(Path(tmp_path_factory.mktemp("narrowing")) / "p.db")
    now = "2027-01-01T00:00:00+00:00"
    for n, day in enumerate([*EVERY_DAY, None]):
        for role, offset in (("mentor", 1), ("mentee", 2)):
            db["participants"].insert(
                {"id": 2 * n + offset, "email": f"{role}{n}@example.org", "name": f"P {n}", "role": role,
                 "birthday": day if role == "mentee" else None, "created_at": now, "updated_at": now}
            )  # fmt: skip
        db["pairings"].insert({"id": n + 1, "mentor_id": 2 * n + 1, "mentee_id": 2 * n + 2, "created_at": now})
    return db


def _ids(db: Database, condition: Compare, moment: str, narrowed: bool) -> set[int]:
    """The pairings the condition holds for: judged in Python over every row, or selected by its SQL alone."""
    field = PAIRING.fields[condition.field]
    params: dict[str, Any] = {"now": moment}
    if narrowed:
        where = to_sql(condition, PAIRING, params)
        return {r[0] for r in db.execute(f"SELECT pr.id FROM {PAIRING.source} WHERE {where}", params)}
    rows = db.execute(f"SELECT pr.id, {field.sql} FROM {PAIRING.source}", params).fetchall()
    return {pid for pid, value in rows if compare(condition, value)}


# Year ends, 28 February and 1 March of leap and common years, a 29 February.
MOMENTS = [
    f"{day}T{hour}"
    for day in ("2027-12-29", "2027-02-25", "2028-02-25", "2028-02-29", "2028-03-01", "2027-03-01", "2026-12-31")
    for hour in ("00:00:00+00:00", "23:30:00+00:00", "01:00:00+05:00")
]


@pytest.mark.parametrize("moment", MOMENTS)
@pytest.mark.parametrize("op", ["lt", "lte"])
@pytest.mark.parametrize("days", [0, 1, 3, 5, 5.5, 31, 40])
def test_the_birthday_window_selects_exactly_what_python_keeps(
    birthdays: Database, moment: str, op: str, days: float
) -> None:
    condition = Compare(field="mentee.days_until_birthday", op=op, value=days)
    assert _ids(birthdays, condition, moment, narrowed=True) == _ids(birthdays, condition, moment, narrowed=False)


@pytest.mark.parametrize(
    ("field", "op", "value"),
    [
        ("mentee.days_until_birthday", "gte", 1),
        ("mentee.birthday", "exists", True),
        ("mentee.birthday", "exists", False),
        ("mentee.birthday", "eq", "02-29"),
        ("mentee.birthday", "ne", "02-29"),
        ("mentee.last_birthday", "exists", True),
        ("cohort.days_since_start", "lte", 10),
        ("cohort.name", "exists", False),
        ("pairing.days_since_mentee_milestone", "lte", 21),
    ],
)
def test_a_field_present_only_on_some_rows_narrows_exactly(
    birthdays: Database, field: str, op: str, value: object
) -> None:
    condition = Compare(field=field, op=op, value=value)
    moment = iso(at("2027-12-29T10:00"))
    assert _ids(birthdays, condition, moment, narrowed=True) == _ids(birthdays, condition, moment, narrowed=False)


def test_a_short_birthday_window_is_found_by_the_index(birthdays: Database) -> None:
    """Six days ahead are six index searches, not a computed date for every pairing of the program."""
    params: dict[str, Any] = {"now": iso(at("2027-12-29T10:00"))}
    where = to_sql(Compare(field="mentee.days_until_birthday", op="lte", value=5), PAIRING, params)
    plan = " | ".join(
        r[3] for r in birthdays.execute(f"EXPLAIN QUERY PLAN SELECT pr.id FROM {PAIRING.source} WHERE {where}", params)
    )
    assert "participants_birthday (birthday=?)" in plan, plan
    assert "SCAN pr" not in plan, plan


def test_a_cohort_field_is_answered_from_the_cohorts_pairs(birthdays: Database) -> None:
    """A cohort field's comparison looks its pairs up by id from the cohort index (the few pairs of the configured
    cohorts), never by a pass over every pairing."""
    params: dict[str, Any] = {"now": iso(at("2027-12-29T10:00"))}
    where = to_sql(Compare(field="cohort.days_since_start", op="lt", value=14), PAIRING, params)
    plan = " | ".join(
        r[3] for r in birthdays.execute(f"EXPLAIN QUERY PLAN SELECT pr.id FROM {PAIRING.source} WHERE {where}", params)
    )
    assert "SEARCH pr USING INTEGER PRIMARY KEY" in plan and "pairings_cohort" in plan, plan


def test_the_tick_keeps_the_planners_statistics(program: Program) -> None:
    """The day's first tick leaves SQLite statistics for the tables its queries used (db.refresh_statistics), so the
    planner knows a status matches most pairings; later ticks that day leave them as they are."""
    program.run("2026-12-01T09:05")
    analysed = program.db.execute("SELECT tbl, idx, stat FROM sqlite_stat1 ORDER BY 1, 2").fetchall()
    assert {"pairings", "checkins", "participants"} <= {row[0] for row in analysed}
    program.db.execute("DELETE FROM sqlite_stat1")
    program.run("2026-12-01T18:10")
    assert program.db.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] == 0  # not again that day
    program.run("2026-12-02T09:10")
    assert program.db.execute("SELECT count(*) FROM sqlite_stat1").fetchone()[0] > 0  # the next day
