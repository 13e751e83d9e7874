"""Facts for the rules, selected in SQL: per rule, only the entities it could act on now are loaded.

Each rule's conditions are translated to SQL where that is exact (see conditions.to_sql), its `for`/`since` becomes
a time cutoff, and entities it has already finished with (max_sends reached in this episode, or inhibited) are
left out by the firings table. The facts of the remaining candidates are loaded in one query per entity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso, iso
from assistant.engine.conditions import to_sql
from assistant.engine.evaluate import Fact, Firings
from assistant.engine.fields import ENTITIES, Entity
from assistant.engine.schema import Rule

CHUNK = 500


def candidate_ids(db: Database, rule: Rule, now: datetime) -> list[int]:
    entity = rule.entity
    params: dict[str, Any] = {"now": iso(now), "rule": rule.name, "prefix": f"{entity.name}:"}
    where = [to_sql(rule.when, entity, params) if rule.when else None]
    episode = "''"
    if rule.since:
        since = entity.fields[rule.since].sql
        params["cutoff"] = iso(now - rule.wait)
        where.append(f"{since} IS NOT NULL AND {since} <= :cutoff")
        episode = f"COALESCE({since}, '')"
    last_seq = 0 if rule.repeat is None else rule.max_sends - 1
    params["last_seq"] = last_seq
    where.append(
        f"NOT EXISTS (SELECT 1 FROM firings f WHERE f.rule = :rule AND f.entity = :prefix || {entity.key}"
        f" AND f.episode = {episode} AND f.seq >= :last_seq)"
    )
    if rule.inhibited_by:
        names = ", ".join(f":inhibit{i}" for i in range(len(rule.inhibited_by)))
        params.update({f"inhibit{i}": name for i, name in enumerate(rule.inhibited_by)})
        where.append(
            f"NOT EXISTS (SELECT 1 FROM firings f WHERE f.rule IN ({names}) AND f.entity = :prefix || {entity.key})"
        )
    clause = " AND ".join(f"({w})" for w in where if w)
    return [row[0] for row in db.execute(f"SELECT {entity.key} FROM {entity.source} WHERE {clause}", params)]


def load_facts(
    db: Database, entity: Entity, ids: Iterable[int], now: datetime, form_keys: tuple[str, ...]
) -> list[Fact]:
    names = list(entity.fields) + ([f"answers.{k}" for k in form_keys] if entity.name == "checkin" else [])
    columns = ", ".join(f'{entity.sql(n, form_keys).sql} AS "{n}"' for n in names)  # type: ignore[union-attr]
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


def gather(
    db: Database, rules: list[Rule], now: datetime, form_keys: tuple[str, ...]
) -> tuple[dict[str, list[Fact]], Firings]:
    """The facts every enabled rule needs now, and the firings of those entities."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for rule in rules:
        if rule.enabled:
            wanted[rule.match].update(candidate_ids(db, rule, now))
    facts = {name: load_facts(db, ENTITIES[name], ids, now, form_keys) for name, ids in wanted.items() if ids}
    return facts, load_firings(db, [f.entity for group in facts.values() for f in group])


def load_firings(db: Database, entities: list[str]) -> Firings:
    firings = Firings()
    for start in range(0, len(entities), CHUNK):
        part = entities[start : start + CHUNK]
        marks = ", ".join("?" * len(part))
        sql = f"SELECT rule, entity, episode, fired_at FROM firings WHERE entity IN ({marks}) ORDER BY seq"
        for row in db.query(sql, part):
            firings.add(row["rule"], row["entity"], row["episode"], from_iso(row["fired_at"]))
    return firings
