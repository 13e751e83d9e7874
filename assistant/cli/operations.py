"""Keeping a running program healthy: `status` (and `status --json`, a health check) and `backup`."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

from assistant import health
from assistant.app import App
from assistant.cli import arguments
from assistant.coordinator import review
from assistant.db import backup as backup_db
from assistant.db import counts


def add_parsers(commands: argparse._SubParsersAction) -> None:
    status = commands.add_parser(
        "status", help="counts of everything, and whether polling and sending work (--json: a health check)",
        description="What the program holds right now: rows in every table, check-ins by status, inbound mail by\n"
        "outcome (recorded, asked_again, automatic, unknown_sender, ...), the outbox by status (a row stuck in\n"
        "'uncertain' may or may not have been delivered), the inbox's connection state and backlog, how\n"
        "many messages wait for a person (held or quarantined: `review list`), and what each job (poll, tick,\n"
        "drain) last did.\n\n"
        "--json prints the same as one JSON object and exits 1 when polling or sending has failed, or not\n"
        "run, for longer than --failing-for minutes: a container's or monitor's health check.\n"
        "  mentor-assistant --config config.yaml status --json --failing-for 30",
        formatter_class=argparse.RawTextHelpFormatter,
    )  # fmt: skip
    status.add_argument("--json", action="store_true", help="one JSON object; exit 1 when unhealthy")
    status.add_argument(
        "--failing-for", type=arguments.minutes, default=15, metavar="MINUTES",
        help="how long polling or sending may fail (or not run) before --json says unhealthy (default %(default)s)",
    )  # fmt: skip
    backup = commands.add_parser(
        "backup", help="copy the database to FILE, safely while the assistant runs",
        description="Copy the program database to FILE with SQLite's online backup API: a consistent snapshot,\n"
        "taken while the assistant keeps running (no need to stop it). FILE must not exist yet.\n"
        "  mentor-assistant --config config.yaml backup backups/program-$(date +%F).db\n"
        "For continuous backup to object storage, see Litestream (README, Running it as a service).",
        formatter_class=argparse.RawTextHelpFormatter,
    )  # fmt: skip
    backup.add_argument("file", type=Path, help="where to write the copy (a new file)")


def status(app: App, as_json: bool, failing_for: int) -> int:
    facts = _facts(app)
    reasons = health.unhealthy(app.db, app.clock.now(), timedelta(minutes=failing_for))
    if as_json:
        print(json.dumps({**facts, "healthy": not reasons, "problems": reasons}, indent=2, ensure_ascii=False))
        return 1 if reasons else 0
    _print(facts)
    return 0


def backup(app: App, target: Path) -> int:
    if target.exists():
        print(f"error: {target} exists already; name a new file (a backup never overwrites one)", file=sys.stderr)
        return 1
    if target.parent and not target.parent.is_dir():
        print(f"error: {target.parent}: no such folder", file=sys.stderr)
        return 1
    size = backup_db(app.db, target)
    print(f"backed up {app.config.database} to {target} ({size:,} bytes), consistent as of now")
    return 0


def _facts(app: App) -> dict[str, Any]:
    db = app.db
    grouped = {}
    for table, column in (
        ("participants", "status"),
        ("pairings", "status"),
        ("checkins", "status"),
        ("messages", "status"),
        ("messages", "outcome"),
        ("outbox", "status"),
    ):
        rows = db.execute(f"SELECT {column}, count(*) FROM {table} GROUP BY {column} ORDER BY {column}").fetchall()
        grouped[f"{table} by {column}"] = {str(value): n for value, n in rows}
    return {
        "rows": counts(db),
        "grouped": grouped,
        "inboxes": [
            dict(box) for box in db.query("SELECT name, state, last_poll_at, last_error, last_uid FROM mailboxes")
        ],
        "jobs": health.states(db),
        "mail_cap": dict(
            zip(
                ("addresses", "held_back"),
                db.execute(
                    "SELECT count(*), coalesce(sum(refused), 0) FROM triggered_mail WHERE refused > 0"
                ).fetchone(),
                strict=True,
            )
        ),
        "backlog": db.execute("SELECT count(*) FROM messages WHERE status = 'received'").fetchone()[0],
        "quarantined": db.execute("SELECT count(*) FROM messages WHERE status = 'quarantined'").fetchone()[0],
        "review": review.counts(db),  # held or quarantined, and not yet released or dismissed
    }


def _print(facts: dict[str, Any]) -> None:
    print("rows:", ", ".join(f"{table} {n}" for table, n in facts["rows"].items()))
    for name, values in facts["grouped"].items():
        print(f"{name}:", ", ".join(f"{value} {n}" for value, n in values.items()) or "none")
    for box in facts["inboxes"]:
        error = f", last error: {box['last_error']}" if box["last_error"] else ""
        print(
            f"inbox {box['name']}: {box['state']}, last poll {box['last_poll_at'] or 'never'},"
            f" at UID {box['last_uid']}{error}"
        )
    for job in facts["jobs"]:
        print(_job_line(job))
    cap = facts["mail_cap"]
    print(
        f"mail cap (limits.mails_per_address_per_day): {cap['held_back']} mail(s) not sent to {cap['addresses']}"
        " address-day(s)"
        if cap["addresses"]
        else "mail cap (limits.mails_per_address_per_day): never reached"
    )
    print(f"backlog: {facts['backlog']} message(s) stored, not yet processed")
    print(_review_line(facts["review"]))


def _review_line(queue: dict[str, int]) -> str:
    """The review queue: everything held or quarantined that no coordinator has released or dismissed yet."""
    if not queue["waiting"]:
        return "review: empty (nothing held or quarantined waits for a person)"
    return (
        f"review: {queue['waiting']} message(s) need a person ({queue['held']} held, {queue['quarantined']}"
        f" quarantined): {review.COMMAND} list"
    )


def _job_line(job: dict[str, Any]) -> str:
    """`poll: last worked 2026-12-01 09:00 UTC; FAILING since …: the error`, or `never run`."""
    if not job["last_ok_at"] and not job["last_error_at"]:
        return f"{job['name']}: never run"
    line = f"{job['name']}: last worked {_utc(job['last_ok_at'])}"
    if job["failing_since"]:
        return f"{line}; FAILING since {_utc(job['failing_since'])}: {job['last_error']}"
    if job["last_error"]:
        return f"{line}; last error {_utc(job['last_error_at'])}: {job['last_error']}"
    return line


def _utc(stored: str | None) -> str:
    return f"{stored[:16].replace('T', ' ')} UTC" if stored else "never"
