"""Reading a CSV file the way spreadsheets write them: its encoding, its delimiter, its columns, its rows by line.

What Excel, Numbers, LibreOffice and Google Sheets produce: UTF-8 with or without a byte-order mark, UTF-16 with
one ("Unicode text"), a Windows code page ("CSV (Comma delimited)" on a Western or Central European Windows);
commas, semicolons (where the comma is the decimal mark) or tabs; empty trailing columns; a column of notes.

The encoding of a file that is not UTF-8 is identified with charset-normalizer among the code pages spreadsheets
use, and said, with the accented values it gave, so a person can see at once whether the names read right
(`--encoding` settles it otherwise). Anything that makes the file as a whole unreadable (an unknown encoding, a
quote never closed, a missing column) is a `SheetProblem` with its line: nothing of such a file is imported.
"""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MAX_FILE_BYTES = 50_000_000  # some 200,000 people; a larger file is a mistake (or /dev/zero), not a program
DELIMITERS = (",", ";", "\t")
# What spreadsheets save a "CSV" in, besides UTF-8: Windows' code pages for Western, Central European, Cyrillic,
# Greek, Turkish and Baltic systems, and old Macs. Anything else is more likely a misreading than a sheet.
CODE_PAGES = ("cp1252", "cp1250", "cp1251", "cp1253", "cp1254", "cp1257", "mac_roman")
SHOWN = 5  # accented values quoted back when the encoding was identified


class SheetProblem(ValueError):
    """The file as a whole cannot be read: nothing of it is imported. The message names the file and line."""


@dataclass
class Sheet:
    columns: list[str]  # lower-case, stripped; "" for an unnamed (empty) column
    rows: list[tuple[int, dict[str, str]]]  # (line where the row starts, known column → stripped value)
    notes: list[str] = field(default_factory=list)  # what a person should know: the encoding, ignored columns


def read_sheet(path: Path, known: tuple[str, ...], required: tuple[str, ...], encoding: str | None = None) -> Sheet:
    """The whole file read, checked and split into rows before anything is imported."""
    data = _bytes(path)
    text, notes = _decode(path, data, encoding)
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns = [c.strip().lower() for c in _next(path, reader, 0) or []]
    missing = [c for c in required if c not in columns]
    if missing:
        shown = {",": "commas", ";": "semicolons", "\t": "tabs"}[delimiter]
        raise SheetProblem(
            f"{path}:1: missing column(s) {', '.join(missing)} (the first row, read as separated by {shown}, has: "
            f"{', '.join(c for c in columns if c) or 'nothing'}); the columns are: {', '.join(known)}"
        )
    ignored = [c for c in dict.fromkeys(columns) if c and c not in known]
    if ignored:
        notes.append(f"{path}: ignored column(s) {', '.join(ignored)} (the columns read are: {', '.join(known)})")
    return Sheet(columns, _rows(path, reader, columns, known), notes)


def _rows(path: Path, reader: Any, columns: list[str], known: tuple[str, ...]) -> list[tuple[int, dict]]:
    rows = []
    while True:
        start = reader.line_num + 1
        values = _next(path, reader, start)
        if values is None:
            return rows
        if not any(v.strip() for v in values):
            continue  # an empty line, or a row of empty cells (Excel's trailing rows)
        extra = values[len(columns) :]
        if any(v.strip() for v in extra):
            raise SheetProblem(f"{path}:{start}: {len(values)} values, but {len(columns)} columns (a stray delimiter?)")
        row = {c: v.strip() for c, v in zip(columns, values, strict=False) if c in known}
        rows.append((start, row))


def _next(path: Path, reader: Any, start: int) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as exc:
        if "unexpected end of data" in str(exc):
            raise SheetProblem(f"{path}:{start}: a quote opened in this row is never closed") from None
        raise SheetProblem(f"{path}:{reader.line_num}: {exc}") from None


def _bytes(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SheetProblem(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise SheetProblem(f"{path}: larger than {MAX_FILE_BYTES // 1_000_000} MB; split it and import the parts")
    return data


def _decode(path: Path, data: bytes, encoding: str | None) -> tuple[str, list[str]]:
    """(text, notes). UTF-8 and UTF-16 are certain (a BOM, or valid UTF-8); a code page is identified and said."""
    if encoding:
        return _forced(path, data, encoding), []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _forced(path, data, "utf-16"), []
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        pass
    name = _code_page(data)
    if name is None:
        raise SheetProblem(
            f"{path}: not UTF-8, and not in a code page spreadsheets use; nothing was imported. Save the sheet as "
            '"CSV UTF-8" (Excel, Numbers) or with the character set Unicode (UTF-8) (LibreOffice), or name its '
            "encoding with --encoding"
        )
    text = data.decode(name)
    accented = list(dict.fromkeys(w for w in text.replace(",", " ").replace(";", " ").split() if not w.isascii()))
    sample = ", ".join(accented[:SHOWN]) or "no accented letters"
    note = (
        f"{path}: not UTF-8; read as {name} ({sample}). If these do not read right, import it again with "
        f'--encoding NAME (e.g. cp1252, cp1250, mac_roman), or save it as "CSV UTF-8"'
    )
    return text, [note]


def _forced(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(codecs.lookup(encoding).name if encoding.lower() != "utf-8" else "utf-8-sig")
    except LookupError:
        raise SheetProblem(f"--encoding {encoding!r} is not an encoding Python knows (e.g. utf-8, cp1252)") from None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SheetProblem(f"{path}:{line}: not {encoding} text (byte 0x{data[exc.start]:02x})") from None


def _code_page(data: bytes) -> str | None:
    """The spreadsheet code page charset-normalizer finds most likely, or None. Where code pages give the same text
    (a sheet of Western names reads the same in cp1250 and cp1252), it is named as Western Windows (cp1252), what
    Excel writes on most systems."""
    from charset_normalizer import from_bytes

    matches = [m for m in from_bytes(data, cp_isolation=list(CODE_PAGES)) if m.encoding in CODE_PAGES]
    if not matches:
        return None
    best = min(matches, key=lambda m: m.chaos)
    return "cp1252" if "cp1252" in best.could_be_from_charset else best.encoding


def _delimiter(text: str) -> str:
    """The delimiter of the header row: the one of comma, semicolon and tab it holds most of, outside quotes."""
    header = text.split("\n", 1)[0]
    outside, quoted = [], False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted:
            outside.append(char)
    plain = "".join(outside)
    return max(DELIMITERS, key=lambda d: (plain.count(d), d == ","))
