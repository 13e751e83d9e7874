"""The command line's option types: a value that cannot be right is refused by argparse itself, before any work
starts, with one line naming the option and what to write instead, and exit code 2."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, date
from pathlib import Path

from assistant.clock import EARLIEST_YEAR, IN_RANGE, LATEST_YEAR, parse_day, parse_moment

MAX_ROWS = 1_000_000  # more than any program's outbox holds, and far below what SQLite's integers can hold


def moment(text: str) -> str:
    """`--now`: checked here, read in the program's time zone once the config is loaded."""
    try:
        parse_moment(text, UTC)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def day(text: str) -> date:
    try:
        return parse_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cycle(text: str) -> str:
    """A check-in period, YYYY-MM."""
    if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a month like 2026-12")
    if not EARLIEST_YEAR <= int(text[:4]) <= LATEST_YEAR:
        raise argparse.ArgumentTypeError(f"{text!r} is out of range: choose a month {IN_RANGE}")
    return text


def period(text: str) -> str:
    """What check-ins are stored under: a month, or `closing` for the closing surveys."""
    return text if text == "closing" else cycle(text)


def rows(text: str) -> int:
    return _whole_number(text, 1, MAX_ROWS)


def minutes(text: str) -> int:
    return _whole_number(text, 1, 525_600)  # a year


def port(text: str) -> int:
    return _whole_number(text, 1, 65535)


def listen(text: str) -> tuple[str, int]:
    """`web --listen`: host:port (port 0: any free port, said when serving)."""
    found = re.fullmatch(r"(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})", text.strip())
    if not found or int(found.group(2)) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not host:port, like 127.0.0.1:8025")
    return found.group(1).strip("[]"), int(found.group(2))


def _whole_number(text: str, lowest: int, highest: int) -> int:
    if not re.fullmatch(r"[0-9]{1,9}", text.strip()) or not lowest <= int(text) <= highest:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from {lowest} to {highest:,}")
    return int(text)


def entity(text: str) -> str:
    """KIND:ID (checkin:12); which kinds a rule matches is the rule's to say."""
    if not re.fullmatch(r"[a-z_]+:[0-9]{1,18}", text):  # 18 digits always fit SQLite's integers; 20 do not
        raise argparse.ArgumentTypeError(f"{text!r} is not an entity like checkin:12 or pairing:3")
    return text


def new_folder(text: str) -> Path:
    """A folder the command fills with files of its own: one that does not exist yet, or an empty one."""
    path = Path(text)
    try:
        occupied = path.exists() and (not path.is_dir() or any(path.iterdir()))
    except OSError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: {exc.strerror or exc}") from None
    if occupied:
        raise argparse.ArgumentTypeError(f"{text!r} is a file or a folder with files in it; name a new or empty folder")
    return path


def command(commands: argparse._SubParsersAction, name: str, help: str, description: str) -> argparse.ArgumentParser:
    """A subcommand whose --help keeps the description's line breaks (they carry examples and column lists)."""
    return commands.add_parser(name, help=help, description=description, formatter_class=argparse.RawTextHelpFormatter)
