"""What coordinators see: `report`, `digest`, `explain` and `browse`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.app import App, program_rules
from assistant.cli import arguments
from assistant.clock import Clock
from assistant.config import Config

COMMANDS = ("report", "digest", "explain", "browse")


def add_parser(commands: argparse._SubParsersAction) -> None:
    report = commands.add_parser(
        "report",
        help="the digest's figures in the terminal (response rate, quiet pairs, who waits for a match …)",
        description="The coordinators' figures, as tables: this cycle's response rate and the pairs that met,\n"
        "quiet pairs (no answer to the cycle's check-in after a week, or no meeting for as long as the mentee-nudge\n"
        "rule waits, 45 days by default), low ratings (as the coordinator-alert rule sees them: 2 or less by default)\n"
        "and help requests of the last 14 days, introductions, people waiting for a match with suggested mentors,\n"
        "quarantined mail, bounced addresses, closed pairs by reason,\n"
        "sponsorships (a mentor recommending her mentee for an opportunity),\n"
        "the lineage (who mentored whom: people per generation and the longest chains, Ada -> Grace -> Maya),\n"
        "and the last six months; with cohorts in the config, a line of figures per cohort\n"
        "(--cohort NAME: that cohort's pairs only).\n"
        "Example: mentor-assistant --config config.yaml report --cycle 2026-12",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    report.add_argument("--json", action="store_true", help="print JSON (for scripts) instead of tables")
    report.add_argument("--cycle", type=arguments.cycle, help="the check-in period YYYY-MM (default: the latest)")
    report.add_argument(
        "--cohort",
        metavar="NAME",
        help="only the pairs of this cohort (`cohorts:` in the config): its figures and lists",
    )

    digest = commands.add_parser(
        "digest",
        help="preview the weekly digest (sends nothing)",
        description="Print the plain-text digest the coordinators would get now, and optionally write its HTML\n"
        "(with the chart inlined) to open in a browser. Nothing is queued or sent: the digest itself goes out\n"
        "by itself, weekly, as configured under `digest:` in the config.",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    digest.add_argument("--html", type=Path, help="also write the HTML version to this file")
    digest.add_argument("--cycle", type=arguments.cycle, help="the check-in period YYYY-MM (default: the latest)")

    explain = commands.add_parser(
        "explain",
        help="why the assistant did what it did with a message or to a person",
        description="For a Message-ID: how the message was handled (outcome and reasons, error, attempts), what\n"
        "it recorded and what was sent because of it. For an address: the person, pairings, check-ins and\n"
        "answers, sponsorships given or received, the lineage (her mentors upward, her mentees downward),\n"
        "coordinators' notes on them and their pairings, events (a coordinator's pause, resume or close),\n"
        "the rules that fired, the mail sent and received, and what the rules would do next.\n"
        "Examples:\n  mentor-assistant --config config.yaml explain '<CAB123@mail.gmail.com>'\n"
        "  mentor-assistant --config config.yaml explain maya.patel@example.org",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    explain.add_argument("target", metavar="MESSAGE-ID|EMAIL", help="a Message-ID (with or without <>) or an address")

    browse = commands.add_parser(
        "browse",
        help="browse the program database in Datasette, read-only (optional extra)",
        description="Start Datasette on the program database, read-only, with every table and column explained\n"
        "and canned queries (quiet pairs, this cycle's answers, low ratings). Needs the optional extra:\n"
        "  pip install 'mentorship-assistant[browse]'",
        formatter_class=argparse.RawTextHelpFormatter,
    )
    browse.add_argument("--host", default="127.0.0.1", help="default %(default)s (this machine only)")
    browse.add_argument("--port", type=arguments.port, default=8001, help="default %(default)s")
    browse.add_argument("--metadata", action="store_true", help="print the Datasette metadata (JSON) and exit")


def run(args: argparse.Namespace, config: Config, clock: Clock) -> int:
    if args.command == "browse":
        from assistant.coordinator import browse
        from assistant.coordinator.policy import policy

        thresholds = policy(program_rules(config))
        if args.metadata:
            import json

            meta = browse.metadata(config.database, config.program_name, thresholds)
            print(json.dumps(meta, indent=2, ensure_ascii=False))
            return 0
        return browse.browse(config.database, config.program_name, args.host, args.port, thresholds)
    app = App(config, clock)
    try:
        now = clock.now()
        if args.command == "report":
            from assistant.coordinator.cohorts import UnknownCohort, resolve
            from assistant.coordinator.digest import figures
            from assistant.coordinator.report import as_json, closures, render

            try:
                cohort = resolve(app.db, args.cohort) if args.cohort else None
            except UnknownCohort as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            figs = figures(app.db, config, now, args.cycle, rules=app.rules, cohort=cohort)
            figs["closures"] = closures(app.db)
            print(as_json(figs) if args.json else render(figs))
            return 0
        if args.command == "digest":
            from assistant.coordinator.digest import preview

            rendered, html = preview(app.db, config, now, args.cycle, rules=app.rules)
            print(f"Subject: {rendered.subject}\n\n{rendered.text}")
            if args.html:
                return _write_html(args.html, html)
            return 0
        from assistant.coordinator.explain import explain

        lines = explain(app.db, args.target, app.rules, app.form_keys, now, config.timezone)
        print("\n".join(lines))
        return 1 if lines and lines[0].startswith("nothing is known") else 0
    finally:
        app.close()


def _write_html(path: Path, html: str) -> int:
    try:
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        print(f"error: cannot write the HTML to {path}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"(HTML written to {path})", file=sys.stderr)
    return 0
