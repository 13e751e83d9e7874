"""Conditions: evaluate all/any/not over field comparisons, explain each step, and translate what can be
translated to SQL so candidates are selected in the database.

Python is the judge; SQL only narrows. A translation is either exact or left out (TRUE), so the database never
drops an entity that the Python evaluation would keep.
"""

from __future__ import annotations

from calendar import isleap
from collections.abc import Mapping
from datetime import UTC, timedelta
from typing import Any

from assistant.clock import from_iso, iso
from assistant.engine.fields import Entity, Field
from assistant.engine.schema import Compare, Condition, Group


def holds(condition: Condition, fields: Mapping[str, Any]) -> bool:
    if isinstance(condition, Compare):
        return compare(condition, fields.get(condition.field))
    results = (holds(item, fields) for item in condition.items)
    if condition.kind == "all":
        return all(results)
    if condition.kind == "any":
        return any(results)
    return not next(results)


def compare(condition: Compare, actual: Any) -> bool:
    op, expected = condition.op, condition.value
    if op == "exists":
        return (actual not in (None, "")) == bool(expected)
    if op in ("in", "not_in"):
        found = any(_equal(actual, item) for item in expected)
        return found if op == "in" else not found
    if op == "contains":
        return actual is not None and str(expected).lower() in str(actual).lower()
    if op in ("eq", "ne"):
        return _equal(actual, expected) == (op == "eq")
    left, right = number(actual), number(expected)
    if left is None or right is None:
        return False  # an order needs two numbers; a missing answer never passes lt/gt
    return {"lt": left < right, "lte": left <= right, "gt": left > right, "gte": left >= right}[op]


def trace(condition: Condition, fields: Mapping[str, Any], depth: int = 0) -> list[str]:
    """One line per step, for `rules explain`: what was compared, what was found, and the verdict."""
    pad = "  " * depth
    mark = "✓" if holds(condition, fields) else "✗"
    if isinstance(condition, Compare):
        actual = fields.get(condition.field)
        shown = round(actual, 1) if isinstance(actual, float) else actual
        return [f"{pad}{mark} {condition.field} {condition.op} {condition.value!r} (it is {shown!r})"]
    lines = [f"{pad}{mark} {condition.kind}:"]
    for item in condition.items:
        lines += trace(item, fields, depth + 1)
    return lines


def _equal(actual: Any, expected: Any) -> bool:
    left, right = number(actual), number(expected)
    if left is not None and right is not None:
        return left == right
    if actual is None or expected is None:
        return actual is None and expected is None
    return str(actual).lower() == str(expected).lower()


def number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


class Narrowings:
    """The narrowing terms of one query's conjuncts that select through one row (`Field.one_row`: a pairing's
    cohort), kept aside and given back as one term per kind, their tests joined: `pr.id IN (the pairs of cohorts
    where A) AND pr.id IN (the pairs of cohorts where B)` is `pr.id IN (the pairs of cohorts where A AND B)`, as a
    pair has one cohort. SQLite walks one IN list and only tests the others: with a list per test it walked the
    first, every pair of every cohort begun so far, for a rule about a cohort that begins this week."""

    def __init__(self) -> None:
        self._tests: dict[str, list[str]] = {}

    def present(self, column: Field, where: str) -> str | None:
        """The field's `present` term (conditions.present), or None when it is kept aside to be joined."""
        if not (column.one_row and column.present):
            return present(column, where)
        self._tests.setdefault(column.present, []).append(column.present_where or where)
        return None

    def terms(self) -> list[str]:
        return [
            template.format(where=" AND ".join(f"({test})" for test in dict.fromkeys(tests)))
            for template, tests in self._tests.items()
        ]


def to_sql(
    condition: Condition, entity: Entity, params: dict[str, Any], narrowings: Narrowings | None = None
) -> str | None:
    """An exact SQL translation of the condition, or None when there is none (the caller then keeps all rows).
    `narrowings`: the condition is a conjunct of the query, and the narrowings of its conjuncts that can be joined
    are kept there for the caller to add (an `any` or a `not` keeps its own)."""
    if isinstance(condition, Group):
        inner = narrowings if condition.kind == "all" else None
        parts = [to_sql(item, entity, params, inner) for item in condition.items]
        if condition.kind == "all":
            kept = [p for p in parts if p is not None]  # dropping a conjunct only widens: still a superset
            return " AND ".join(f"({p})" for p in kept) if kept else None
        if any(p is None for p in parts):
            return None
        return " OR ".join(f"({p})" for p in parts) if condition.kind == "any" else f"NOT ({parts[0]})"
    return _compare_sql(condition, entity, params, narrowings)


