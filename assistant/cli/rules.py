"""`mentor-assistant rules …`: check, test, simulate and explain the follow-through rules."""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta
from pathlib import Path

from assistant.app import App
from assistant.cli import arguments
from assistant.clock import Clock
from assistant.config import Config
from assistant.coordinator.progress import Progress
from assistant.engine.explain_rule import NotExplainable, explain_rule
from assistant.engine.ruletests import run_file
from assistant.engine.schema import read_rules
from assistant.forms.form import load_form
from assistant.render import Renderer
from assistant.simulate import calendar, simulate

HELP = """\
The rules in the config's rules folder (rules/*.yaml) decide the follow-through: reminders, escalations,
nudges, milestones, closing. These commands let you change them safely:

  rules check                      validate every rule file (file:line and the valid choices on error)
  rules test [FILE ...]            run rule tests (default: rules/tests/*.yaml); each gives facts, a moment
                                   and the intents expected, like promtool's rule tests
  rules simulate --from D --to D   what would be sent, day by day, for the current database if nobody
                                   replied; sends nothing (default: the next 90 days)
  rules explain NAME ENTITY        why rule NAME would or would not fire now for ENTITY (e.g. checkin:12,
                                   pairing:3, participant:7), condition by condition
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    rules = commands.add_parser(
        "rules",
        help="check, test, simulate and explain the follow-through rules",
        description=HELP,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    sub = rules.add_subparsers(dest="rules_command", metavar="ACTION", required=True)
    sub.add_parser(
        "check",
        help="validate the rule files",
        description="Validate every rules/*.yaml against the entities, fields, templates and form.\n"
        "Exits 1 with file:line and the valid choices when something is wrong.",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    test = sub.add_parser(
        "test",
        help="run rule tests (rules/tests/*.yaml)",
        description="Run rule tests. Each test gives facts about entities, optionally what fired before, a\n"
        "moment (now), and the intents expected (rule, entity, seq); `expect: []` means nothing may fire.\n"
        "See rules/tests/default.yaml for a test of every default rule, including when it must NOT fire.",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    test.add_argument("files", nargs="*", type=Path, help="test files (default: <rules>/tests/*.yaml)")
    sim = sub.add_parser(
        "simulate",
        help="what would be sent, day by day (sends nothing)",
        description="Run the check-in cycle and every rule hour by hour on a copy of the database, and print\n"
        "what would be sent if nobody replied, as a calendar. Nothing is sent and the database is untouched.\n"
        "Example: mentor-assistant --config config.yaml rules simulate --from 2027-01-01 --to 2027-03-31",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    sim.add_argument("--from", dest="start", type=arguments.day, help="first day (default: today)")
    sim.add_argument("--to", dest="end", type=arguments.day, help="last day (default: 90 days after --from)")
    why = sub.add_parser(
        "explain",
        help="why a rule would or would not fire for one entity",
        description="Show, condition by condition, whether rule NAME would fire now for ENTITY, and why not.\n"
        "Example: mentor-assistant --config config.yaml rules explain checkin-reminder checkin:12",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    why.add_argument("name", help="the rule's name")
    why.add_argument("entity", type=arguments.entity, help="checkin:ID, pairing:ID or participant:ID")


def run(args: argparse.Namespace, config: Config, clock: Clock) -> int:
    if args.rules_command == "check":
        form = load_form(config.form_path)
        keys = tuple(q.key for q in form.questions)
        rules, problems = read_rules(config.rules, Renderer(config.templates).names(), keys)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            print(f"{len(problems)} problem(s) found", file=sys.stderr)
            return 1
        print(f"{len(rules)} rules OK: {', '.join(r.name for r in rules)}")
        return 0
    app = App(config, clock)
    try:
        if args.rules_command == "test":
            return _test(app, args.files or sorted((config.rules / "tests").glob("*.yaml")))
        if args.rules_command == "simulate":
            return _simulate(app, args.start, args.end)
        return _explain(app, args.name, args.entity)
    finally:
        app.close()


def _test(app: App, files: list[Path]) -> int:
    if not files:
        print(f"no rule tests found in {app.config.rules / 'tests'}", file=sys.stderr)
        return 1
    passed = failed = 0
    for path in files:
        for outcome in run_file(path, app.rules):
            print(f"{'PASS' if outcome.passed else 'FAIL'}  {outcome.name}  ({outcome.where})")
            if not outcome.passed:
                print(f"      {outcome.detail}")
            passed, failed = passed + outcome.passed, failed + (not outcome.passed)
    print(f"rules: {passed} passed, {failed} failed")
    return 1 if failed else 0


SIMULATE_MAX_DAYS = 2 * 366  # a program's longest cycle with room to spare; each day costs a whole tick


def _simulate(app: App, start: date | None, end: date | None) -> int:
    start = start or app.clock.now().astimezone(app.config.timezone).date()
    end = end or start + timedelta(days=90)
    if end < start:
        print("error: --to is before --from", file=sys.stderr)
        return 1
    if (end - start).days > SIMULATE_MAX_DAYS:
        print(
            f"error: {start} to {end} is more than {SIMULATE_MAX_DAYS} days; simulate a year or two at a time "
            "(each day is a full tick)",
            file=sys.stderr,
        )
        return 1

    with Progress("simulating days", total=(end - start).days + 1) as progress:
        planned = simulate(app.config, start, end, lambda _day: progress.advance())
    print(f"What would be sent from {start} to {end} if nobody replied ({len(planned)} emails):")
    print("\n".join(calendar(planned, app.config)))
    return 0


def _explain(app: App, name: str, entity: str) -> int:
    rule = next((r for r in app.rules if r.name == name), None)
    if rule is None:
        print(f"error: no rule {name!r}; rules: {', '.join(r.name for r in app.rules)}", file=sys.stderr)
        return 1
    try:
        lines = explain_rule(app.db, rule, entity, app.clock.now(), app.config.timezone, app.form_keys)
    except NotExplainable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print("\n".join(lines))
    return 0
