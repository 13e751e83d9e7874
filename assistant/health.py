"""What each scheduled job (poll, tick, drain) last did: when it last worked, its last error, since when it fails.

Written after every step, by `run --once` and by the long-running loop alike; read by `status` (and `status
--json`, a health check), so a refused login or a failing tick is seen without reading logs.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso

JOBS = ("poll", "tick", "drain")


def worked(db: Database, job: str, now: str) -> None:
    db.execute(
        "INSERT INTO jobs (name, last_ok_at) VALUES (?, ?)"
        " ON CONFLICT (name) DO UPDATE SET last_ok_at = excluded.last_ok_at, failing_since = NULL",
        (job, now),
    )


def failed(db: Database, job: str, now: str, error: str) -> None:
    db.execute(
        "INSERT INTO jobs (name, last_error, last_error_at, failing_since) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at,"
        " failing_since = coalesce(jobs.failing_since, excluded.failing_since)",
        (job, error[:1000], now, now),
    )


def states(db: Database) -> list[dict[str, Any]]:
    """Every job, in the order they run, with what is known of it (never run: all None)."""
    known = {
        row[0]: row for row in db.execute("SELECT name, last_ok_at, last_error, last_error_at, failing_since FROM jobs")
    }
    columns = ("name", "last_ok_at", "last_error", "last_error_at", "failing_since")
    return [dict(zip(columns, known.get(job, (job, None, None, None, None)), strict=True)) for job in JOBS]


WATCHED = ("poll", "drain")  # mail in and mail out: what a health check is about (a tick that fails is in the log)


def unhealthy(db: Database, now: datetime, allowed: timedelta) -> list[str]:
    """Why the program is not healthy now: polling or sending has failed, or not worked, for longer than `allowed`.
    Empty when all is well. A job that never ran is unhealthy too: the loop is not running."""
    reasons = []
    for job in states(db):
        if job["name"] not in WATCHED:
            continue
        if job["failing_since"]:
            if now - from_iso(job["failing_since"]) > allowed:
                reasons.append(f"{job['name']} failing since {job['failing_since']}: {job['last_error']}")
        elif not job["last_ok_at"]:
            reasons.append(f"{job['name']} has never run")
        elif now - from_iso(job["last_ok_at"]) > allowed:
            reasons.append(f"{job['name']} has not run since {job['last_ok_at']} (is the assistant running?)")
    return reasons
