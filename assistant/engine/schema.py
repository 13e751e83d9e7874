"""Load and validate rules/*.yaml into frozen rules. A typo fails at load, with file:line and the valid choices.

The format (version 1): `match` an entity; `when` conditions (all/any/not over {field, OP: value}, or the long
form {field, op, value}); `for` + `since` a duration since a timestamp; `send: {template, to}` and/or
`set: {field: value}` (`send: {template, to: coordinator, batch: daily}`: the firing becomes one entry of the
coordinators' daily list instead of a mail of its own); `repeat` and `max_sends`; `inhibited_by` other rules;
`quiet` the hours (in the recipient's time zone) when mail may go out; `allow_inactive` to mail paused people or
closed pairs; `on_time` for mail that means something only on time (held by the pace, it is judged again as of
today and dropped once its conditions no longer hold: a birthday note after the birthday is no note); `enabled`.
Conditions are data, never code: there is no eval, and `expr` is reserved for a safe expression language.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from assistant import yamlfile
from assistant.engine.fields import ENTITIES, Entity, recipients_for
from assistant.yamlfile import Located, YamlError

OPS = ("eq", "ne", "in", "not_in", "lt", "lte", "gt", "gte", "exists", "contains")
RULE_KEYS = {
    "name",
    "match",
    "when",
    "for",
    "since",
    "send",
    "set",
    "repeat",
    "max_sends",
    "inhibited_by",
    "quiet",
    "allow_inactive",
    "on_time",
    "enabled",
    "expr",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
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


BATCHES = ("daily",)  # `send.batch`: how a rule's mail to the coordinators may be gathered


@dataclass(frozen=True)
class Send:
    template: str
    to: str
    batch: str | None = None  # "daily": an entry of the coordinators' daily list (program/escalations.py)


@dataclass(frozen=True)
class Quiet:
    """Mail goes out only from `start` to `end` (local time of the recipient), on these weekdays (0 = Monday)."""

    start: time = time(8, 0)
    end: time = time(20, 0)
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)


DEFAULT_QUIET = Quiet()


@dataclass(frozen=True)
class Rule:
    name: str
    match: str
    when: Condition | None
    wait: timedelta  # `for`
    since: str | None
    send: Send | None
    set: tuple[tuple[str, str], ...]
    repeat: timedelta | None
    max_sends: int
    inhibited_by: tuple[str, ...]
    quiet: Quiet | None
    allow_inactive: bool
    enabled: bool
    where: str  # file:line, for messages
    on_time: bool = False  # held by the pace, judged as of today (not as of when it was due): late is dropped

    @property
    def entity(self) -> Entity:
        return ENTITIES[self.match]


def parse_duration(text: object) -> timedelta | None:
    found = _DURATION.match(str(text).strip())
    return int(found.group(1)) * _UNITS[found.group(2)] if found else None


def load_rules(folder: Path, templates: list[str] | None = None, form_keys: tuple[str, ...] = ()) -> list[Rule]:
    """Every rules/*.yaml, validated. `templates` (names) lets a missing template fail here, not at send time;
    `form_keys` are the check-in questions that `answers.<key>` may name. The first problem is raised."""
    rules, problems = read_rules(folder, templates, form_keys)
    if problems:
        raise problems[0]
    return rules


def read_rules(
    folder: Path, templates: list[str] | None = None, form_keys: tuple[str, ...] = ()
) -> tuple[list[Rule], list[YamlError]]:
    """The rules that are valid, and every problem (a rule at fault is left out; the others are still read), so
    `check` can list them all at once."""
    rules: list[Rule] = []
    problems: list[YamlError] = []
    for path in sorted(Path(folder).glob("*.yaml")):
        try:
            items = _items(path)
        except YamlError as exc:
            problems.append(exc)
            continue
        for i, item in enumerate(items):
            try:
                rules.append(_Parser(path, item, items.line_of(i), templates, form_keys).rule())
            except YamlError as exc:
                problems.append(exc)
    problems += _name_problems(rules)
    return rules, problems


def load_file(path: Path, templates: list[str] | None = None, form_keys: tuple[str, ...] = ()) -> list[Rule]:
    items = _items(path)
    return [_Parser(path, item, items.line_of(i), templates, form_keys).rule() for i, item in enumerate(items)]


def _items(path: Path) -> Any:
    data = yamlfile.load(path)
    if not isinstance(data, Located):
        raise YamlError(path, None, "a rules file is a mapping with `version: 1` and `rules:`")
    yamlfile.check_keys(data, {"version", "rules"}, "a rules file")
    if data.get("version") != 1:
        raise YamlError(path, data.line_of("version"), "`version: 1` is required (the only version there is)")
    items = data.get("rules") or []
    if not isinstance(items, list):
        raise YamlError(path, data.line_of("rules"), "`rules` must be a list")
    return items


def _name_problems(rules: list[Rule]) -> list[YamlError]:
    names = [r.name for r in rules]
    problems = []
    for rule in rules:
        if names.count(rule.name) > 1:
            problems.append(_error(rule.where, f"rule name {rule.name!r} is used twice"))
        problems += [
            _error(rule.where, f"inhibited_by names {other!r}, which is not a rule{_close(other, names)}")
            for other in rule.inhibited_by
            if other not in names
        ]
    return problems


class _Parser:
    """Reads one rule mapping; every error points at the line of the key at fault."""

    def __init__(self, path: Path, item: Any, line: int, templates: list[str] | None, form_keys: tuple[str, ...]):
        if not isinstance(item, Located):
            raise YamlError(path, line, "each rule is a mapping with name, match, when, send …")
        yamlfile.check_keys(item, RULE_KEYS, "a rule")
        self.path, self.item, self.templates, self.form_keys = path, item, templates, form_keys

    def where(self, key: str) -> str:
        return f"{self.path}:{self.item.line_of(key)}"

    def rule(self) -> Rule:
        item = self.item
        name = item.get("name")
        if not name or not isinstance(name, str):
            raise _error(self.where("name"), "every rule needs a `name`")
        if "expr" in item:
            raise _error(self.where("expr"), "`expr` is reserved for a future safe expression language; use `when`")
        match = item.get("match")
        if match not in ENTITIES:
            raise _error(self.where("match"), f"match {match!r} is not an entity; valid: {', '.join(ENTITIES)}")
        self.entity = ENTITIES[match]
        send, sets = self._send(), self._set()
        if send is None and not sets:
            raise _error(self.where("name"), "a rule needs an action: `send: {template, to}` and/or `set: {...}`")
        since, wait = self._since_and_wait()
        return Rule(
            name=name,
            match=match,
            when=self._condition(item["when"], self.where("when")) if item.get("when") is not None else None,
            wait=wait,
            since=since,
            send=send,
            set=sets,
            repeat=self._duration("repeat"),
            max_sends=self._max_sends(),
            inhibited_by=self._names("inhibited_by"),
            quiet=self._quiet(),
            allow_inactive=bool(item.get("allow_inactive", False)),
            enabled=bool(item.get("enabled", True)),
            where=self.where("name"),
            on_time=bool(item.get("on_time", False)),
        )

    def _since_and_wait(self) -> tuple[str | None, timedelta]:
        since = self.item.get("since")
        times = [n for n, f in self.entity.fields.items() if f.kind == "time"]
        if since is not None and since not in times:
            raise _error(
                self.where("since"),
                f"since {since!r} is not a timestamp of {self.entity.name}; valid: {', '.join(times)}",
            )
        wait = self._duration("for") or timedelta(0)
        if wait and since is None:
            raise _error(self.where("for"), "`for` needs `since`: the timestamp the duration is counted from")
        return since, wait

    def _duration(self, key: str) -> timedelta | None:
        if self.item.get(key) is None:
            return None
        value = parse_duration(self.item[key])
        if value is None:
            raise _error(self.where(key), f"{key} {self.item[key]!r} is not a duration; write e.g. 36h, 7d, 2w, 6mo")
        return value

    def _max_sends(self) -> int:
        value = self.item.get("max_sends", 1)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise _error(self.where("max_sends"), "max_sends must be a whole number, 1 or more")
        return value

    def _names(self, key: str) -> tuple[str, ...]:
        value = self.item.get(key, [])
        if not isinstance(value, list):
            raise _error(self.where(key), f"{key} must be a list of rule names")
        return tuple(str(x) for x in value)

    def _send(self) -> Send | None:
        value = self.item.get("send")
        if value is None:
            return None
        where = self.where("send")
        if not isinstance(value, Located) or not {"template", "to"} <= set(value) <= {"template", "to", "batch"}:
            raise _error(where, "send must be {template: NAME, to: WHO} (and, to the coordinator, batch: daily)")
        valid = recipients_for(self.entity)
        if value["to"] not in valid:
            raise _error(
                where, f"to {value['to']!r} is not a recipient of a {self.entity.name}; valid: {', '.join(valid)}"
            )
        if self.templates is not None and value["template"] not in self.templates:
            raise _error(
                where, f"template {value['template']!r} not found{_close(str(value['template']), self.templates)}"
            )
        return Send(template=str(value["template"]), to=str(value["to"]), batch=self._batch(value))

    def _batch(self, send: Located) -> str | None:
        """`batch: daily`: only for mail to the coordinators (a participant's mail is never held back for a list)."""
        if "batch" not in send:
            return None
        where = f"{self.path}:{send.line_of('batch')}"
        if send["batch"] not in BATCHES:
            raise _error(where, f"batch {send['batch']!r} is not a batch; valid: {', '.join(BATCHES)}")
        if send["to"] != "coordinator":
            raise _error(where, f"batch is only for mail to the coordinator, not to {send['to']!r}")
        return str(send["batch"])

    def _set(self) -> tuple[tuple[str, str], ...]:
        value = self.item.get("set")
        if value is None:
            return ()
        where = self.where("set")
        if not isinstance(value, dict) or not value:
            raise _error(where, "set must be a mapping like {pairing.status: closed}")
        for name, new in value.items():
            if name not in self.entity.settable:
                raise _error(
                    where, f"{name!r} cannot be set from a {self.entity.name}; valid: {', '.join(self.entity.settable)}"
                )
            allowed = self.entity.settable[name].values
            if new not in allowed:
                raise _error(where, f"{name} cannot become {new!r}; valid: {', '.join(allowed)}")
        return tuple((str(k), str(v)) for k, v in value.items())

    def _quiet(self) -> Quiet | None:
        value = self.item.get("quiet", "default")
        if value == "default":
            return DEFAULT_QUIET
        if value is False or value == "off":
            return None
        where = self.where("quiet")
        if not isinstance(value, Located):
            raise _error(where, "quiet is off, or {from: '08:00', to: '20:00', weekdays: [mon, tue, …]}")
        yamlfile.check_keys(value, {"from", "to", "weekdays"}, "quiet")
        days = value.get("weekdays", list(WEEKDAYS))
        if not isinstance(days, list) or any(d not in WEEKDAYS for d in days):
            raise _error(where, f"weekdays must be a list of {', '.join(WEEKDAYS)}")
        return Quiet(
            self._clock(value, "from", "08:00"),
            self._clock(value, "to", "20:00"),
            tuple(WEEKDAYS.index(d) for d in days),
        )

    def _clock(self, value: Located, key: str, default: str) -> time:
        text = value.get(key, default)
        if isinstance(text, int):  # YAML reads 08:00 unquoted as a base-60 number of minutes
            text = f"{text // 60:02d}:{text % 60:02d}"
        try:
            return time.fromisoformat(str(text))
        except ValueError:
            raise _error(self.where("quiet"), f"quiet {key} {text!r} is not a time like 08:00") from None

    def _condition(self, value: Any, where: str) -> Condition:
        if isinstance(value, Located):
            where = f"{self.path}:{value.line}"
        if not isinstance(value, dict) or not value:
            raise _error(where, "a condition is {all: [...]}, {any: [...]}, {not: ...} or {field: NAME, OP: VALUE}")
        if len(value) == 1 and next(iter(value)) in ("all", "any"):
            kind = next(iter(value))
            items = value[kind]
            if not isinstance(items, list) or not items:
                raise _error(where, f"{kind} needs a non-empty list of conditions")
            return Group(kind, tuple(self._condition(x, where) for x in items))
        if set(value) == {"not"}:
            return Group("not", (self._condition(value["not"], where),))
        return self._compare(value, where)

    def _compare(self, value: dict, where: str) -> Compare:
        name = value.get("field")
        if not isinstance(name, str) or self.entity.sql(name, self.form_keys) is None:
            answers = [f"answers.{k}" for k in self.form_keys] if self.entity.name == "checkin" else []
            valid = [*self.entity.fields, *answers]
            raise _error(
                where,
                f"field {name!r} does not exist for {self.entity.name}{_close(str(name), valid)};"
                f" valid: {', '.join(valid)}",
            )
        if "op" in value:  # the long form {field, op, value}
            op, operand, extra = value.get("op"), value.get("value"), set(value) - {"field", "op", "value"}
        else:
            ops = [k for k in value if k != "field"]
            op, operand = (ops[0], value[ops[0]]) if len(ops) == 1 else (None, None)
            extra = set(ops[1:])
        if op not in OPS or extra:
            raise _error(where, f"use exactly one operator: {', '.join(OPS)}")
        if op in ("in", "not_in") and not isinstance(operand, list):
            raise _error(where, f"{op} needs a list of values")
        return Compare(field=name, op=op, value=operand)


def _error(where: str, message: str) -> YamlError:
    path, _, line = where.rpartition(":")
    return YamlError(path, int(line) if line.isdigit() else None, message)


def _close(word: str, choices: Any) -> str:
    found = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {found[0]!r}?)" if found else ""
