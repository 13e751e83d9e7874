"""The SQL narrowing of a rule's candidates (engine/conditions.py, fields `present` and `yearly`): exact, never a
row fewer than Python's judgement keeps, and found by an index rather than a pass over every pairing."""

from __future__ import annotations

from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlite_utils import Database

from assistant.clock import iso
from assistant.db import open_db
from assistant.engine.conditions import compare, to_sql
from assistant.engine.evaluate import Firings, evaluate
from assistant.engine.facts import candidate_ids, load_facts
from assistant.engine.fields import PAIRING
from assistant.engine.schema import Compare, Rule, load_rules
from tests.conftest import ROOT, Program, at

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


FORM_KEYS = ("met", "meetings", "topics", "rating", "help")  # the default form's


def _default_rules() -> list[Rule]:
    return load_rules(ROOT / "rules", form_keys=FORM_KEYS)


COHORTS = [  # (name, start, midpoint, end): one over, one under way, one about to begin, one far ahead
    ("spring", "2027-03-01", "2027-05-31", "2027-08-31"),
    ("autumn", "2027-09-01", "2027-11-30", "2028-02-29"),
    ("winter", "2027-12-20", "2028-02-14", "2028-05-15"),
    ("later", "2028-09-01", "2028-11-30", "2029-02-28"),
]


@pytest.fixture(scope="module")
def cohorts(tmp_path_factory: pytest.TempPathFactory) -> Database:
    """Pairs in each of four cohorts and pairs in none, begun before, with and after their cohort's start."""
    db = open_db(Path(tmp_path_factory.mktemp("cohorts")) / "p.db")
    for name, start, midpoint, end in COHORTS:
        db["cohorts"].insert(
            {"name": name, "starts_at": f"{start}T00:00:00+00:00", "midpoint_at": f"{midpoint}T00:00:00+00:00",
             "ends_at": f"{end}T00:00:00+00:00", "start_day": start, "end_day": end, "start_month": 0,
             "end_month": 0, "updated_at": "2027-01-01T00:00:00+00:00"}
        )  # fmt: skip
    n = 0
    for cohort in [*(c[0] for c in COHORTS), None]:
        for started in ("2027-02-01", "2027-09-01", "2027-10-15", "2027-12-20", "2028-01-10", None):
            for status in ("active", "closed"):
                n += 1
                for role, offset in (("mentor", 1), ("mentee", 2)):
                    db["participants"].insert(
                        {"id": 2 * n + offset, "email": f"{role}{n}@example.org", "name": f"P {n}", "role": role,
                         "created_at": "2027-01-01T00:00:00+00:00", "updated_at": "2027-01-01T00:00:00+00:00"}
                    )  # fmt: skip
                db["pairings"].insert(
                    {"id": n, "mentor_id": 2 * n + 1, "mentee_id": 2 * n + 2, "cohort": cohort, "status": status,
                     "started_at": f"{started}T00:00:00+00:00" if started else None,
                     "ended_at": "2028-06-01T00:00:00+00:00" if status == "closed" else None,
                     "created_at": "2027-01-01T00:00:00+00:00"}
                )  # fmt: skip
    return db


@pytest.mark.parametrize("day", ["2027-03-05", "2027-09-10", "2027-12-01", "2027-12-22", "2028-01-04",
                                 "2028-02-20", "2028-03-05", "2028-09-03", "2029-03-10"])  # fmt: skip
def test_a_cohort_rules_candidates_hold_every_pair_due_and_none_outside_cohorts(cohorts: Database, day: str) -> None:
    """The cohort rules' narrowings (the `since` and the conditions, each testing the pair's cohort) are one term,
    their tests joined (conditions.Narrowings): the SQL keeps every pair Python judges due, and none of another
    cohort. Judged with no firing recorded, so each rule's candidates are what its `since` and `when` select."""
    rules = [r for r in _default_rules() if "cohort" in r.name]
    assert len(rules) >= 6
    now = at(f"{day}T10:00")
    every = [r[0] for r in cohorts.execute("SELECT id FROM pairings")]
    facts = {"pairing": load_facts(cohorts, PAIRING, every, now, FORM_KEYS)}
    for rule in rules:
        due = {i.fact.entity for i in evaluate([rule], facts, Firings(), now, UTC)}
        selected = {f"pairing:{i}" for i in candidate_ids(cohorts, rule, now)}
        assert due <= selected, (rule.name, day)
        in_cohorts = {
            f"pairing:{pid}"
            for (pid,) in cohorts.execute(
                "SELECT pr.id FROM pairings pr JOIN cohorts co ON co.name = pr.cohort"
                " WHERE co.starts_at <= :now OR co.midpoint_at <= :now OR co.ends_at <= :now",
                {"now": iso(now)},
            )
        }
        assert selected <= in_cohorts, (rule.name, day)


def test_a_cohort_rules_tests_of_its_cohort_make_one_list_to_walk(cohorts: Database) -> None:
    """`cohort-start` tests its cohort three times (its `since`, the days since the start, the pair's own start): one
    list of pairs, of the cohorts that pass all three, where there were three lists and SQLite walked the first."""
    rule = next(r for r in _default_rules() if r.name == "cohort-start")
    seen: list[str] = []

    class Spy:
        def execute(self, sql: str, params: dict[str, Any]) -> Any:
            seen.append(sql)
            return cohorts.execute(sql, params)

    found = candidate_ids(Spy(), rule, at("2027-12-22T10:00"))  # type: ignore[arg-type]
    assert seen[0].count("SELECT co.name FROM cohorts co") == 1, seen[0]
    winter = {pid for (pid,) in cohorts.execute("SELECT id FROM pairings WHERE cohort = 'winter'")}
    assert found and set(found) <= winter