def _compare_sql(
    condition: Compare, entity: Entity, params: dict[str, Any], narrowings: Narrowings | None = None
) -> str | None:
    """Only the comparisons whose SQL meaning is exactly the Python one: text equality on plain text fields
    (case-sensitive values like statuses), NULL tests, and numbers on number fields. A comparison an empty field
    fails is narrowed first by the field's `present` term (and a yearly day's window), which an index answers."""
    if condition.field.startswith("answers.") and entity.name == "checkin":
        return _answer_sql(condition.field.removeprefix("answers."), condition.op, condition.value, params)
    column = entity.fields.get(condition.field)
    if column is None:
        return None
    exact = _exact_sql(condition, column, params)
    if exact is None:
        return None
    narrowing = _window(condition, column, params) or _present(condition, column, exact, narrowings)
    return exact if narrowing is None else f"({narrowing}) AND ({exact})"


def _present(condition: Compare, column: Field, exact: str, narrowings: Narrowings | None) -> str | None:
    """The field's `present` term when the comparison cannot hold on an empty field (Python: None fails an order,
    an `eq`/`in` of a value, and `exists: true`), with the comparison inside it where the field says so."""
    op, value = condition.op, condition.value
    fails_empty = (
        op in _SQL_OPS
        or (op == "exists" and value)
        or (op == "eq" and value is not None)
        or (op == "in" and None not in value)
    )
    if not fails_empty:
        return None
    return narrowings.present(column, exact) if narrowings is not None else present(column, exact)


def present(column: Field, where: str) -> str | None:
    """The field's `present` term, `where` (SQL that holds only where the field has a value) tested inside it."""
    return column.present.format(where=column.present_where or where) if column.present else None


def _window(condition: Compare, column: Field, params: dict[str, Any]) -> str | None:
    """`days until a yearly date <= N`: the date is one of the next N + 1 days' MM-DD (29 February falls on 28
    February in other years): the field's `yearly` term for those days, which an index answers. Only for short
    windows; the days are the UTC days of `now`, as the field counts them."""
    limit = number(condition.value)
    if not column.yearly or condition.op not in ("lt", "lte") or limit is None or "now" not in params:
        return None
    last = int(limit) - (1 if condition.op == "lt" and limit == int(limit) else 0)
    if last < 0 or last > _WINDOW_DAYS:
        return None
    today = from_iso(params["now"]).astimezone(UTC).date()
    days = [today + timedelta(days=n) for n in range(last + 1)]
    marks = {f"{d:%m-%d}" for d in days} | {"02-29" for d in days if (d.month, d.day) == (2, 28) and not isleap(d.year)}
    return column.yearly.format(days=", ".join(_param(params, m) for m in sorted(marks)))


def _exact_sql(condition: Compare, column: Field, params: dict[str, Any]) -> str | None:
    op, value = condition.op, condition.value
    if op == "exists":
        return f"COALESCE({column.sql}, '') {'!=' if value else '='} ''"
    if column.kind == "number" and op in ("lt", "lte", "gt", "gte") and number(value) is not None:
        if column.days_since and "now" in params:
            # days since X <= N  ⟺  X >= now - N days: a range the index on X can answer.
            cutoff = iso(from_iso(params["now"]) - timedelta(days=number(value)))
            flipped = {"lt": ">", "lte": ">=", "gt": "<", "gte": "<="}[op]
            return f"{column.days_since} IS NOT NULL AND {column.days_since} {flipped} {_param(params, cutoff)}"
        # No `IS NOT NULL AND`: a comparison with NULL already fails, and the column may be a subquery, run twice.
        return f"{column.sql} {_SQL_OPS[op]} {_param(params, number(value))}"
    words = value if op in ("in", "not_in") else [value]
    if column.kind == "text" and op in ("eq", "ne", "in", "not_in") and all(_plain_word(v) for v in words):
        # Python compares text case-insensitively; lower() is exact for ASCII, and only ASCII words get here. A
        # column that only ever holds lowercase words is compared as it is, so its index can answer.
        marks = ", ".join(_param(params, str(v).lower()) for v in words)
        inside = f"{column.sql if column.lowercase else f'lower({column.sql})'} IN ({marks})"
        return inside if op in ("eq", "in") else f"({column.sql} IS NULL OR NOT {inside})"
    return None


def _answer_sql(key: str, op: str, value: Any, params: dict[str, Any]) -> str | None:
    """Answers are normalised (integers as digits), so CAST(value AS REAL) agrees with Python's float()."""
    found = f"SELECT 1 FROM answers a WHERE a.checkin_id = c.id AND a.question = {_param(params, key)}"
    if op == "exists":
        return f"{'' if value else 'NOT '}EXISTS ({found} AND a.value != '')"
    if op in _SQL_OPS and number(value) is not None:
        return f"EXISTS ({found} AND CAST(a.value AS REAL) {_SQL_OPS[op]} {_param(params, number(value))})"
    return None


def _param(params: dict[str, Any], value: Any) -> str:
    name = f"p{len(params)}"
    params[name] = value
    return f":{name}"


def _plain_word(value: Any) -> bool:
    return isinstance(value, str) and value.isascii() and number(value) is None


_SQL_OPS = {"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
_WINDOW_DAYS = 31  # a longer window is most of the year's days: no narrowing worth an index
