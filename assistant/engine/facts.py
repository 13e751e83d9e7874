"""Facts for the rules, selected in SQL: per rule, only the entities it could act on now are loaded.

Each rule's conditions are translated to SQL where that is exact (see conditions.to_sql), its `for`/`since` becomes
a time cutoff, and entities it has already finished with (max_sends reached in this episode, or inhibited, or
fired too recently to repeat) are left out by the firings table. The facts of the remaining candidates are loaded
in one query per entity, with only the fields the rules read to judge them (`needed`); the intents that remain
get every field, for their templates (`complete`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any, NamedTuple

from sqlite_utils import Database

from assistant.clock import from_iso, iso
from assistant.engine.conditions import Narrowings, to_sql
from assistant.engine.evaluate import Fact, Firings, Intent
from assistant.engine.fields import ENTITIES, Entity
from assistant.engine.schema import Compare, Condition, Rule

CHUNK = 500


# A further narrowing a caller vouches for: given a rule and the query's parameters (to add its own), an SQL term
# that holds for every entity the caller would keep, or None. followup.py leaves out people it would pace.
Narrowing = Callable[[Rule, dict[str, Any]], str | None]


def candidate_ids(db: Database, rule: Rule, now: datetime, narrow: Narrowing | None = None) -> list[int]:
    """The ids of the entities this rule could act on now: a superset, selected with indexes where possible."""
    entity = rule.entity
    params: dict[str, Any] = {"now": iso(now), "rule": rule.name, "prefix": f"{entity.name}:"}
    narrowings = Narrowings()  # the `since` and the conditions are conjuncts: their cohort tests make one term
    when = to_sql(rule.when, entity, params, narrowings) if rule.when else None
    where, episode = [], "''"
    if rule.since:
        since = entity.fields[rule.since]
        params["cutoff"] = iso(now - rule.wait)
        reached = f"{since.sql} IS NOT NULL AND {since.sql} <= :cutoff"
        where += [narrowings.present(since, reached), reached]
        episode = f"COALESCE({since.sql}, '')"
    where += _not_finished(rule, entity.key, episode, now, params)
    # SQLite tests the terms in this order: the conditions last, as they may read other tables for every row.
    where += [narrow(rule, params) if narrow else None, when]
    clause = " AND ".join(f"({w})" for w in [*narrowings.terms(), *where] if w)
    return [row[0] for row in db.execute(f"SELECT {entity.key} FROM {entity.source} WHERE {clause}", params)]


def _not_finished(rule: Rule, key: str, episode: str, now: datetime, params: dict[str, Any]) -> list[str]:
    """What the firings table rules out: max_sends reached in this episode, a repeat not due yet, an inhibitor."""
    this = f"f.rule = :rule AND f.entity = :prefix || {key} AND f.episode = {episode}"
    params["last_seq"] = 0 if rule.repeat is None else rule.max_sends - 1
    if rule.repeat is None:
        terms = [f"NOT EXISTS (SELECT 1 FROM firings f WHERE {this} AND f.seq >= :last_seq)"]
    else:
        # The episode's last firing, in one lookup: finished when it was the last allowed; and a repeat is never
        # due sooner than `repeat` after it (evaluate._due), so an entity that fired more recently is not a
        # candidate yet. Without this, every pending repeat would be loaded each tick.
        params["recent"] = iso(now - rule.repeat)
        terms = [
            f"COALESCE((SELECT f.seq >= :last_seq OR f.fired_at > :recent FROM firings f WHERE {this}"
            " ORDER BY f.seq DESC LIMIT 1), 0) = 0"
        ]
    if rule.inhibited_by:
        names = ", ".join(f":inhibit{i}" for i in range(len(rule.inhibited_by)))
        params.update({f"inhibit{i}": name for i, name in enumerate(rule.inhibited_by)})
        terms.append(f"NOT EXISTS (SELECT 1 FROM firings f WHERE f.rule IN ({names}) AND f.entity = :prefix || {key})")
    return terms


def load_facts(
    db: Database,
    entity: Entity,
    ids: Iterable[int],
    now: datetime,
    form_keys: tuple[str, ...],
    names: Iterable[str] | None = None,
) -> list[Fact]:
    """The facts of these entities: every field, or only `names` (and always the entity's id)."""
    every = list(entity.fields) + ([f"answers.{k}" for k in form_keys] if entity.name == "checkin" else [])
    wanted = set(every if names is None else names) | {f"{entity.name}.id"}
    columns = ", ".join(f'{entity.sql(n, form_keys).sql} AS "{n}"' for n in every if n in wanted)  # type: ignore[union-attr]
    facts = []
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        params = {"now": iso(now), **{f"id{i}": v for i, v in enumerate(part)}}
        marks = ", ".join(f":id{i}" for i in range(len(part)))
        sql = f"SELECT {columns} FROM {entity.source} WHERE {entity.key} IN ({marks})"
        for row in db.query(sql, params):
            facts.append(Fact(entity=f"{entity.name}:{row[f'{entity.name}.id']}", fields=row))
    return facts


def needed(rules: Iterable[Rule], entity: Entity) -> set[str]:
    """The fields judging and pacing read (evaluate.judge, followup.recipients): every rule's conditions and
    `since`, the entity's ids and statuses, and each person's status, time zone, name and address. A fact must carry
    what every rule of its entity reads, since each of them judges it."""
    names = {n for n in entity.fields if n.endswith((".id", ".status"))}
    for prefix in entity.people.values():
        names |= {f"{prefix}.{f}" for f in ("status", "timezone", "name", "email")}
    for rule in rules:
        if rule.match == entity.name:
            names |= {c.field for c in _compares(rule.when)} | ({rule.since} if rule.since else set())
    return names


def _compares(condition: Condition | None) -> Iterator[Compare]:
    if isinstance(condition, Compare):
        yield condition
    elif condition is not None:
        for item in condition.items:
            yield from _compares(item)


class Gathered(NamedTuple):
    facts: dict[str, list[Fact]]  # by entity name, with the fields the rules read
    firings: Firings  # of those entities
    candidates: dict[str, set[str]]  # rule name → the entity keys ("pairing:3") it selected


def gather(
    db: Database, rules: list[Rule], now: datetime, form_keys: tuple[str, ...], narrow: Narrowing | None = None
) -> Gathered:
    """The candidates of every enabled rule, their facts (the fields the rules read), and their firings."""
    candidates: dict[str, set[str]] = {}
    wanted: dict[str, set[int]] = defaultdict(set)
    for rule in rules:
        if rule.enabled:
            ids = candidate_ids(db, rule, now, narrow)
            candidates[rule.name] = {f"{rule.match}:{i}" for i in ids}
            wanted[rule.match].update(ids)
    facts = {
        name: load_facts(db, ENTITIES[name], ids, now, form_keys, needed(rules, ENTITIES[name]))
        for name, ids in wanted.items()
        if ids
    }
    return Gathered(facts, load_firings(db, [f.entity for group in facts.values() for f in group]), candidates)


def complete(db: Database, intents: list[Intent], now: datetime, form_keys: tuple[str, ...]) -> list[Intent]:
    """The same intents, each fact with every field (templates may use any). Loaded only for what will be done."""
    ids: dict[str, set[int]] = defaultdict(set)
    for intent in intents:
        name, _, number = intent.fact.entity.partition(":")
        ids[name].add(int(number))
    full = {
        fact.entity: fact for name, some in ids.items() for fact in load_facts(db, ENTITIES[name], some, now, form_keys)
    }
    return [replace(intent, fact=full[intent.fact.entity]) for intent in intents]


def load_firings(db: Database, entities: list[str]) -> Firings:
    firings = Firings()
    for start in range(0, len(entities), CHUNK):
        part = entities[start : start + CHUNK]
        marks = ", ".join("?" * len(part))
        sql = f"SELECT rule, entity, episode, fired_at FROM firings WHERE entity IN ({marks}) ORDER BY seq"
        for row in db.query(sql, part):
            firings.add(row["rule"], row["entity"], row["episode"], from_iso(row["fired_at"]))
    return firings
