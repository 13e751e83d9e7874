"""The command line: `mentor-assistant --config PATH [--now ISO] COMMAND`. Each command's --help teaches it."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo

from assistant import __version__, languages
from assistant.app import App, check
from assistant.cli import arguments, operations
from assistant.cli import auth as cli_auth
from assistant.cli import coordinator as cli_coordinator
from assistant.cli import review as cli_review
from assistant.cli import rules as cli_rules
from assistant.cli.arguments import command
from assistant.clock import Clock, iso, parse_moment
from assistant.config import Config, load_config
from assistant.coordinator.importer import import_pairs, import_participants
from assistant.db import DatabaseError, open_db
from assistant.render import TemplateError
from assistant.transport.base import SendError
from assistant.yamlfile import YamlError

log = logging.getLogger("assistant")

DESCRIPTION = """\
Runs a mentorship program by email: monthly check-ins that participants answer by replying,
introductions with double opt-in, follow-through from YAML rules (reminders, escalations, nudges,
milestones), commands by email (pause, stop, my data, delete me), a weekly digest for coordinators;
everything recorded in one SQLite file, every email sent at most once.

A program may run in cohorts (`cohorts:` in the config), write in English, Spanish, French, German or
Brazilian Portuguese (`language:`, and a `language` column per participant: gettext catalogs in
templates/locale, `check` lists what is not translated), tell mentors of a birthday or a milestone, keep a
mentee's mentor wish list and a sponsorship log, and serve a one-click unsubscribe page (`web:`, RFC 8058).

