"""The pace PROGRAM.md keeps (at most one program mail a week to a person): who had program mail lately, and the
rules' mail that waits for its free slot in `deferred` instead of being dropped.

A paced intent is written to `deferred`, keyed like its firing (rule, entity, episode, repeat number). From
`not_before` on, each tick revives it, judged as of the moment it was first due (`due_at`): its window (a
`days_active lt 21`) is that moment's, while statuses, answers and people are today's. It is carried out at the first
tick where the pace allows, or dropped, with an event saying why, once it no longer applies (the pairing closed, a
recipient paused, the check-in was answered, a new episode began). A rule that says `on_time: true` (a birthday
note) is judged as of today instead: once its window has passed, it is dropped rather than sent late. The firing
stays the at-most-once guard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlite_utils import Database

from assistant.clock import from_iso, iso
from assistant.db import record_event, rows
from assistant.engine.conditions import holds
from assistant.engine.evaluate import Fact, Firings, Intent, inactive, inside, recipient_zones
from assistant.engine.facts import load_facts, load_firings
from assistant.engine.fields import ENTITIES
from assistant.engine.schema import Rule

CHUNK = 500  # addresses per query
PROGRAM_MAIL = "({o}dedupe_key LIKE 'rule:%' OR {o}template = 'checkin_prompt')"  # what pacing counts
RULE_MAIL = "{o}dedupe_key LIKE 'rule:%'"  # what paces a prompt (another prompt of the period is the same mail)
# Mail to more than one address ("a, b") or written oddly: read whole (the index holds only these rows).
SHARED = "(instr(to_addr, ',') > 0 OR instr(to_addr, ' ') > 0)"


def last_mailed(db: Database, addresses: Iterable[str], since: str, kind: str = PROGRAM_MAIL) -> dict[str, str]:
    """address → when it last had program mail (`kind`), for those of these addresses that had some after `since`.
    Looked up address by address, so the cost follows the mail of this tick, not the size of the outbox (a cycle
    day puts every participant in it)."""
    where = f"created_at > ? AND {kind.format(o='')}"
    found = list(db.execute(f"SELECT to_addr, created_at FROM outbox WHERE {SHARED} AND {where}", [since]))
    wanted = sorted(set(addresses))
    for start in range(0, len(wanted), CHUNK):
        part = wanted[start : start + CHUNK]
        marks = ", ".join("?" * len(part))
        found += db.execute(
            f"SELECT to_addr, created_at FROM outbox WHERE to_addr IN ({marks}) AND {where}", [*part, since]
        ).fetchall()
    latest: dict[str, str] = {}
    for to_addr, created_at in found:
        for address in (a.strip() for a in to_addr.split(",")):
            latest[address] = max(latest.get(address, ""), created_at)
    return latest


@dataclass(frozen=True)
class Held:
    """An intent the pace holds back, and the earliest moment it may go."""

    intent: Intent
    not_before: datetime


@dataclass(frozen=True)
class Settled:
    """A deferred intent that will not be revived: done (its firing exists) or dropped (`why`)."""

    rule: str
    entity: str
    episode: str
    seq: int
    why: str | None  # None: it was carried out


def revive(
    db: Database, rules: list[Rule], now: datetime, form_keys: tuple[str, ...], zone: tzinfo
) -> tuple[list[Intent], list[Settled]]:
    """The deferred intents whose slot may have come (`not_before` passed) that still apply, and those that no
    longer do. Each is judged as of its `due_at`, and waits (untouched) while outside the recipients' quiet window."""
    waiting = rows(db, "SELECT * FROM deferred WHERE not_before <= ? ORDER BY due_at, rule, entity", [iso(now)])
    if not waiting:
        return [], []
    by_name = {rule.name: rule for rule in rules if rule.enabled}
    facts = _facts_then(db, [w for w in waiting if w["rule"] in by_name], by_name, form_keys, now)
    firings = load_firings(db, sorted({w["entity"] for w in waiting}))
    intents, settled = [], []
    for row in waiting:
        rule = by_name.get(row["rule"])
        fact = facts.get((row["entity"], _judged_at(rule, row, now)))
        key = (row["rule"], row["entity"], row["episode"], row["seq"])
        fired = len(firings.of(row["rule"], row["entity"], row["episode"]))
        if fired > row["seq"]:
            settled.append(Settled(*key, None))
        elif why := _stale(rule, fact, row, fired, firings):
            settled.append(Settled(*key, why))
        elif rule and fact and _in_quiet_window(rule, fact, now, zone):
            reason = f"{row['reason']} (waited for the pace since {row['due_at'][:16]})"
            intents.append(Intent(rule=rule, fact=fact, episode=row["episode"], seq=row["seq"], reason=reason))
    return intents, settled


