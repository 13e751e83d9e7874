"""Pure evaluation: (rules, facts, firings so far, now) → intents, each with a deterministic key and a reason.

Like an alerting rule: a rule holds for a duration since a timestamp, fires, may repeat at an interval up to
`max_sends`, and is inhibited by another rule having fired for the same entity. The same inputs always give
the same intents, so a tick run twice (or after a crash, at the same now) adds nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from assistant.clock import from_iso
from assistant.engine.schema import Compare, Condition, Rule


@dataclass(frozen=True)
class Fact:
    """One entity as rules see it: its key ("checkin:12") and its fields ("checkin.status" → "awaiting")."""

    entity: str
    fields: Mapping[str, Any]
    extra: Mapping[str, Any] = field(default_factory=dict)  # what templates need beyond fields


@dataclass(frozen=True)
class Intent:
    rule: Rule
    fact: Fact
    seq: int  # 0 for the first firing, 1 for the first repeat …
    reason: str

    @property
    def key(self) -> str:
        return f"{self.rule.name}:{self.fact.entity}:{self.seq}"


Firings = Mapping[tuple[str, str], Sequence[datetime]]  # (rule, entity) → when it fired, in order


def evaluate(
    rules: Iterable[Rule], facts: Mapping[str, Sequence[Fact]], firings: Firings, now: datetime
) -> list[Intent]:
    intents = []
    for rule in rules:
        if not rule.enabled:
            continue
        for fact in facts.get(rule.match, ()):
            intent = _consider(rule, fact, firings, now)
            if intent:
                intents.append(intent)
    return intents


def _consider(rule: Rule, fact: Fact, firings: Firings, now: datetime) -> Intent | None:
    if rule.when is not None and not holds(rule.when, fact.fields):
        return None
    if any(firings.get((other, fact.entity)) for other in rule.inhibited_by):
        return None
    fired = firings.get((rule.name, fact.entity), ())
    if len(fired) >= rule.max_sends or (fired and rule.repeat is None):
        return None
    due = _due(rule, fact, fired, now)
    if due is None or now < due:
        return None
    since = f" since {rule.since} {fact.fields.get(rule.since)}" if rule.since else ""
    reason = f"{rule.name} #{len(fired) + 1}: conditions hold{since}, due {due.isoformat(timespec='minutes')}"
    return Intent(rule=rule, fact=fact, seq=len(fired), reason=reason)


def _due(rule: Rule, fact: Fact, fired: Sequence[datetime], now: datetime) -> datetime | None:
    start = None
    if rule.since:
        if not fact.fields.get(rule.since):
            return None  # the moment it counts from has not happened yet
        start = from_iso(fact.fields[rule.since])
    if not fired:
        return start + rule.wait if start else now
    assert rule.repeat is not None
    scheduled = start + rule.wait + len(fired) * rule.repeat if start else fired[-1] + rule.repeat
    # After an outage, repeats still keep their interval instead of all firing at once.
    return max(scheduled, fired[-1] + rule.repeat)


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
    left, right = _number(actual), _number(expected)
    if left is None or right is None:
        return False  # an order needs two numbers; a missing answer never passes lt/gt
    return {"lt": left < right, "lte": left <= right, "gt": left > right, "gte": left >= right}[op]


def _equal(actual: Any, expected: Any) -> bool:
    left, right = _number(actual), _number(expected)
    if left is not None and right is not None:
        return left == right
    if actual is None or expected is None:
        return actual is None and expected is None
    return str(actual).lower() == str(expected).lower()


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None