Coordinators act by email too: a line each of `pause EMAIL [until DATE]`, `resume EMAIL`,
`close PAIR [reason]`, `note EMAIL text`, `sponsor MENTOR MENTEE what` (the sponsorship log), `move OLD NEW`,
`status` or `help`, mailed to the assistant
(acted on at once with our server's DMARC pass, else after she confirms); their replies to our mail are
kept as notes. Mail the assistant would not guess about waits for a person: `review list`.

Start here:
  mentor-assistant --config config.example.yaml check
  mentor-assistant --config config.example.yaml import participants examples/participants.csv
  mentor-assistant --config config.example.yaml import pairs examples/pairs.csv
  mentor-assistant --config config.example.yaml run --once
  mentor-assistant --config config.example.yaml rules simulate
  mentor-assistant demo            (a whole month, simulated, in a throw-away folder)
"""

EPILOG = """\
--now sets the clock for the whole command, for simulation and tests:
  mentor-assistant --config config.yaml --now 2027-01-15T09:00 run --once
A time without an offset is read in the program's time zone.
"""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mentor-assistant", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawTextHelpFormatter
    )
    _add_global_options(parser, default=None)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    _add_program_commands(commands)
    _add_running_commands(commands)
    cli_rules.add_parser(commands)
    cli_coordinator.add_parser(commands)
    cli_review.add_parser(commands)
    cli_auth.add_parser(commands)
    _add_export(commands)
    _globals_after_commands(parser)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, default: object) -> None:
    """--config, --now and -v. On a subcommand their default is SUPPRESS, so that `status --config x` sets the
    value and `--config x status` is not overwritten by the subcommand's default."""
    config_default = "config.yaml" if default is None else default
    parser.add_argument("--config", default=config_default, help="the program's config file (default: config.yaml)")
    parser.add_argument(
        "--now",
        type=arguments.moment,
        default=default,
        help="pretend it is this moment (ISO-8601, e.g. 2027-01-15T09:00)",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", default=False if default is None else default,
        help="log debug detail to stderr",
    )  # fmt: skip


def _globals_after_commands(parser: argparse.ArgumentParser) -> None:
    """Every subcommand, however deep, also takes the global options after its name, as the README promises."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                _add_global_options(sub, default=argparse.SUPPRESS)
                _globals_after_commands(sub)


def _add_program_commands(commands: argparse._SubParsersAction) -> None:
    check_command = command(
        commands, "check", "validate the config, templates, check-in form and rules (--connect: the servers too)",
        "Validate the config and everything it names: templates (Jinja2 syntax, every mail has its\n"
        "subject, txt and html part), the check-in form and the rules, and that the password variables\n"
        "it names are set. Prints file:line for each problem and exits 1 if there is any; exits 0 and\n"
        "says so when all is well.\n\n"
        "Translations: for the program's language and each participant's (English needs none), every\n"
        "message its catalog (templates/locale/<code>/LC_MESSAGES/messages.po) lacks, with the template or\n"
        "form file:line it comes from, and every template's words not marked for translation.\n\n"
        "--connect also logs in to the IMAP and SMTP servers as the assistant will (sending nothing,\n"
        "changing nothing), and says what they offer (IDLE, MOVE, AUTH) or exactly what failed and how\n"
        "to fix it:\n"
        "  mentor-assistant --config config.yaml check --connect",
    )  # fmt: skip
    check_command.add_argument(
        "--connect", action="store_true", help="also log in to the IMAP and SMTP servers (nothing is sent)"
    )
    imp = command(
        commands, "import", "import participants or pairs from CSV",
        "Import from CSV, all or nothing: every row is checked first, and a file with any problem (a bad\n"
        "value, the same address twice, a quote never closed) is reported line by line and not imported at\n"
        "all. Importing the same file again changes nothing. A sheet never undoes a choice people made by\n"
        "email: someone who stopped or paused stays so, and an erased address is never brought back.\n\n"
        "What spreadsheets write is read as it is: UTF-8 (with or without BOM) or UTF-16, or a Windows code\n"
        "page (identified, and said with the accented names it gave; --encoding settles it); commas,\n"
        "semicolons or tabs; other columns (Notes, empty trailing ones) are ignored with a note.\n\n"
        "participants columns: email (required), name, role (mentor|mentee|both), status (active|paused|left),\n"
        "                      skills, goals, timezone (e.g. Europe/London), capacity (mentees at once),\n"
        "                      birthday (month and day only: 14 March, 03-14, 14.3.; a year is not kept,\n"
        "                      and 03/04, which could be two days, is refused)\n"
        "                      language (her mail's language: en, es, fr, de, pt_BR or another catalog's\n"
        "                      code; empty: the program's `language`)\n"
        "pairs columns:        mentor_email, mentee_email (required), status (proposed|active|paused|closed),\n"
        "                      started_at (a date), cohort (a name under `cohorts:` in the config;\n"
        "                      the pair runs on that cohort's calendar; empty: on its own, or as it was)\n\n"
        "Examples: examples/participants.csv and examples/pairs.csv. Import participants first.\n"
        "  mentor-assistant --config config.yaml import participants people.csv --dry-run",
    )  # fmt: skip
    imp.add_argument("kind", choices=["participants", "pairs"], help="what the file holds")
    imp.add_argument("file", type=Path, help="the CSV file")
    imp.add_argument("--dry-run", action="store_true", help="say what would change, and change nothing")
    imp.add_argument("--encoding", help="the file's encoding, when it is not UTF-8 (e.g. cp1252, cp1250, mac_roman)")
    operations.add_parsers(commands)
    outbox = command(commands, "outbox", "look at outgoing mail", "Look at the outbox: every mail queued or sent.")
    actions = outbox.add_subparsers(dest="outbox_command", metavar="ACTION", required=True)
    listing = command(
        actions, "list", "list outgoing mail, newest first",
        "List outgoing mail, newest first: id, status, when it was queued, to whom, and the subject.\n"
        "status is queued (waiting to be sent), sending, sent, failed (permanent error), cancelled (the person\n"
        "left) or uncertain (interrupted mid-send: never resent automatically; check with the recipient).",
    )  # fmt: skip
    statuses = ["queued", "sending", "sent", "failed", "uncertain", "cancelled"]
    listing.add_argument("--status", choices=statuses, help="only these")
    listing.add_argument(
        "--limit", type=arguments.rows, default=50, help="at most this many rows (default %(default)s)"
    )


def _add_running_commands(commands: argparse._SubParsersAction) -> None:
    run = command(
        commands, "run", "run the assistant (the long-running loop, or one cycle with --once)",
        "Run the assistant: read new mail, record answers, start the monthly check-in, apply the\n"
        "rules and send what is due. Without --once it keeps running (IDLE or a poll every 30 s, tick every\n"
        "minute, send every 15 s); SIGTERM or Ctrl-C finishes the current step and exits 0.",
    )  # fmt: skip
    run.add_argument("--once", action="store_true", help="one full cycle (ingest, tick, drain), then exit")
    web = command(
        commands, "web", "serve the one-click unsubscribe page (RFC 8058) on its own",
        "Serve the page behind the https link in every mail's List-Unsubscribe header (the config's\n"
        "`web:` block). POST /unsubscribe/TOKEN with the body List-Unsubscribe=One-Click (what Gmail's\n"
        "and Yahoo's Unsubscribe button sends) acts exactly as her replying \"stop\": she leaves, her\n"
        "pairings close and the coordinators are told. GET shows a page with one button and changes\n"
        "nothing (link scanners open every link). Anything else is a 404 that names nobody.\n\n"
        "It listens on web.listen (default 127.0.0.1:8025), plain HTTP: it must sit behind web.public_url,\n"
        "an https address served by a reverse proxy (Caddy, nginx) that forwards /unsubscribe/ to it.\n"
        "`run` serves the same page itself when `web:` is configured: use this command only to serve it\n"
        "from another process. It queues the coordinators' mail; `run` sends it.\n"
        "  mentor-assistant --config config.yaml web --listen 127.0.0.1:8025",
    )  # fmt: skip
    web.add_argument("--listen", type=arguments.listen, help="host:port to listen on (default: web.listen)")
    demo = command(
        commands, "demo", "play a whole month of a small program with a simulated clock",
        "Creates a throw-away program folder, imports the example people and pairs, and plays a\n"
        "month: prompts go out, replies in several mail-client styles arrive, one pair stays silent and\n"
        "gets reminders and an escalation, a forwarded introduction request ends in an introduction, and\n"
        "the coordinator gets a digest each Friday. Prints the story and where to read the mail.",
    )  # fmt: skip
    demo.add_argument(
        "--dir", type=arguments.new_folder, help="a new or empty folder to use (default: a new temporary folder)"
    )


def _say_if_no_such_period(app: App, period: str | None) -> None:
    """An empty export of a period nobody was asked about is most likely a typo: say which periods there are."""
    if period is None or app.db.execute("SELECT 1 FROM checkins WHERE period = ? LIMIT 1", [period]).fetchone():
        return
    held = [row[0] for row in app.db.execute("SELECT DISTINCT period FROM checkins ORDER BY period DESC LIMIT 12")]
    print(f"note: no check-ins in {period}; periods held: {', '.join(held) or 'none yet'}", file=sys.stderr)


def _add_export(commands: argparse._SubParsersAction) -> None:
    export = command(
        commands, "export", "one row per check-in with its answers, as CSV or JSON",
        "Write every check-in to standard output, one row each: period, status, who it was for,\n"
        "the pair, its cohort, and a column per question of the form holding the recorded (normalised) answer.\n"
        "Example: mentor-assistant --config config.yaml export --format csv --period 2026-12 > december.csv",
    )  # fmt: skip
    export.add_argument(
        "--what", choices=["checkins", "pairs", "answers", "sponsorships"], default="checkins",
        help="one row per check-in (default), per pairing, per answer, or per sponsorship (a mentor recommending\n"
        "her mentee for an opportunity: who, whom, for what, when, and the message it came from)",
    )  # fmt: skip
    export.add_argument("--format", choices=["csv", "json"], default="csv", help="default %(default)s")
    export.add_argument(
        "--period", type=arguments.period, help="only this period: a month (YYYY-MM) or closing (the closing surveys)"
    )
    export.add_argument("--cohort", metavar="NAME", help="only the pairs of this cohort (`cohorts:` in the config)")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    tellers = ("demo", "rules", "report", "digest", "explain", "browse", "review", "auth")
    quiet = args.command in tellers  # they tell their own story
    level = logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        return _dispatch(args)
    except (YamlError, TemplateError, DatabaseError, SendError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return _stdout_closed()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130  # the shell's code for Ctrl-C
    except OSError as exc:  # a file or folder the command needs (unwritable, missing, full): say which, and why
        log.debug("the traceback, for -v", exc_info=True)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


def _stdout_closed() -> int:
    """The reader went away (`export | head`): nothing is wrong, and Python must not complain while exiting."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return 141  # what a shell reports for a command stopped by SIGPIPE


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "demo":
        from assistant.demo import run_demo

        return run_demo(args.dir)
    if not Path(args.config).exists():
        return _no_config(args.config)
    if args.command == "check":
        return _check(args.config, args.connect)
    config = load_config(args.config)
    clock = _clock(args.now, config.timezone)
    if args.command == "import":
        return _import(config, clock, args.kind, args.file, args.encoding, args.dry_run)
    if args.command == "rules":
        return cli_rules.run(args, config, clock)
    if args.command == "auth":
        return cli_auth.run(args, config)
    if args.command in cli_coordinator.COMMANDS:
        return cli_coordinator.run(args, config, clock)
    if args.command == "web":
        return _web(config, clock, args.listen)
    app = App(config, clock)
    try:
        if args.command == "status":
            return operations.status(app, args.json, args.failing_for)
        if args.command == "backup":
            return operations.backup(app, args.file)
        if args.command == "review":
            return cli_review.run(app, args)
        if args.command == "outbox":
            return _outbox_list(app, args.status, args.limit)
        if args.command == "export":
            from assistant.coordinator.cohorts import UnknownCohort, resolve
            from assistant.coordinator.export import export

            try:
                cohort = resolve(app.db, args.cohort) if args.cohort else None
            except UnknownCohort as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
            export(app.db, args.format, args.period, sys.stdout, what=args.what, cohort=cohort)
            _say_if_no_such_period(app, args.period)
            return 0
        if args.command == "run":
            return _run(app, args.once)
    finally:
        app.close()
    return 2


def _clock(now: str | None, zone: ZoneInfo) -> Clock:
    return Clock(parse_moment(now, zone)) if now is not None else Clock()  # --now was checked by argparse


def _no_config(path: str) -> int:
    """The first thing a newcomer meets: say where a config comes from, not just that it is missing."""
    print(f"error: {path}: no such config file", file=sys.stderr)
    example = Path("config.example.yaml")
    if example.exists():
        print(
            f"  try the example: mentor-assistant --config {example} check\n  or start your own: cp {example} {path}",
            file=sys.stderr,
        )
    else:
        print("  name one with --config PATH, or try `mentor-assistant demo` to see a program at work", file=sys.stderr)
    return 1


def _check(path: str, connect: bool = False) -> int:
    problems = check(path)
    config = None
    with contextlib.suppress(YamlError):  # a config that does not load is already among the problems
        config = load_config(path)
    for notice in config.notices if config else ():  # an old key, still accepted: worth a word, not a failure
        print(f"note: {notice}")
    if connect and config is not None:
        problems += _connect(config)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found", file=sys.stderr)
        return 1
    servers = " and the servers" if connect else ""
    print(f"{path}: OK (config, templates, form and rules are valid{servers})")
    return 0


def _connect(config: Config) -> list[str]:
    """Log in to each server as the assistant will; print what each offers; its failure is a problem."""
    from assistant.transport.probe import probe_inbox, probe_outbound

    problems = []
    for probe in (probe_inbox(config.inbox, config.assistant.email), probe_outbound(config.outbound)):
        for line in probe.lines:
            print(line)
        if probe.problem is not None:
            problems.append(f"error: {probe.problem.line()}")
    return problems


def _import(config: Config, clock: Clock, kind: str, file: Path, encoding: str | None, dry_run: bool) -> int:
    db = open_db(config.database)
    now = iso(clock.now())
    if kind == "participants":
        offered = languages.available(config.templates)
        report = import_participants(db, file, now, encoding, dry_run, offered)
    else:
        report = import_pairs(db, file, now, encoding, dry_run, cohorts=config.cohorts, zone=config.timezone)
    for note in report.notes:
        print(f"note: {note}", file=sys.stderr)
    for error in report.errors:
        print(error, file=sys.stderr)
    print(f"{kind}: {report.summary()}")
    db.close()
    return 1 if report.errors else 0


def _outbox_list(app: App, status: str | None, limit: int) -> int:
    db = app.db
    where, params = ("WHERE status = ?", [status]) if status else ("", [])
    rows = db.query(
        f"SELECT id, status, created_at, to_addr, subject FROM outbox {where} ORDER BY id DESC LIMIT ?",
        [*params, limit],
    )
    shown = 0
    for row in rows:
        print(f"{row['id']:>5}  {row['status']:<9} {row['created_at'][:16]}  {row['to_addr']:<32} {row['subject']}")
        shown += 1
    if not shown:
        print("the outbox is empty" + (f" (status {status})" if status else ""))
    return 0


def _next_steps_when_empty(app: App) -> None:
    """A program with nobody in it did nothing, correctly; a newcomer needs to hear why, and what to do next."""
    if app.db.execute("SELECT 1 FROM participants LIMIT 1").fetchone():
        return
    config = app.config.path
    print(
        "Nobody is in this program yet, so there was nothing to send. Next:\n"
        f"  mentor-assistant --config {config} import participants examples/participants.csv\n"
        f"  mentor-assistant --config {config} import pairs examples/pairs.csv\n"
        f"  mentor-assistant --config {config} --now 2026-12-01T09:00 run --once   (the cycle day: prompts go out)\n"
        "or watch a whole month played out: mentor-assistant demo"
    )


def _run(app: App, once: bool) -> int:
    if once:
        app.outbox.recover_uncertain()
        report = app.run_once()
        print(report.line())
        for problem in report.problems:  # one clear line each; the rest of the cycle still ran
            print(f"error: {problem.line()}", file=sys.stderr)
        if report.problems:
            print("  (test the connection with: mentor-assistant check --connect)", file=sys.stderr)
            return 1
        _next_steps_when_empty(app)
        return 0
    from assistant.service import Service

    if app.config.web is None:
        return Service(app).run()
    from assistant.web import serve_in_thread

    served = serve_in_thread(app.config, app.clock)  # its own database connection, beside the loop's
    log.info("serving the unsubscribe page on %s for %s", served.url, app.config.web.public_url)
    try:
        return Service(app).run()
    finally:
        served.stop()


def _web(config: Config, clock: Clock, listen: tuple[str, int] | None) -> int:
    if config.web is None:
        print(
            f"error: {config.path}: no `web:` block; add one with public_url (https) to serve the unsubscribe page",
            file=sys.stderr,
        )
        return 1
    from dataclasses import replace

    from assistant.web import make_server

    web = replace(config.web, host=listen[0], port=listen[1]) if listen else config.web
    served = make_server(config, clock, web)
    print(f"serving the unsubscribe page on {served.url} (public: {web.public_url}/unsubscribe/...); Ctrl-C stops")
    sys.stdout.flush()
    served.run()
    return 0