def _judged_at(rule: Rule | None, row: dict, now: datetime) -> str:
    """The moment a waiting intent is judged as of: when it was first due, or today for an `on_time` rule (a
    birthday note that could not go before the birthday is dropped, not sent late)."""
    return iso(now) if rule is not None and rule.on_time else row["due_at"]


def _facts_then(
    db: Database, waiting: list[dict], by_name: dict[str, Rule], form_keys: tuple[str, ...], now: datetime
) -> dict[tuple[str, str], Fact]:
    """(entity, moment) → the entity's fact as of the moment it is judged at (`_judged_at`): one query per entity
    kind and moment (a tick defers many intents at one moment)."""
    groups: dict[tuple[str, str], set[int]] = defaultdict(set)
    for row in waiting:
        rule = by_name[row["rule"]]
        name, _, number = row["entity"].partition(":")
        if name == rule.match and number.isdigit():
            groups[(name, _judged_at(rule, row, now))].add(int(number))
    return {
        (fact.entity, moment): fact
        for (name, moment), ids in groups.items()
        for fact in load_facts(db, ENTITIES[name], ids, from_iso(moment), form_keys)
    }


def _stale(rule: Rule | None, fact: Fact | None, row: dict, fired: int, firings: Firings) -> str | None:
    """Why a deferred intent no longer applies, or None when it still does."""
    if rule is None:
        return "its rule was removed or disabled"
    if fact is None:
        return f"{row['entity']} no longer exists"
    if why := inactive(rule, fact):  # the likeliest, and the most telling, first
        return why
    if rule.when is not None and not holds(rule.when, fact.fields):
        return "its conditions no longer hold"
    if rule.since and str(fact.fields.get(rule.since) or "") != row["episode"]:
        return f"{rule.since} moved: a new episode began"
    if any(firings.ever(other, row["entity"]) for other in rule.inhibited_by):
        return "a rule that inhibits it has fired"
    if fired != row["seq"]:
        return "its earlier repeat has not fired"
    return None


def _in_quiet_window(rule: Rule, fact: Fact, now: datetime, zone: tzinfo) -> bool:
    return not rule.quiet or all(inside(rule.quiet, now, z) for z in recipient_zones(rule, fact, zone))


def keep(db: Database, held: list[Held], settled: list[Settled], done: list[Intent], now: datetime) -> None:
    """After a tick: the held intents wait (a new one from now, one waiting again from its new `not_before`); the
    carried out and the stale leave `deferred`, each stale one with an event saying why it was dropped."""
    with db.atomic():
        db.conn.executemany(
            "INSERT INTO deferred (rule, entity, episode, seq, due_at, not_before, reason) VALUES (?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (rule, entity, episode, seq) DO UPDATE SET not_before = excluded.not_before",
            [(*_key(h.intent), iso(now), iso(h.not_before), h.intent.reason) for h in held],
        )
        this = "rule = ? AND entity = ? AND episode = ? AND seq = ?"
        db.conn.executemany(
            f"DELETE FROM deferred WHERE {this}", [(s.rule, s.entity, s.episode, s.seq) for s in settled]
        )
        # Only what did fire: an intent whose template failed keeps waiting (outbox/broken.py tells the coordinators).
        db.conn.executemany(
            f"DELETE FROM deferred WHERE {this} AND EXISTS (SELECT 1 FROM firings f WHERE f.rule = deferred.rule"
            " AND f.entity = deferred.entity AND f.episode = deferred.episode AND f.seq = deferred.seq)",
            [_key(i) for i in done],
        )
        for s in settled:
            if s.why:
                record_event(db, iso(now), "deferred_dropped", s.entity, rule=s.rule, why=s.why)


def _key(intent: Intent) -> tuple[str, str, str, int]:
    return intent.rule.name, intent.fact.entity, intent.episode, intent.seq
