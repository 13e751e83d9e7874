"""The house's shape is a contract too: imports only point down the floors, and docs/architecture.md names every
module there is (and none that is not)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = ROOT / "assistant"
DOC = ROOT / "docs" / "architecture.md"

# Rooms by floor, top first. A module may import from its own room or from a room on a lower floor, never up and
# never sideways: that keeps the data flowing one way (transport → ledger → parse → classify → handle → rules →
# outbox → transport) and lets a room be read without the ones above it.
FLOORS: list[set[str]] = [
    {"__main__"},
    {"cli"},
    {"demo", "service", "simulate", "web"},
    {"app"},
    {"inbound", "coordinator"},
    {"program"},
    {"outbox"},
    {"engine", "forms", "identity", "transport"},
    {"mail"},
    {"render", "config", "db", "health"},
    {"clock", "yamlfile", "headertext", "languages", "__init__"},
]
FLOOR = {room: level for level, rooms in enumerate(FLOORS) for room in rooms}


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _room(module: str) -> str:
    """assistant.program.checkins.reply → program; assistant → __init__ (the package's face)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _name(path: Path) -> str:
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1] if len(parts) > 2 else [*parts[:-1], "__init__"]
    return ".".join(parts)


def _only_a_docstring(path: Path) -> bool:
    """A package's __init__.py that only says what the room is for (the room itself is described instead)."""
    body = ast.parse(path.read_text(encoding="utf-8")).body
    return path.name == "__init__.py" and path.parent != PACKAGE and len(body) <= 1


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "assistant":
            found.append((node.lineno, node.module))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.split(".")[0] == "assistant"]
    return found


def test_every_room_has_a_floor() -> None:
    rooms = {_room(_name(p)) for p in _modules()}
    assert rooms == set(FLOOR), (
        f"rooms without a floor: {rooms - set(FLOOR)}; floors without a room: {set(FLOOR) - rooms}"
    )


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_point_only_down(path: Path) -> None:
    here = _room(_name(path))
    wrong = [
        f"{path.relative_to(ROOT)}:{line} imports {module} ({_room(module)}, floor {FLOOR[_room(module)]}) from "
        f"{here} (floor {FLOOR[here]})"
        for line, module in _imports(path)
        if _room(module) != here and FLOOR[_room(module)] <= FLOOR[here]
    ]
    assert not wrong, "\n".join(wrong)


def test_the_architecture_document_names_every_module() -> None:
    text = DOC.read_text(encoding="utf-8")
    named = set(re.findall(r"assistant/[\w/]+\.py", text))
    actual = {str(p.relative_to(ROOT)) for p in _modules() if not _only_a_docstring(p)}
    assert not actual - named, f"docs/architecture.md does not describe {sorted(actual - named)}"
    assert not named - actual, f"docs/architecture.md names modules that do not exist: {sorted(named - actual)}"


def test_the_architecture_document_names_every_room() -> None:
    text = DOC.read_text(encoding="utf-8")
    packages = {p.parent.relative_to(ROOT) for p in PACKAGE.rglob("__init__.py") if p.parent != PACKAGE}
    missing = [str(p) for p in packages if f"`{p}/`" not in text]
    assert not missing, f"docs/architecture.md does not describe the rooms {missing}"


PROGRAM_WORDS = re.compile(
    r"(?i)\b(participants?|outbox|events?|mailboxes|mentees?|coordinators?|pairings?|check-?ins?)\b"
)
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE)\b")
STORAGE = {"assistant.db", "sqlite3", "sqlite_utils"}


def _every_import(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_the_transport_knows_no_program() -> None:
    """transport/ moves bytes: no database, no program table, no mentoring. What it must remember (the IMAP
    checkpoint) goes through an interface, and what a send did comes back as a value (transport/base.py)."""
    wrong = []
    for path in sorted((PACKAGE / "transport").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        words = {m.group(0) for m in PROGRAM_WORDS.finditer(text)} | set(SQL.findall(text))
        imported = {m for m in _every_import(path) if m.split(".")[0] in STORAGE or m in STORAGE}
        if words or imported:
            wrong.append(f"{path.relative_to(ROOT)} names {sorted(words)} and imports {sorted(imported)}")
    assert not wrong, "\n".join(wrong)
