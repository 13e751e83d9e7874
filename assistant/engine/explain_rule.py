"""`rules explain NAME ENTITY`: why a rule would or would not fire for one entity now, step by step."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo

from sqlite_utils import Database

from assistant.engine.conditions import trace
from assistant.engine.evaluate import judge
from assistant.engine.facts import load_facts, load_firings
from assistant.engine.schema import Rule


class NotExplainable(LookupError):
    """The entity named cannot be explained for this rule: another kind, or no such row."""


def explain_rule(
    db: Database, rule: Rule, entity: str, now: datetime, zone: tzinfo, form_keys: tuple[str, ...]
) -> list[str]:
    kind, _, number = entity.partition(":")
    if kind != rule.match or not number.isdigit():
        raise NotExplainable(
            f"{rule.name} matches {rule.match} entities: name one as {rule.match}:ID (e.g. {rule.match}:1)"
        )
    facts = load_facts(db, rule.entity, [int(number)], now, form_keys)
    if not facts:
        raise NotExplainable(f"there is no {entity} in the database")
    fact = facts[0]
    firings = load_firings(db, [fact.entity])
    lines = [f"rule {rule.name} ({rule.where}) for {entity} at {now.isoformat(timespec='minutes')}"]
    lines += (
        ["conditions:", *("  " + line for line in trace(rule.when, fact.fields))] if rule.when else ["no conditions"]
    )
    if rule.since:
        lines.append(f"since {rule.since} = {fact.fields.get(rule.since)}, for {duration(rule.wait)}")
    episode = str(fact.fields.get(rule.since) or "") if rule.since else ""
    fired = firings.of(rule.name, fact.entity, episode)
    repeat = f"repeat every {duration(rule.repeat)}" if rule.repeat else "no repeat"
    lines.append(f"fired {len(fired)} time(s) in this episode (max_sends {rule.max_sends}, {repeat})")
    verdict = judge(rule, fact, firings, now, zone)
    lines.append(("WOULD FIRE: " if verdict.fires else "would not fire: ") + verdict.reason)
    return lines


def duration(value: timedelta) -> str:
    """7 days → '7d', 36 hours → '36h': the way rule files write durations."""
    hours = int(value.total_seconds() // 3600)
    return f"{hours // 24}d" if hours % 24 == 0 else f"{hours}h"
