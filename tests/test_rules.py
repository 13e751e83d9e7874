"""The rules: validated with file:line at load, evaluated purely and deterministically, selected in SQL."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from assistant.engine.evaluate import Fact, Firings, evaluate
from assistant.engine.schema import load_rules, parse_duration
from assistant.yamlfile import YamlError
from tests.conftest import ROOT, at

UTC = ZoneInfo("UTC")
FORM_KEYS = ("met", "meetings", "topics", "rating", "help")


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
    names = [rule.name for rule in load_rules(ROOT / "rules", form_keys=FORM_KEYS)]
    assert names[:3] == ["checkin-reminder", "checkin-escalate", "coordinator-alert"]
    assert {"mentee-nudge", "expectations-check", "pay-it-forward", "closing-thanks"} <= set(names)


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
        ("max_sends: 2", "max_sends: two", "whole number", 10),
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


def test_answers_fields_must_be_questions_of_the_form(tmp_path: Path) -> None:
    body = REMINDER.replace("checkin.status, eq: awaiting", "answers.ratng, lte: 2")
    with pytest.raises(YamlError, match=r"did you mean 'answers\.rating'"):
        load_rules(_rules(tmp_path, body), form_keys=FORM_KEYS)


def test_set_is_checked(tmp_path: Path) -> None:
    body = REMINDER + "    set: {pairing.status: finished}\n"
    with pytest.raises(YamlError, match=r"pairing\.status cannot become 'finished'; valid: proposed"):
        load_rules(_rules(tmp_path, body))


def test_no_eval_anywhere(tmp_path: Path) -> None:
    with pytest.raises(YamlError, match="reserved"):
        load_rules(_rules(tmp_path, REMINDER + "    expr: __import__('os').system('true')\n"))


def _fact(**fields: str) -> Fact:
    base = {
        "checkin.status": "awaiting",
        "checkin.sent_at": "2026-12-01T09:00:00+00:00",
        "participant.status": "active",
        "participant.timezone": "UTC",
        "pairing.status": "active",
    }
    return Fact("checkin:1", {**base, **fields})


def _keys(rules: list, facts: list[Fact], firings: Firings, when: str) -> list[str]:
    return [i.key for i in evaluate(rules, {"checkin": facts}, firings, at(when), UTC)]


def test_repeat_and_max_sends(tmp_path: Path) -> None:
    rules = load_rules(_rules(tmp_path, REMINDER))
    facts, episode = [_fact()], "2026-12-01T09:00:00+00:00"
    assert _keys(rules, facts, Firings(), "2026-12-08T08:59") == []
    assert _keys(rules, facts, Firings(), "2026-12-08T09:00") == [f"remind:checkin:1:{episode}:0"]
    fired = Firings([("remind", "checkin:1", episode, at("2026-12-08T09:00"))])
    assert _keys(rules, facts, fired, "2026-12-14T09:00") == []
    assert _keys(rules, facts, fired, "2026-12-15T09:00") == [f"remind:checkin:1:{episode}:1"]
    fired.add("remind", "checkin:1", episode, at("2026-12-15T09:00"))
    assert _keys(rules, facts, fired, "2027-01-30T09:00") == []


def test_after_an_outage_repeats_keep_their_interval(tmp_path: Path) -> None:
    rules = load_rules(_rules(tmp_path, REMINDER))
    fired = Firings([("remind", "checkin:1", "2026-12-01T09:00:00+00:00", at("2026-12-20T09:00"))])
    assert _keys(rules, [_fact()], fired, "2026-12-20T10:00") == []


def test_quiet_window_in_the_recipients_time_zone(tmp_path: Path) -> None:
    rules = load_rules(_rules(tmp_path, REMINDER))
    tokyo = _fact(**{"participant.timezone": "Asia/Tokyo"})
    assert _keys(rules, [tokyo], Firings(), "2026-12-08T12:00") == []  # 21:00 in Tokyo
    assert _keys(rules, [tokyo], Firings(), "2026-12-08T23:30")  # 08:30 the next morning there
    weekdays = _rules(
        tmp_path, REMINDER + "    quiet: {from: '09:00', to: '17:00', weekdays: [mon, tue, wed, thu, fri]}\n"
    )
    rules = load_rules(weekdays)
    assert _keys(rules, [_fact()], Firings(), "2026-12-12T10:00") == []  # a Saturday
    assert _keys(rules, [_fact()], Firings(), "2026-12-14T10:00")  # Monday


def test_paused_people_and_closed_pairs_are_not_mailed(tmp_path: Path) -> None:
    rules = load_rules(_rules(tmp_path, REMINDER))
    assert _keys(rules, [_fact(**{"participant.status": "paused"})], Firings(), "2026-12-08T10:00") == []
    assert _keys(rules, [_fact(**{"pairing.status": "closed"})], Firings(), "2026-12-08T10:00") == []
    rules = load_rules(_rules(tmp_path, REMINDER + "    allow_inactive: true\n"))
    assert _keys(rules, [_fact(**{"participant.status": "paused"})], Firings(), "2026-12-08T10:00")


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
    rules = load_rules(_rules(tmp_path, body), form_keys=FORM_KEYS)
    when = "2026-12-02T09:00"
    assert _keys(rules, [_fact(**{"answers.rating": "2"})], Firings(), when)
    assert not _keys(rules, [_fact(**{"answers.rating": "10"})], Firings(), when)
    assert not _keys(rules, [_fact()], Firings(), when)
    assert _keys(rules, [_fact(**{"answers.help": "please"})], Firings(), when)


def test_inhibited_by(tmp_path: Path) -> None:
    escalate = REMINDER.replace("name: remind", "name: escalate").replace("    repeat: 7d\n    max_sends: 2\n", "")
    rules = load_rules(_rules(tmp_path, REMINDER + "    inhibited_by: [escalate]\n" + escalate))
    fired = Firings([("escalate", "checkin:1", "2026-12-01T09:00:00+00:00", at("2026-12-08T09:00"))])
    assert _keys(rules, [_fact()], fired, "2026-12-08T10:00") == []


def test_a_new_episode_fires_again(tmp_path: Path) -> None:
    body = """\
  - name: nudge
    match: pairing
    when: {field: pairing.status, eq: active}
    for: 45d
    since: pairing.last_met_at
    send: {template: mentee_nudge, to: mentee}
