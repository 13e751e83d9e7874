"""`rules simulate --from D --to D`: what the program would send, day by day, if nobody replied. Sends nothing.

It runs the real tick (the check-in cycle and every rule) hour by hour on a copy of the database, so what it shows
is exactly what the running assistant would queue: quiet windows, repeats and episodes included.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

import sqlite_utils

from assistant.app import App, CycleReport
from assistant.clock import FixedClock
from assistant.config import Config
from assistant.db import open_db


@dataclass(frozen=True)
class Planned:
    at: datetime
    template: str
    to: str
    subject: str
    rule: str  # the rule that sent it, or "check-in cycle"


def simulate(config: Config, start: date, end: date, progress: Callable[[date], None] | None = None) -> list[Planned]:
    with tempfile.TemporaryDirectory(prefix="mentoring-simulate-") as folder:
        copy = _copy(config.database, Path(folder) / "simulation.db")
        first = datetime.combine(start, time(0), config.timezone)
        clock = FixedClock(first)
        app = App(config, clock, copy)
        seen = {row[0] for row in copy.execute("SELECT id FROM outbox")}
        planned: list[Planned] = []
        moment = first
        while moment.date() <= end:
            clock.set(moment)
            app.tick(CycleReport())
            planned += _new_rows(copy, seen, moment)
            if progress and moment.hour == 0:
                progress(moment.date())
            moment = (moment + timedelta(hours=1)).astimezone(config.timezone)
        copy.close()
    return planned


def _copy(source: Path, target: Path) -> sqlite_utils.Database:
    original = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    destination = sqlite3.connect(str(target))
    original.backup(destination)
    original.close()
    destination.close()
    return open_db(target)


def _new_rows(db: sqlite_utils.Database, seen: set[int], moment: datetime) -> list[Planned]:
    found = []
    for row in db.query("SELECT id, template, to_addr, subject, dedupe_key FROM outbox ORDER BY id"):
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        key = row["dedupe_key"]
        rule = key.split(":")[1] if key.startswith("rule:") else "check-in cycle"
        found.append(Planned(moment, row["template"], row["to_addr"], row["subject"], rule))
    return found


def calendar(planned: list[Planned], config: Config) -> list[str]:
    """The plan as a readable calendar: one heading per day, one line per mail."""
    lines: list[str] = []
    day = None
    for item in planned:
        local = item.at.astimezone(config.timezone)
        if local.date() != day:
            day = local.date()
            lines.append(f"\n{local:%a %-d %b %Y}")
        lines.append(f"  {local:%H:%M}  {item.rule:<22} → {item.to}: {item.subject}")
    if not lines:
        lines.append("Nothing would be sent in this period.")
    return lines
