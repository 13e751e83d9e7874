"""Pure evaluation: (rules, facts, firings so far, now) → intents, each with a deterministic key and a reason.

Like an alerting rule: a rule holds for a duration since a timestamp, fires, may repeat at an interval up to
`max_sends`, and is silenced when a rule it is inhibited by has fired for the same entity. Firings are counted
per *episode*, the value of the `since` timestamp: when a pair meets again, `pairing.last_met_at` moves and a
later silence is a new episode. Mail waits for the recipient's quiet window. The same inputs always give the
same intents, so a tick run twice, or again after a crash, adds nothing new.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.clock import from_iso
from assistant.engine.conditions import holds
from assistant.engine.schema import Quiet, Rule


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
    episode: str  # the `since` value this firing belongs to ("" without since)
    seq: int  # 0 for the first firing in the episode, 1 for the first repeat …
    reason: str

    @property
    def key(self) -> str:
        return f"{self.rule.name}:{self.fact.entity}:{self.episode}:{self.seq}"


class Firings:
    """What has fired so far: by (rule, entity, episode) in order, and whether a rule ever fired for an entity."""

    def __init__(self, rows: Iterable[tuple[str, str, str, datetime]] = ()):
        self._by_episode: dict[tuple[str, str, str], list[datetime]] = {}
        self._any: set[tuple[str, str]] = set()
        for rule, entity, episode, at in rows:
            self.add(rule, entity, episode, at)

    def add(self, rule: str, entity: str, episode: str, at: datetime) -> None:
        self._by_episode.setdefault((rule, entity, episode), []).append(at)
        self._any.add((rule, entity))

    def of(self, rule: str, entity: str, episode: str) -> Sequence[datetime]:
        return self._by_episode.get((rule, entity, episode), ())

    def ever(self, rule: str, entity: str) -> bool:
        return (rule, entity) in self._any


@dataclass(frozen=True)
class Verdict:
    """Why a rule would or would not fire for one entity now (for `rules explain`)."""

    fires: bool
    reason: str
    intent: Intent | None = None


def evaluate(
    rules: Iterable[Rule],
    facts: Mapping[str, Sequence[Fact]],
    firings: Firings,
    now: datetime,
    zone: tzinfo,
    candidates: Mapping[str, Collection[str]] | None = None,
) -> list[Intent]:
    """Every rule judged on the facts of its entity, in file order. With `candidates` (rule name → entity keys, a
    superset of what the rule can fire for: facts.candidate_ids), a rule judges only its own candidates."""
    intents = []
    for rule in rules:
        mine = None if candidates is None else candidates.get(rule.name, ())
        for fact in facts.get(rule.match, ()):
            if mine is not None and fact.entity not in mine:
                continue
            verdict = judge(rule, fact, firings, now, zone)
            if verdict.intent:
                intents.append(verdict.intent)
    return intents


def judge(rule: Rule, fact: Fact, firings: Firings, now: datetime, zone: tzinfo) -> Verdict:
    """Every test a rule applies, in order; the first that fails is the reason it does not fire."""
    if not rule.enabled:
        return Verdict(False, "the rule is disabled (enabled: false)")
    if rule.when is not None and not holds(rule.when, fact.fields):
        return Verdict(False, "its conditions do not hold")
    if not rule.allow_inactive and (why := inactive(rule, fact)):
        return Verdict(False, f"{why} (a rule mails them only with allow_inactive: true)")
    episode = str(fact.fields.get(rule.since) or "") if rule.since else ""
    if rule.since and not episode:
        return Verdict(False, f"{rule.since} is empty: the moment it counts from has not happened")
    for other in rule.inhibited_by:
        if firings.ever(other, fact.entity):
            return Verdict(False, f"inhibited: {other} has fired for {fact.entity}")
    fired = firings.of(rule.name, fact.entity, episode)
    if len(fired) >= rule.max_sends or (fired and rule.repeat is None):
        return Verdict(False, f"already fired {len(fired)} time(s) of max_sends {rule.max_sends}")
    due = _due(rule, episode, fired, now)
    if now < due:
        return Verdict(False, f"not yet: due {due.isoformat(timespec='minutes')}")
    if rule.send and rule.quiet and not all(inside(rule.quiet, now, z) for z in recipient_zones(rule, fact, zone)):
        return Verdict(False, "waiting for the recipient's quiet window (local time, see `quiet`)")
    since = f", {rule.since} = {episode}" if rule.since else ""
    due_at = due.isoformat(timespec="minutes")
    reason = f"{rule.name} #{len(fired) + 1} for {fact.entity}: conditions hold{since}, due {due_at}"
    return Verdict(True, reason, Intent(rule=rule, fact=fact, episode=episode, seq=len(fired), reason=reason))


def inactive(rule: Rule, fact: Fact) -> str | None:
    """A closed pairing, or a recipient who paused or left: never mailed unless the rule says so."""
    if fact.fields.get("pairing.status") == "closed" and rule.send:
        return "the pairing is closed"
    for person in _people(rule):
        status = fact.fields.get(f"{person}.status")
        if status not in (None, "active"):
            return f"the {person} is {status}"
    return None


def _people(rule: Rule) -> list[str]:
    if rule.send is None or rule.send.to == "coordinator":
        return []
    return ["mentor", "mentee"] if rule.send.to == "pair" else [rule.send.to]


def recipient_zones(rule: Rule, fact: Fact, zone: tzinfo) -> list[tzinfo]:
    zones = [_zone(fact.fields.get(f"{person}.timezone"), zone) for person in _people(rule)]
    return zones or [zone]


def inside(quiet: Quiet, now: datetime, zone: tzinfo) -> bool:
    local = now.astimezone(zone)
    return local.weekday() in quiet.weekdays and quiet.start <= local.time().replace(tzinfo=None) < quiet.end


def _zone(name: Any, default: tzinfo) -> tzinfo:
    try:
        return ZoneInfo(name) if name else default
    except (ZoneInfoNotFoundError, ValueError):
        return default


def _due(rule: Rule, episode: str, fired: Sequence[datetime], now: datetime) -> datetime:
    start = from_iso(episode) if episode else None
    if not fired:
        return start + rule.wait if start else now
    assert rule.repeat is not None
    scheduled = start + rule.wait + len(fired) * rule.repeat if start else fired[-1] + rule.repeat
    # After an outage, repeats still keep their interval instead of all firing at once.
    return max(scheduled, fired[-1] + rule.repeat)