"""
    rules = load_rules(_rules(tmp_path, body))
    pair = {"pairing.status": "active", "mentee.status": "active", "mentee.email": "m@x.org", "mentee.timezone": "UTC"}
    first = Fact("pairing:1", {**pair, "pairing.last_met_at": "2026-10-01T00:00:00+00:00"})
    [intent] = evaluate(rules, {"pairing": [first]}, Firings(), at("2026-11-16T10:00"), UTC)
    fired = Firings([("nudge", "pairing:1", intent.episode, at("2026-11-16T10:00"))])
    assert evaluate(rules, {"pairing": [first]}, fired, at("2026-12-16T10:00"), UTC) == []
    met_again = Fact("pairing:1", {**pair, "pairing.last_met_at": "2026-11-20T00:00:00+00:00"})
    assert evaluate(rules, {"pairing": [met_again]}, fired, at("2027-01-05T10:00"), UTC)


# --- through the CLI and the database -------------------------------------------------------------


def test_every_default_rule_passes_its_tests(capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    assert main(["--config", str(ROOT / "config.example.yaml"), "rules", "test"]) == 0
    out = capsys.readouterr().out
    assert "0 failed" in out
    tested = {line for line in (ROOT / "rules" / "tests" / "default.yaml").read_text().splitlines() if "rule:" in line}
    for rule in load_rules(ROOT / "rules", form_keys=FORM_KEYS):
        assert any(f"rule: {rule.name}," in line for line in tested), f"no test expects {rule.name} to fire"


def test_a_failing_rule_test_says_what_differed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    test = tmp_path / "t.yaml"
    test.write_text(
        "tests:\n  - name: wrong on purpose\n    now: 2026-12-08T10:00\n    only: [checkin-reminder]\n"
        "    facts: {checkin: [{entity: checkin:1, checkin.status: awaiting, checkin.sent_at: 2026-12-01T09:00,"
        " checkin.days_waiting: 7, participant.status: active, pairing.status: active}]}\n    expect: []\n"
    )
    assert main(["--config", str(ROOT / "config.example.yaml"), "rules", "test", str(test)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  wrong on purpose" in out and "expected nothing, got [checkin-reminder checkin:1 #0]" in out


@pytest.mark.parametrize(
    ("test_text", "said"),
    [
        ("  - name: x\n    facts: {}\n    expect: []\n", "needs `now:`"),
        ("  - name: x\n    now: someday\n    expect: []\n", "not well formed"),
        ("  - name: x\n    now: 2026-12-08T10:00\n    facts: {checkin: [{checkin.status: awaiting}]}\n", "'entity'"),
        ("  - name: x\n    now: 2026-12-08T10:00\n    facts: {checkin: [{entity: checkin}]}\n", "kind:number"),
        ("  - name: x\n    now: 2026-12-08T10:00\n    fired: [{rule: r}]\n", "lacks"),
        ("  - name: x\n    now: 2026-12-08T10:00\n    facts: [1, 2]\n", "not well formed"),
        ("  - name: x\n    now: 2026-12-08T10:00\n    expect: [{rule: r, entity: e, seq: many}]\n", "not well formed"),
    ],
)
def test_a_malformed_rule_test_is_a_file_and_line_not_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], test_text: str, said: str
) -> None:
    from assistant.cli import main

    test = tmp_path / "t.yaml"
    test.write_text("tests:\n" + test_text)
    assert main(["--config", str(ROOT / "config.example.yaml"), "rules", "test", str(test)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {test}:2: ") and said in err and "Traceback" not in err


def test_a_rule_test_file_with_an_unknown_timezone_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    test = tmp_path / "t.yaml"
    test.write_text("timezone: Mars/Olympus\ntests: []\n")
    assert main(["--config", str(ROOT / "config.example.yaml"), "rules", "test", str(test)]) == 1
    assert f"{test}:1: timezone: not a known time zone" in capsys.readouterr().err


def test_simulate_prints_a_calendar_and_sends_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    assert main(["demo", "--dir", str(tmp_path)]) == 0
    config = str(tmp_path / "config.yaml")
    before = (tmp_path / "program.db").read_bytes()
    capsys.readouterr()
    assert main(["--config", config, "--now", "2026-12-30T12:00", "rules", "simulate", "--to", "2027-03-31"]) == 0
    out = capsys.readouterr().out
    assert "Fri 8 Jan 2027" in out and "checkin-reminder" in out and "mentee-nudge" in out
    assert "check-in cycle         → maya.patel@example.org: Your February mentoring check-in" in out
    assert (tmp_path / "program.db").read_bytes() == before


def test_simulate_refuses_a_span_of_centuries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    assert main(["demo", "--dir", str(tmp_path)]) == 0
    capsys.readouterr()
    argv = [
        "--config",
        str(tmp_path / "config.yaml"),
        "rules",
        "simulate",
        "--from",
        "2027-01-01",
        "--to",
        "8999-01-01",
    ]
    assert main(argv) == 1
    assert "more than 732 days" in capsys.readouterr().err


def test_explain_says_why_not(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    assert main(["demo", "--dir", str(tmp_path)]) == 0
    capsys.readouterr()
    config = str(tmp_path / "config.yaml")
    assert (
        main(["--config", config, "--now", "2026-12-30T12:00", "rules", "explain", "checkin-reminder", "checkin:1"])
        == 0
    )
    out = capsys.readouterr().out
    assert "✗ checkin.status eq 'awaiting' (it is 'answered')" in out and "would not fire" in out
    assert main(["--config", config, "--now", "2027-01-14T14:00", "rules", "explain", "mentee-nudge", "pairing:3"]) == 0
    assert "WOULD FIRE" in capsys.readouterr().out


def test_sql_candidates_never_miss_what_python_would_fire(tmp_path: Path) -> None:
    """The SQL pre-selection must be a superset: evaluating every entity gives the same intents."""
    from assistant.cli import main
    from assistant.config import load_config
    from assistant.db import open_db
    from assistant.engine.facts import gather, load_facts, load_firings
    from assistant.engine.fields import ENTITIES

    assert main(["demo", "--dir", str(tmp_path)]) == 0
    config = load_config(tmp_path / "config.yaml")
    db = open_db(config.database)
    rules = load_rules(ROOT / "rules", form_keys=FORM_KEYS)
    for day in range(0, 400, 3):
        now = at("2026-12-01T13:00") + timedelta(days=day)
        facts, firings, candidates = gather(db, rules, now, FORM_KEYS)
        selected = {i.key for i in evaluate(rules, facts, firings, now, ZoneInfo("Europe/London"), candidates)}
        everything = {
            name: load_facts(
                db, entity, [r[0] for r in db.execute(f"SELECT {entity.key} FROM {entity.source}")], now, FORM_KEYS
            )
            for name, entity in ENTITIES.items()
        }
        all_firings = load_firings(db, [f.entity for group in everything.values() for f in group])
        assert selected == {i.key for i in evaluate(rules, everything, all_firings, now, ZoneInfo("Europe/London"))}


def test_pace_days_sets_how_long_a_participant_waits_between_program_mails(tmp_path: Path) -> None:
    """`limits.pace_days`: at most one program mail per participant in that many days (7 by default; 0: no pacing)."""
    from dataclasses import replace

    from assistant.config import load_config
    from assistant.db import open_db
    from assistant.engine.evaluate import Intent
    from assistant.program.followup import split

    config = load_config(ROOT / "config.example.yaml")
    assert config.limits.pace_days == 7
    db = open_db(tmp_path / "p.db")
    db["outbox"].insert(
        {
            "dedupe_key": "rule:x",
            "to_addr": "maya@example.org",
            "subject": "s",
            "message_id": "<1@x>",
            "template": "mentee_nudge",
            "raw": b"",
            "created_at": "2026-12-04T09:00:00+00:00",
        }
    )
    rules = load_rules(_rules(tmp_path, REMINDER + REMINDER.replace("name: remind", "name: remind-again")))
    maya = _fact(**{"participant.email": "maya@example.org"})
    dana = Fact("checkin:2", {**maya.fields, "participant.email": "dana@example.org"})
    intents = [Intent(rule, fact, "", 0, "") for rule in rules for fact in (maya, dana)]

    def kept(days: int) -> list[str]:
        limited = replace(config, limits=replace(config.limits, pace_days=days))
        return [
            f"{i.rule.name}:{i.fact.fields['participant.email']}"
            for i in split(db, limited, intents, at("2026-12-08T10:00"))[0]
        ]

    assert kept(7) == ["remind:dana@example.org"]  # Maya had a mail 4 days ago; Dana gets one of her two
    assert kept(3) == ["remind:maya@example.org", "remind:dana@example.org"]  # a mail 4 days ago no longer counts
    assert kept(0) == [f"{r}:{who}@example.org" for r in ("remind", "remind-again") for who in ("maya", "dana")]


def test_sql_candidates_stay_a_superset_while_the_program_runs(tmp_path: Path) -> None:
    """The same check as above while ticks carry out what is due, so that repeats wait (`repeat` after the last
    firing), episodes end and rules inhibit each other: each rule judging only its own candidates gives the intents
    that judging every entity gives."""
    from assistant.app import App, tick
    from assistant.cli import main
    from assistant.clock import FixedClock
    from assistant.config import load_config
    from assistant.engine.facts import gather, load_facts, load_firings
    from assistant.engine.fields import ENTITIES

    assert main(["demo", "--dir", str(tmp_path)]) == 0
    app = App(load_config(tmp_path / "config.yaml"), FixedClock(at("2027-01-01T08:00")))
    zone, keys = app.config.timezone, app.form_keys
    fired = 0
    for step in range(0, 45 * 24, 7):
        now = at("2027-01-01T08:00") + timedelta(hours=step)
        facts, firings, candidates = gather(app.db, app.rules, now, keys)
        selected = {i.key for i in evaluate(app.rules, facts, firings, now, zone, candidates)}
        everything = {
            name: load_facts(
                app.db, entity, [r[0] for r in app.db.execute(f"SELECT {entity.key} FROM {entity.source}")], now, keys
            )
            for name, entity in ENTITIES.items()
        }
        all_firings = load_firings(app.db, [f.entity for group in everything.values() for f in group])
        assert selected == {i.key for i in evaluate(app.rules, everything, all_firings, now, zone)}, now
        fired += tick(app.db, app.config, app.form, app.rules, app.outbox, now)["intents"]
    repeats = app.db.execute("SELECT count(*) FROM firings WHERE seq > 0 AND fired_at >= '2027-01-01'").fetchone()[0]
    assert fired > 10 and repeats > 0  # reminders repeated: the `repeat` filter was tried
    app.close()
