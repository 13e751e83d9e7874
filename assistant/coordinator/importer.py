"""Import participants and pairs from CSV, all or nothing: every row is checked first (a bad value, a duplicate
address, a pair of people not in the program), and only a file with no problem is applied, in one transaction.
Re-importing the same file changes nothing (people are matched by email, pairs by their two emails), and choices
people made by email outrank the sheet: an import never makes active again someone who stopped or paused, nor a
pair with someone who left, and never brings back an address that asked to be erased (it says so instead).
`dry_run` reports what would change and changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlite_utils import Database

from assistant.clock import from_iso, iso, parse_moment
from assistant.config import Cohort
from assistant.coordinator.progress import Progress
from assistant.coordinator.sheets import SheetProblem, read_sheet
from assistant.db import insert_row, one, update_row
from assistant.forms.birthday import read_birthday
from assistant.headertext import clean_name
from assistant.identity import is_suppressed
from assistant.languages import ENGLISH
from assistant.mail.message import strict_address
from assistant.program.closure import close, read, reopened
from assistant.program.cohorts import day_start

PARTICIPANT_COLUMNS = (
    "email",
    "name",
    "role",
    "status",
    "skills",
    "goals",
    "timezone",
    "capacity",
    "birthday",
    "language",
)
PAIR_COLUMNS = ("mentor_email", "mentee_email", "status", "started_at", "close_reason", "cohort")
ROLES = ("mentor", "mentee", "both")
PARTICIPANT_STATUSES = ("active", "paused", "left")
PAIR_STATUSES = ("proposed", "active", "paused", "closed")
CHOSEN = ("paused", "left")  # statuses a person chose (by email: pause, stop) that a sheet saying active keeps


class RowError(ValueError):
    pass


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    kept: int = 0  # rows whose change the sheet asked for was not made: a person's own choice outranks it
    skipped: int = 0  # rows not imported: the address asked to be erased
    errors: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # the encoding read, ignored columns, what was kept and why
    dry_run: bool = False

    def summary(self) -> str:
        if self.errors:
            return f"{len(self.errors)} problem(s); nothing was imported"
        would = "would be " if self.dry_run else ""
        return (
            f"{self.added} {would}added, {self.updated} {would}updated, {self.unchanged} unchanged, "
            f"{self.kept} kept as people chose, {self.skipped} skipped (erased)"
            + (" (dry run: nothing was changed)" if self.dry_run else "")
        )


@dataclass(frozen=True)
class Change:
    """What one row does: `outcome` added|updated|unchanged|kept|skipped, and the write that does it."""

    outcome: str
    write: Callable[[], None] | None = None
    note: str = ""


def import_participants(
    db: Database,
    path: Path,
    now: str,
    encoding: str | None = None,
    dry_run: bool = False,
    languages: tuple[str, ...] = (ENGLISH,),
) -> ImportReport:
    """`languages`: the codes a `language` cell may hold (English and the templates' catalogs)."""
    return _import(
        db, path, PARTICIPANT_COLUMNS, ("email",), encoding, dry_run, lambda r: _participant(db, r, now, languages)
    )


def import_pairs(
    db: Database,
    path: Path,
    now: str,
    encoding: str | None = None,
    dry_run: bool = False,
    cohorts: Sequence[Cohort] = (),
    zone: tzinfo = UTC,
) -> ImportReport:
    """`cohorts` are the config's (a `cohort` cell must name one of them); `zone` is the program's time zone, in
    which a cohort's start day begins."""
    calendar = Calendar(tuple(cohorts), zone)
    return _import(
        db,
        path,
        PAIR_COLUMNS,
        ("mentor_email", "mentee_email"),
        encoding,
        dry_run,
        lambda r: _pair(db, r, now, calendar),
    )


@dataclass(frozen=True)
class Calendar:
    """The config's cohorts, as a sheet's `cohort` cells are checked against them."""

    cohorts: tuple[Cohort, ...]
    zone: tzinfo

    def find(self, value: str) -> Cohort | None:
        """The cohort a cell names (letter case aside); None for an empty cell; RowError for a name not configured:
        a cohort is never guessed from a near name."""
        if not value.strip():
            return None
        wanted = value.strip().casefold()
        found = next((c for c in self.cohorts if c.name.casefold() == wanted), None)
        if found is None:
            known = ", ".join(c.name for c in self.cohorts) or "none (the config has no `cohorts:`)"
            raise RowError(f"cohort {value.strip()!r} is not a cohort of the config; its cohorts: {known}")
        return found


def _import(
    db: Database,
    path: Path,
    known: tuple[str, ...],
    required: tuple[str, ...],
    encoding: str | None,
    dry_run: bool,
    change: Callable[[dict[str, str]], Change],
) -> ImportReport:
    report = ImportReport(dry_run=dry_run)
    try:
        sheet = read_sheet(path, known, required, encoding)
    except SheetProblem as exc:
        report.errors.append(str(exc))
        return report
    report.notes += sheet.notes
    changes = _checked(path, sheet.rows, required, change, report)
    if report.errors or dry_run:
        return report
    with db.atomic(), Progress(f"importing {path.name}", total=len(changes)) as progress:
        for item in changes:
            if item.write is not None:
                item.write()
            progress.advance()
    return report


def _checked(
    path: Path,
    rows: list[tuple[int, dict[str, str]]],
    key_columns: tuple[str, ...],
    change: Callable[[dict[str, str]], Change],
    report: ImportReport,
) -> list[Change]:
    """Every row judged before any is applied: the changes, and in the report every problem with its line."""
    changes, seen = [], {}
    for line, row in rows:
        key = tuple(strict_address(row.get(c, ""))[1] or row.get(c, "").lower() for c in key_columns)
        if key in seen:
            report.errors.append(f"{path}:{line}: {' and '.join(key)} again (first on line {seen[key]}); one row each")
            continue
        seen[key] = line
        try:
            item = change(row)
        except RowError as exc:
            report.errors.append(f"{path}:{line}: {exc}")
            continue
        setattr(report, item.outcome, getattr(report, item.outcome) + 1)
        if item.note:
            report.notes.append(f"{path}:{line}: {item.note}")
        changes.append(item)
    return changes


def _email(value: str, column: str) -> str:
    address = strict_address(value)[1]
    if not address:
        raise RowError(f"{column} {value!r} is not an email address")
    return address


def _choice(value: str, choices: tuple[str, ...], column: str, default: str) -> str:
    value = (value or default).lower()
    if value not in choices:
        raise RowError(f"{column} {value!r} must be one of {', '.join(choices)}")
    return value


def _participant(db: Database, row: dict[str, str], now: str, languages: tuple[str, ...]) -> Change:
    record: dict[str, Any] = {
        "email": _email(row.get("email", ""), "email"),
        "name": clean_name(row.get("name", "")),  # a sheet's name may itself be an encoded word, or hold a newline
        "role": _choice(row.get("role", ""), ROLES, "role", "mentee"),
        "status": _choice(row.get("status", ""), PARTICIPANT_STATUSES, "status", "active"),
        "skills": row.get("skills", ""),
        "goals": row.get("goals", ""),
        "timezone": _timezone(row.get("timezone", "")),
        "capacity": _capacity(row.get("capacity", "")),
        "language": _language(row.get("language", ""), languages),
    }
    birthday, said = _birthday(row.get("birthday", ""))
    if birthday:  # an empty cell keeps the birthday she gave by email: the sheet never erases it
        record["birthday"] = birthday
    if is_suppressed(db, record["email"]):
        return Change("skipped", note=f"{record['email']} asked to be erased: not imported, and never mailed")
    existing = one(db, "SELECT * FROM participants WHERE email = ?", [record["email"]])
    if existing is None:
        add = {**record, "created_at": now, "updated_at": now}
        return Change("added", lambda: insert_row(db, "participants", add), said)
    note = ""
    if existing["status"] in CHOSEN and record["status"] == "active":
        record["status"] = existing["status"]  # her own choice, by email: the sheet does not undo it
        note = f"{record['email']} stays {existing['status']} (her own choice; a sheet does not undo it)"
    note = "; ".join(n for n in (note, said) if n)
    if all(existing[k] == v for k, v in record.items()):
        return Change("kept" if note else "unchanged", note=note)
    return Change(
        "kept" if note else "updated",
        lambda: update_row(db, "participants", existing["id"], {**record, "updated_at": now}),
        note,
    )


def _timezone(value: str) -> str | None:
    if not value:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder of zones, not one
        raise RowError(f"timezone {value!r} is not an IANA time zone like Europe/London") from None
    return value


def _birthday(value: str) -> tuple[str | None, str]:
    """A birthday as "MM-DD", and a note when the cell held a year (which is not kept); anything that could be two
    dates ("03/04") or none is the row's problem, never guessed."""
    if not value.strip():
        return None, ""
    read = read_birthday(value)
    if read.value is None:
        raise RowError(f"birthday {read.problem}")
    if not read.year_dropped:
        return read.value, ""
    return read.value, f"birthday {value.strip()!r} stored as {read.value} (month and day only: a year is never kept)"


def _language(value: str, offered: tuple[str, ...]) -> str | None:
    """A language code as the catalogs' folders name it (`es`, `pt_BR`); empty: the program's language."""
    if not value:
        return None
    code = value.strip().replace("-", "_")
    code = code.partition("_")[0].lower() + (f"_{code.partition('_')[2].upper()}" if "_" in code else "")
    if code not in offered:
        raise RowError(f"language {value!r} must be one of {', '.join(offered)} (or empty: the program's language)")
    return code


def _capacity(value: str) -> int | None:
    if not value:
        return None
    if not re.fullmatch(r"[0-9]{1,3}", value):  # not isdigit(): "²" is a digit that int() refuses
        raise RowError(f"capacity {value!r} must be a whole number from 0 to 999 (how many mentees at once)")
    return int(value)


def _moment(value: str) -> str | None:
    """A date or date-time from the sheet, stored like every time: UTC ISO-8601."""
    if not value:
        return None
    try:
        return iso(parse_moment(value, UTC))  # a date without an offset is UTC, as it always was here
    except ValueError as exc:
        raise RowError(f"started_at {exc}") from None


def _close(db: Database, pairing_id: int, now: str, reason: str, words: str | None, changes: dict[str, Any]) -> None:
    """The sheet closes a pairing: its other changes (a cohort) first, then the one way a pairing closes."""
    if changes:
        update_row(db, "pairings", pairing_id, changes)
    close(db, pairing_id, from_iso(now), "sheet", reason, words)


def _pair(db: Database, row: dict[str, str], now: str, calendar: Calendar) -> Change:
    people = {}
    for column in ("mentor_email", "mentee_email"):
        address = _email(row.get(column, ""), column)
        person = one(db, "SELECT id, status FROM participants WHERE email = ?", [address])
        if person is None:
            raise RowError(f"{column} {address} is not a participant; import participants first")
        people[column] = person
    mentor, mentee = people["mentor_email"], people["mentee_email"]
    if mentor["id"] == mentee["id"]:
        raise RowError("mentor and mentee are the same person")
    status = _choice(row.get("status", ""), PAIR_STATUSES, "status", "active")
    cohort = calendar.find(row.get("cohort") or "")
    # A pair imported into a cohort began with it, unless the sheet says when it started.
    begun = day_start(cohort.start, calendar.zone) if cohort else now
    started = _moment(row.get("started_at", "")) or (begun if status == "active" else None)
    existing = one(db, "SELECT * FROM pairings WHERE mentor_id = ? AND mentee_id = ?", [mentor["id"], mentee["id"]])
    left = [row[c] for c in ("mentor_email", "mentee_email") if people[c]["status"] == "left"]
    if left and status in ("active", "proposed") and (existing is None or existing["status"] != status):
        return Change("kept", note=f"not made {status}: {' and '.join(left)} left the program")
    # Why the sheet closes it: its words mapped onto the reasons when unmistakable, else `other`, the words kept.
    reason, words = read(row.get("close_reason", "")) if status == "closed" else ("other", None)
    if existing is None:
        record = {"mentor_id": mentor["id"], "mentee_id": mentee["id"], "status": status, "started_at": started}
        record["cohort"] = cohort.name if cohort else None
        if status == "closed":  # it ended now, as far as anyone can tell
            record |= {"ended_at": now, "close_reason": reason, "close_note": words, "close_reason_by": "sheet"}
        return Change("added", lambda: insert_row(db, "pairings", {**record, "created_at": now}))
    changes: dict[str, Any] = {}
    if existing["status"] != status:
        changes["status"] = status
    # An empty cell leaves the pair's cohort as it is (set by an earlier sheet or a request's `cohort:` line).
    if cohort is not None and existing["cohort"] != cohort.name:
        changes["cohort"] = cohort.name
    if not changes:
        return Change("unchanged")
    if changes.get("status") == "closed":  # closed by the sheet: it ended now, with the sheet's reason (or one given)
        rest = {k: v for k, v in changes.items() if k != "status"}
        return Change("updated", lambda: _close(db, existing["id"], now, reason, words, rest))
    if "status" in changes and existing["status"] == "closed":
        changes |= reopened()  # opened again: its last end and reason belong to the time it was closed, not to now
    return Change("updated", lambda: update_row(db, "pairings", existing["id"], changes))
