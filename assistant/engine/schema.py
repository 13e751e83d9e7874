"""Load and validate rules/*.yaml into frozen rules. A typo fails at load, with file:line and the valid choices.

The format (version 1) follows ARCHITECTURE.md: `match` an entity, `when` conditions (all/any/not over
{field, op: value}), `for` + `since` a duration since a timestamp, `send` a template to someone, `repeat` and
`max_sends`, `inhibited_by` other rules. Conditions are data, never code: there is no eval.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from assistant import yamlfile
from assistant.engine.fields import FIELDS, RECIPIENTS, TIMESTAMPS
from assistant.yamlfile import Located, YamlError

OPS = ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "exists", "contains")
RULE_KEYS = {"name", "match", "when", "for", "since", "send", "repeat", "max_sends", "inhibited_by", "enabled", "expr"}
_DURATION = re.compile(r"^(\d+)(mo|w|d|h|m)$")
_UNITS = {
    "mo": timedelta(days=30),
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
}


@dataclass(frozen=True)
class Compare:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Group:
    kind: str  # all | any | not
    items: tuple[Compare | Group, ...]


Condition = Compare | Group


@dataclass(frozen=True)
class Send:
    template: str
    to: str


@dataclass(frozen=True)
class Rule:
    name: str
    match: str
    when: Condition | None
    wait: timedelta  # `for`
    since: str | None
    send: Send | None
    repeat: timedelta | None
    max_sends: int
    inhibited_by: tuple[str, ...]
    enabled: bool
    where: str  # file:line, for messages


def parse_duration(text: object) -> timedelta | None:
    match = _DURATION.match(str(text).strip())
    return int(match.group(1)) * _UNITS[match.group(2)] if match else None


def load_rules(folder: Path, templates: list[str] | None = None) -> list[Rule]:
    """Every rules/*.yaml, validated. `templates` (names) lets a missing template fail here, not at send time."""
    rules: list[Rule] = []
    for path in sorted(Path(folder).glob("*.yaml")):
        rules.extend(_load_file(path, templates))
    names = [r.name for r in rules]
    for rule in rules:
        if names.count(rule.name) > 1:
            raise YamlError(
                rule.where.rsplit(":", 1)[0],
                int(rule.where.rsplit(":", 1)[1]),
                f"rule name {rule.name!r} is used twice",
            )
        for other in rule.inhibited_by:
            if other not in names:
                raise _error(rule.where, f"inhibited_by names {other!r}, which is not a rule{_close(other, names)}")
    return rules


def _load_file(path: Path, templates: list[str] | None) -> list[Rule]:
    data = yamlfile.load(path)
    if not isinstance(data, Located):
        raise YamlError(path, None, "a rules file is a mapping with `version: 1` and `rules:`")
    yamlfile.check_keys(data, {"version", "rules"}, "a rules file")
    if data.get("version") != 1:
        raise YamlError(path, data.line_of("version"), "`version: 1` is required (the only version there is)")
    items = data.get("rules") or []
    if not isinstance(items, list):
        raise YamlError(path, data.line_of("rules"), "`rules` must be a list")
    return [_rule(path, item, items.line_of(i), templates) for i, item in enumerate(items)]


def _rule(path: Path, item: Any, line: int, templates: list[str] | None) -> Rule:
    if not isinstance(item, Located):
        raise YamlError(path, line, "each rule is a mapping with name, match, when, send …")
    yamlfile.check_keys(item, RULE_KEYS, "a rule")
    where = lambda key: f"{path}:{item.line_of(key)}"  # noqa: E731
    name = item.get("name")
    if not name or not isinstance(name, str):
        raise _error(where("name"), "every rule needs a `name`")
    if "expr" in item:
        raise _error(where("expr"), "`expr` is reserved for a future safe expression language; use `when`")
    match = item.get("match")
    if match not in FIELDS:
        raise _error(where("match"), f"match {match!r} is not an entity; valid: {', '.join(FIELDS)}")
    since = item.get("since")
    if since is not None and since not in TIMESTAMPS[match]:
        raise _error(
            where("since"), f"since {since!r} is not a timestamp of {match}; valid: {', '.join(TIMESTAMPS[match])}"
        )
    wait = _duration(item, "for", where) or timedelta(0)
    if wait and since is None:
        raise _error(where("for"), "`for` needs `since`: the timestamp the duration is counted from")
    repeat = _duration(item, "repeat", where)
    max_sends = item.get("max_sends", 1)
    if not isinstance(max_sends, int) or max_sends < 1:
        raise _error(where("max_sends"), "max_sends must be a whole number, 1 or more")
    inhibited = item.get("inhibited_by", [])
    if not isinstance(inhibited, list):
        raise _error(where("inhibited_by"), "inhibited_by must be a list of rule names")
    return Rule(
        name=name,
        match=match,
        when=_condition(item.get("when"), match, where("when"), path) if item.get("when") is not None else None,
        wait=wait,
        since=since,
        send=_send(item.get("send"), where("send"), templates),
        repeat=repeat,
        max_sends=max_sends,
        inhibited_by=tuple(str(x) for x in inhibited),
        enabled=bool(item.get("enabled", True)),
        where=where("name"),
    )


def _duration(item: Located, key: str, where: Any) -> timedelta | None:
    if item.get(key) is None:
        return None
    value = parse_duration(item[key])
    if value is None:
        raise _error(where(key), f"{key} {item[key]!r} is not a duration; write e.g. 36h, 7d, 2w, 6mo")
    return value


def _send(value: Any, where: str, templates: list[str] | None) -> Send | None:
    if value is None:
        return None
    if not isinstance(value, Located) or set(value) != {"template", "to"}:
        raise _error(where, "send must be {template: NAME, to: WHO}")
    if value["to"] not in RECIPIENTS:
        raise _error(where, f"to {value['to']!r} is not a recipient; valid: {', '.join(RECIPIENTS)}")
    if templates is not None and value["template"] not in templates:
        raise _error(where, f"template {value['template']!r} not found{_close(value['template'], templates)}")
    return Send(template=str(value["template"]), to=str(value["to"]))


def _condition(value: Any, match: str, where: str, path: Path) -> Condition:
    if isinstance(value, Located):
        where = f"{path}:{value.line}"
    if not isinstance(value, dict) or not value:
        raise _error(where, "a condition is {all: [...]}, {any: [...]}, {not: ...} or {field: NAME, OP: VALUE}")
    if set(value) <= {"all", "any"} and len(value) == 1:
        kind = next(iter(value))
        items = value[kind]
        if not isinstance(items, list) or not items:
            raise _error(where, f"{kind} needs a non-empty list of conditions")
        return Group(kind, tuple(_condition(x, match, where, path) for x in items))
    if set(value) == {"not"}:
        return Group("not", (_condition(value["not"], match, where, path),))
    return _compare(value, match, where)


def _compare(value: dict, match: str, where: str) -> Compare:
    field = value.get("field")
    valid = FIELDS[match]
    if field not in valid and not (isinstance(field, str) and field.startswith("answers.")):
        choices = ", ".join((*valid, "answers.<question key>"))
        raise _error(where, f"field {field!r} does not exist for {match}{_close(str(field), valid)}; valid: {choices}")
    if "op" in value:  # the long form {field, op, value}
        op, operand = value.get("op"), value.get("value")
        extra = set(value) - {"field", "op", "value"}
    else:
        ops = [k for k in value if k != "field"]
        op, operand = (ops[0], value[ops[0]]) if len(ops) == 1 else (None, None)
        extra = set(ops[1:])
    if op not in OPS or extra:
        raise _error(where, f"use exactly one operator: {', '.join(OPS)}")
    if op in ("in", "not_in") and not isinstance(operand, list):
        raise _error(where, f"{op} needs a list of values")
    return Compare(field=field, op=op, value=operand)


def _error(where: str, message: str) -> YamlError:
    path, _, line = where.rpartition(":")
    return YamlError(path, int(line) if line.isdigit() else None, message)


def _close(word: str, choices: Any) -> str:
    found = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {found[0]!r}?)" if found else ""
