"""Rule tests as data, like promtool's: given facts, earlier firings and a moment, these intents are expected.

A test file (rules/tests/*.yaml):

    tests:
      - name: a reminder a week after the prompt
        now: 2026-12-08T10:00
        facts:
          checkin:
            - {entity: checkin:1, checkin.status: awaiting, checkin.sent_at: 2026-12-01T09:00, …}
        fired:                    # optional: what fired before
          - {rule: checkin-reminder, entity: checkin:1, episode: 2026-12-01T09:00, at: 2026-12-08T10:00}
        expect:                   # the intents, exactly; [] means nothing may fire
          - {rule: checkin-reminder, entity: checkin:1, seq: 0}
        only: [checkin-reminder]  # optional: judge only these rules

Times without an offset are read in UTC; fields ending in _at are normalised like the database's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant import yamlfile
from assistant.clock import iso
from assistant.engine.evaluate import Fact, Firings, evaluate
from assistant.engine.fields import ENTITIES
from assistant.engine.schema import Rule
from assistant.yamlfile import Located, YamlError


@dataclass(frozen=True)
class Outcome:
    name: str
    where: str
    passed: bool
    detail: str = ""


def run_file(path: Path, rules: list[Rule]) -> list[Outcome]:
    data = yamlfile.load(path)
    if not isinstance(data, Located) or not isinstance(data.get("tests"), list):
        raise YamlError(path, None, "a rule test file is a mapping with `tests:` (a list)")
    yamlfile.check_keys(data, {"tests", "timezone"}, "a rule test file")
    try:
        zone = ZoneInfo(str(data.get("timezone", "UTC")))
    except (ZoneInfoNotFoundError, ValueError):
        raise YamlError(path, data.line_of("timezone"), "timezone: not a known time zone, e.g. Europe/London") from None
    tests = data["tests"]
    return [_run_checked(path, test, tests.line_of(i), rules, zone) for i, test in enumerate(tests)]


def _run_checked(path: Path, test: Any, line: int, rules: list[Rule], zone: ZoneInfo) -> Outcome:
    """One test, a malformed one reported at its line: a wrong date or a fact without an entity is a problem in the
    file, said as one, never a traceback."""
    try:
        return _run(path, test, line, rules, zone)
    except KeyError as exc:
        raise YamlError(path, line, f"this test lacks {exc.args[0]!r} ({_SHAPE})") from None
    except (ValueError, TypeError, AttributeError, IndexError) as exc:
        raise YamlError(path, line, f"this test is not well formed: {exc} ({_SHAPE})") from None


_SHAPE = (
    "a test has now: <date and time>, facts: {kind: [{entity: kind:id, field: value}]}, "
    "fired: [{rule, entity, at}], expect: [{rule, entity, seq}]"
)


def _run(path: Path, test: Any, line: int, rules: list[Rule], zone: ZoneInfo) -> Outcome:
    where = f"{path}:{line}"
    if not isinstance(test, Located):
        raise YamlError(path, line, "each test is a mapping with name, now, facts and expect")
    yamlfile.check_keys(test, {"name", "now", "facts", "fired", "expect", "only"}, "a rule test")
    if "now" not in test:
        raise YamlError(path, line, "a test needs `now:`, the moment it is judged at")
    chosen = [r for r in rules if not test.get("only") or r.name in test["only"]]
    unknown = set(test.get("only") or []) - {r.name for r in rules}
    if unknown:
        raise YamlError(path, test.line_of("only"), f"no such rule: {', '.join(sorted(unknown))}")
    facts = {kind: [_fact(item) for item in items] for kind, items in (test.get("facts") or {}).items()}
    firings = Firings(
        (f["rule"], f["entity"], _time(f.get("episode", "")), datetime.fromisoformat(_time(f["at"])))
        for f in test.get("fired") or []
    )
    now = datetime.fromisoformat(_time(test["now"]))
    got = sorted((i.rule.name, i.fact.entity, i.seq) for i in evaluate(chosen, facts, firings, now, zone))
    want = sorted((e["rule"], e["entity"], int(e.get("seq", 0))) for e in test.get("expect") or [])
    if got == want:
        return Outcome(str(test.get("name", where)), where, True)
    return Outcome(str(test.get("name", where)), where, False, f"expected {_show(want)}, got {_show(got)}")


def _fact(item: dict[str, Any]) -> Fact:
    kind = str(item.get("entity", "")).partition(":")[0]
    times = {n for n, f in ENTITIES[kind].fields.items() if f.kind == "time"} if kind in ENTITIES else set()
    fields = {
        k: (_time(v) if k.endswith("_at") or k in times or isinstance(v, datetime | date) else v)
        for k, v in item.items()
    }
    entity = str(fields.pop("entity"))
    kind, _, number = entity.partition(":")
    if not number.isdigit():
        raise ValueError(f"entity {entity!r} is not kind:number, e.g. checkin:1")
    fields.setdefault(f"{kind}.id", int(number))
    return Fact(entity=entity, fields=fields)


def _time(value: Any) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    else:
        moment = datetime.fromisoformat(str(value))
    return iso(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def _show(intents: list[tuple[str, str, int]]) -> str:
    return "[" + ", ".join(f"{r} {e} #{s}" for r, e, s in intents) + "]" if intents else "nothing"
