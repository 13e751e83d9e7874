"""Import participants and pairs from CSV. Good rows are kept, bad rows are reported by line; re-importing the
same file changes nothing (rows are matched by email, pairs by their two emails)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlite_utils import Database

from assistant.clock import iso, parse_moment
from assistant.coordinator.progress import Progress
from assistant.db import insert_row, one, update_row
from assistant.headertext import clean_name
from assistant.mail.message import strict_address

PARTICIPANT_COLUMNS = ("email", "name", "role", "status", "skills", "goals", "timezone", "capacity")
PAIR_COLUMNS = ("mentor_email", "mentee_email", "status", "started_at")
ROLES = ("mentor", "mentee", "both")
PARTICIPANT_STATUSES = ("active", "paused", "left")
PAIR_STATUSES = ("proposed", "active", "paused", "closed")
MAX_FILE_BYTES = 50_000_000  # some 200,000 people; a larger file is a mistake (or /dev/zero), not a program


class RowError(ValueError):
    pass


class FileProblem(ValueError):
    """The file as a whole cannot be imported: nothing of it is."""


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, {len(self.errors)} errors"


def import_participants(db: Database, path: Path, now: str) -> ImportReport:
    return _import(path, PARTICIPANT_COLUMNS, ("email",), lambda row: _participant(db, row, now))


def import_pairs(db: Database, path: Path, now: str) -> ImportReport:
    return _import(path, PAIR_COLUMNS, ("mentor_email", "mentee_email"), lambda row: _pair(db, row, now))


def _import(
    path: Path, known: tuple[str, ...], required: tuple[str, ...], apply: Callable[[dict], str]
) -> ImportReport:
    report = ImportReport()
    try:
        reader = csv.DictReader(io.StringIO(_text(path), newline=""))
        header = [h.strip().lower() for h in reader.fieldnames or []]
    except FileProblem as exc:
        report.errors.append(str(exc))
        return report
    except csv.Error as exc:
        report.errors.append(f"{path}:1: {exc}")
        return report
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h not in known]
    if missing or unknown:
        problem = f"missing column(s) {', '.join(missing)}" if missing else f"unknown column(s) {', '.join(unknown)}"
        report.errors.append(f"{path}:1: {problem}; the columns are: {', '.join(known)}")
        return report
    reader.fieldnames = header
    _rows(path, reader, apply, report)
    return report


def _rows(path: Path, reader: csv.DictReader, apply: Callable[[dict], str], report: ImportReport) -> None:
    """Each row applied on its own: a bad one is reported with its line and the others are kept."""
    with Progress(f"importing {path.name}") as progress:
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # a field over the csv module's limit, say: the rest cannot be read reliably
                line = reader.reader.line_num  # DictReader's own count is only updated after a row was read
                report.errors.append(f"{path}:{line}: {exc}; the rows from here on were not imported")
                return
            progress.advance()
            try:
                outcome = apply({k: (v or "").strip() for k, v in row.items() if k})
            except RowError as exc:
                report.errors.append(f"{path}:{reader.line_num}: {exc}")
                continue
            setattr(report, outcome, getattr(report, outcome) + 1)


def _text(path: Path) -> str:
    """The whole file as text, read before anything is imported.

    The encoding is never guessed: a guess that is wrong (Latin-1 and Windows-1252 and Mac Roman all look alike to
    a detector on a short sheet of names) would store the names garbled and mail them to the people themselves.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise FileProblem(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise FileProblem(f"{path}: larger than {MAX_FILE_BYTES // 1_000_000} MB; split it and import the parts")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise FileProblem(
            f"{path}:{line}: not UTF-8 text (byte 0x{data[exc.start]:02x}); nothing was imported. Save the sheet "
            'as "CSV UTF-8" (Excel, Numbers) or "Text CSV" with the character set Unicode (UTF-8) (LibreOffice), '
            "and import it again"
        ) from None


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


def _participant(db: Database, row: dict[str, str], now: str) -> str:
    record: dict[str, Any] = {
        "email": _email(row.get("email", ""), "email"),
        "name": clean_name(row.get("name", "")),  # a sheet's name may itself be an encoded word, or hold a newline
        "role": _choice(row.get("role", ""), ROLES, "role", "mentee"),
        "status": _choice(row.get("status", ""), PARTICIPANT_STATUSES, "status", "active"),
        "skills": row.get("skills", ""),
        "goals": row.get("goals", ""),
        "timezone": _timezone(row.get("timezone", "")),
        "capacity": _capacity(row.get("capacity", "")),
    }
    existing = one(db, "SELECT * FROM participants WHERE email = ?", [record["email"]])
    if existing is None:
        insert_row(db, "participants", {**record, "created_at": now, "updated_at": now})
        return "added"
    if all(existing[k] == v for k, v in record.items()):
        return "unchanged"
    update_row(db, "participants", existing["id"], {**record, "updated_at": now})
    return "updated"


def _timezone(value: str) -> str | None:
    if not value:
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder of zones, not one
        raise RowError(f"timezone {value!r} is not an IANA time zone like Europe/London") from None
    return value


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


def _pair(db: Database, row: dict[str, str], now: str) -> str:
    ids = {}
    for column in ("mentor_email", "mentee_email"):
        address = _email(row.get(column, ""), column)
        person = one(db, "SELECT id FROM participants WHERE email = ?", [address])
        if person is None:
            raise RowError(f"{column} {address} is not a participant; import participants first")
        ids[column] = person["id"]
    if ids["mentor_email"] == ids["mentee_email"]:
        raise RowError("mentor and mentee are the same person")
    status = _choice(row.get("status", ""), PAIR_STATUSES, "status", "active")
    started = _moment(row.get("started_at", "")) or (now if status == "active" else None)
    existing = one(
        db, "SELECT * FROM pairings WHERE mentor_id = ? AND mentee_id = ?", [ids["mentor_email"], ids["mentee_email"]]
    )
    if existing is None:
        insert_row(
            db,
            "pairings",
            {
                "mentor_id": ids["mentor_email"],
                "mentee_id": ids["mentee_email"],
                "status": status,
                "started_at": started,
                "created_at": now,
            },
        )
        return "added"
    if existing["status"] == status:
        return "unchanged"
    update_row(db, "pairings", existing["id"], {"status": status})
    return "updated"
