"""The rules: validated with file:line at load, evaluated purely and deterministically."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from assistant.engine.evaluate import Fact, evaluate
from assistant.engine.schema import load_rules, parse_duration
from assistant.yamlfile import YamlError
from tests.conftest import ROOT, at


def _rules(tmp_path: Path, body: str) -> Path:
    (tmp_path / "r.yaml").write_text("version: 1\nrules:\n" + body)
    return tmp_path


REMINDER = """\
  - name: remind
    match: checkin
    when: {all: [{field: checkin.status, eq: awaiting}]}
    for: 7d
    since: checkin.sent_at
    send: {template: checkin_reminder, to: participant}
    repeat: 7d
    max_sends: 2
"""


def test_default_rules_load() -> None:
    names = [rule.name for rule in load_rules(ROOT / "rules")]
    assert names == ["checkin-reminder", "checkin-escalate", "coordinator-alert"]


@pytest.mark.parametrize(("text", "days"), [("7d", 7), ("2w", 14), ("36h", 1.5), ("6mo", 180)])
def test_durations(text: str, days: float) -> None:
    assert parse_duration(text) == timedelta(days=days)


@pytest.mark.parametrize(
    ("old", "new", "message", "line"),
    [
        ("checkin.status", "checkin.stauts", "did you mean 'checkin.status'", 5),
        ("eq: awaiting", "equals: awaiting", "use exactly one operator", 5),
        ("for: 7d", "for: 7 days", "not a duration", 6),
        ("to: participant", "to: everyone", "not a recipient", 8),
        ("match: checkin", "match: dinner", "not an entity", 4),
        ("since: checkin.sent_at", "since: checkin.status", "not a timestamp", 7),
    ],
)
def test_mistakes_name_file_line_and_choices(tmp_path: Path, old: str, new: str, message: str, line: int) -> None:
    folder = _rules(tmp_path, REMINDER.replace(old, new))
    with pytest.raises(YamlError, match=message) as error:
        load_rules(folder)
    assert error.value.path.endswith("r.yaml") and error.value.line == line


def test_unknown_template_fails_at_load(tmp_path: Path) -> None:
    with pytest.raises(YamlError, match="template 'checkin_remnder' not found"):
        load_rules(_rules(tmp_path, REMINDER.replace("checkin_reminder", "checkin_remnder")), ["checkin_reminder"])


def test_no_eval_anywhere(tmp_path: Path) -> None:
    with pytest.raises(YamlError, match="reserved"):
        load_rules(_rules(tmp_path, REMINDER + "    expr: __import__('os').system('true')\n"))


def _fact(**fields: str) -> Fact:
    return Fact("checkin:1", {"checkin.status": "awaiting", "checkin.sent_at": "2026-12-01T09:00:00+00:00", **fields})


def test_repeat_and_max_sends(tmp_path: Path) -> None:
    rules = load_rules(_rules(tmp_path, REMINDER))
    facts = {"checkin": [_fact()]}
    assert evaluate(rules, facts, {}, at("2026-12-07T23:59")) == []
    [first] = evaluate(rules, facts, {}, at("2026-12-08T09:00"))
    assert first.key == "remind:checkin:1:0"
    fired = {("remind", "checkin:1"): [at("2026-12-08T09:00")]}
    assert evaluate(rules, facts, fired, at("2026-12-14T09:00")) == []
    [second] = evaluate(rules, facts, fired, at("2026-12-15T09:00"))
    assert second.key == "remind:checkin:1:1"
    fired[("remind", "checkin:1")].append(at("2026-12-15T09:00"))
    assert evaluate(rules, facts, fired, at("2027-01-30T09:00")) == []


def test_after_an_outage_repeats_keep_their_interval(tmp_path: Path) -> None:
    rules = load_rules(_rules(tmp_path, REMINDER))
    fired = {("remind", "checkin:1"): [at("2026-12-20T09:00")]}  # the first fired late
    assert evaluate(rules, {"checkin": [_fact()]}, fired, at("2026-12-20T10:00")) == []


def test_conditions_and_numbers(tmp_path: Path) -> None:
    body = """\
  - name: alert
    match: checkin
    when:
      any:
        - {field: answers.rating, lte: 2}
        - not: {field: answers.help, exists: false}
    send: {template: coordinator_alert, to: coordinator}
"""
    rules = load_rules(_rules(tmp_path, body))
    now = at("2026-12-02T09:00")
    assert evaluate(rules, {"checkin": [_fact(**{"answers.rating": "2"})]}, {}, now)
    assert not evaluate(rules, {"checkin": [_fact(**{"answers.rating": "10"})]}, {}, now)
    assert not evaluate(rules, {"checkin": [_fact()]}, {}, now)
    assert evaluate(rules, {"checkin": [_fact(**{"answers.help": "please"})]}, {}, now)


def test_inhibited_by(tmp_path: Path) -> None:
    escalate = REMINDER.replace("name: remind", "name: escalate").replace("    repeat: 7d\n    max_sends: 2\n", "")
    body = REMINDER + "    inhibited_by: [escalate]\n" + escalate
    rules = load_rules(_rules(tmp_path, body))
    fired = {("escalate", "checkin:1"): [at("2026-12-08T09:00")]}
    assert [i.rule.name for i in evaluate(rules, {"checkin": [_fact()]}, fired, at("2026-12-08T10:00"))] == []
