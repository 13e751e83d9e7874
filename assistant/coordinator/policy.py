"""The digest's thresholds, read from the loaded rules, so that editing a rule changes the digest with it.

A low rating is one the `coordinator-alert` rule alerts on (its condition on `answers.rating`), and a pair is
drifting once it has gone without a reported meeting for as long as the `mentee-nudge` rule waits (its `for`).
When a rule is missing or disabled, or has no such condition, the documented defaults hold: a rating of 2 or less,
and 45 days.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from assistant.engine.conditions import compare, number
from assistant.engine.schema import Compare, Condition, Rule

ALERT_RULE = "coordinator-alert"
NUDGE_RULE = "mentee-nudge"
RATING = "answers.rating"
LOW_OPS = ("lt", "lte")  # only an upper bound says what a low rating is
DEFAULT_LOW_RATING = Compare(field=RATING, op="lte", value=2)
DEFAULT_DRIFTING = timedelta(days=45)


@dataclass(frozen=True)
class Policy:
    """What the digest counts as a low rating and as a drifting pair, and where each threshold came from."""

    low_rating: Compare = DEFAULT_LOW_RATING
    drifting: timedelta = DEFAULT_DRIFTING
    low_rating_from: str = "default"  # the rule's file:line, or "default"
    drifting_from: str = "default"

    def is_low(self, rating: int | None) -> bool:
        """Whether the coordinator-alert rule would call this rating low."""
        return rating is not None and compare(self.low_rating, rating)

    def as_dict(self) -> dict[str, object]:
        """For `report --json`: the thresholds in use and their source."""
        days = self.drifting / timedelta(days=1)
        return {
            "low_rating": f"{_OP_WORDS[self.low_rating.op]} {self.low_rating.value}",
            "low_rating_from": self.low_rating_from,
            "drifting_days": int(days) if days.is_integer() else days,
            "drifting_from": self.drifting_from,
        }


_OP_WORDS = {"lt": "below", "lte": "at most"}


def policy(rules: Iterable[Rule]) -> Policy:
    """The thresholds of the enabled rules, each falling back to its default on its own."""
    enabled = {rule.name: rule for rule in rules if rule.enabled}
    result = Policy()
    alert = enabled.get(ALERT_RULE)
    low = next((c for c in _compares(alert.when) if _upper_bound(c)), None) if alert else None
    if alert and low is not None:
        result = Policy(low_rating=low, low_rating_from=alert.where)
    nudge = enabled.get(NUDGE_RULE)
    if nudge and nudge.wait > timedelta(0):
        result = Policy(result.low_rating, nudge.wait, result.low_rating_from, nudge.where)
    return result


def _upper_bound(condition: Compare) -> bool:
    """`answers.rating` below or at most a number: what a low rating is."""
    return condition.field == RATING and condition.op in LOW_OPS and number(condition.value) is not None


def _compares(condition: Condition | None) -> Iterator[Compare]:
    """Every comparison in a condition, depth first, in the order the file lists them; none under a `not`, whose
    comparisons say what does not count."""
    if isinstance(condition, Compare):
        yield condition
    elif condition is not None and condition.kind != "not":
        for item in condition.items:
            yield from _compares(item)
