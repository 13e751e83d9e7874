"""Shared fixtures: a throw-away program folder on the embedded default (Maildir in and out, SQLite), a clock
that only moves when a test moves it, and helpers to play participants' mail clients. Every mail any test
composes is held to RELIABILITY case 28 when the test ends (`headers_survive`)."""

from __future__ import annotations

import email
import email.policy
import importlib
import shutil
from collections.abc import Iterator, Mapping
from datetime import datetime
from email.message import EmailMessage, Message
from pathlib import Path
from typing import Any

import pytest

from assistant.app import App
from assistant.clock import FixedClock, iso
from assistant.config import load_config
from assistant.coordinator.importer import import_pairs, import_participants
from assistant.db import open_db
from assistant.program.samples import program_samples
from assistant.render import Renderer
from assistant.transport.maildir import deliver

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT.parent / "shared" / "corpora"


@pytest.fixture(scope="session", autouse=True)
def _own_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Compiled templates go to the session's own cache folder (render.CACHE under XDG_CACHE_HOME), the CLI's
    subprocesses' too: the suite's many temporary template folders never fill the developer's ~/.cache."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        yield


CONFIG = """\
program_name: Test Mentoring Program
assistant: {{name: Ada, address: mentoring@example.org}}
coordinators: [{{name: Grace Hopper, email: grace@example.org}}]
timezone: Europe/London
database: ./program.db
inbox: {{type: maildir, path: ./inbox}}
outbound: {{type: maildir, path: ./sent}}
checkins: {{day_of_month: 1, hour: 9, form: monthly}}
digest: {{enabled: false}}  # the digest has its own tests (test_digest.py); here it would only add mail to count
templates: {root}/templates
rules: {root}/rules
"""


COMMON_CONTEXT = {"program_name", "assistant_name", "assistant_address", "coordinator", "coordinators", "leave"}


@pytest.fixture(autouse=True)
def _templates_get_no_more_than_their_samples(monkeypatch: pytest.MonkeyPatch) -> None:
    """`check` renders each template with its sample (assistant/program/template_samples.json): every render in
    the suite proves the sample lists everything the program really gives, so a template `check` passes cannot
    fail on a variable the sample lacks."""
    original = Renderer.render

    def checked(self: Renderer, name: str, context: dict[str, Any]) -> Any:
        _within_sample(name, context)
        return original(self, name, context)

    monkeypatch.setattr(Renderer, "render", checked)


def _within_sample(name: str, context: dict[str, Any]) -> None:
    if "rule" in context or not (ROOT / "templates" / f"{name}.subject.j2").exists():
        return  # a rule's mail: its sample is built by the same code (followup.context); or a test's own template
    sample = program_samples().get(name)
    where = "assistant/program/template_samples.json"
    assert sample is not None, f"the program renders {name}, which has no sample in {where}"
    extra = set(context) - set(sample) - COMMON_CONTEXT
    assert not extra, f"{name} was given {sorted(extra)}, which its sample in {where} lacks"
    for key, value in context.items():
        given, example = _shape(value), _shape(sample.get(key))
        if given and example:
            assert given <= example, f"{name}: {key} has {sorted(given - example)}, which its sample lacks ({where})"


def _shape(value: Any) -> set[str]:
    """The keys a template can reach in a value: a mapping's, or those of a list's first mapping."""
    if isinstance(value, list | tuple) and value:
        value = value[0]
    return {str(k) for k in value} if isinstance(value, Mapping) else set()


def at(text: str) -> datetime:
    """A moment in UTC from 'YYYY-MM-DDTHH:MM'."""
    return datetime.fromisoformat(text + "+00:00")


class Program:
    """A program folder with the example people and pairs, driven step by step."""

    def __init__(self, folder: Path, clock: FixedClock):
        self.folder, self.clock = folder, clock
        self.config_path = folder / "config.yaml"
        self.config_path.write_text(CONFIG.format(root=ROOT), encoding="utf-8")
        self.config = load_config(self.config_path)
        db = open_db(self.config.database)
        import_participants(db, ROOT / "examples" / "participants.csv", iso(clock.now()))
        import_pairs(db, ROOT / "examples" / "pairs.csv", iso(clock.now()))
        self.app = App(self.config, clock, db)
        self.db = db

    def reload(self) -> None:
        """A restart: the config, templates, forms and rules read again (the database stays open)."""
        self.config = load_config(self.config_path)
        self.app = App(self.config, self.clock, self.db)

    def run(self, when: str | None = None):
        if when:
            self.clock.set(at(when))
        return self.app.run_once()

    def deliver(self, raw: bytes) -> None:
        deliver(self.config.inbox.path, raw)

    def sent(self) -> list[EmailMessage]:
        """Every message in the outbound Maildir, oldest first."""
        folder = self.config.outbound.path / "new"
        files = sorted(folder.iterdir(), key=lambda p: p.stat().st_mtime_ns) if folder.exists() else []
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]

    def outbox(self, **where: str) -> list[dict]:
        clause = " AND ".join(f"{k} = ?" for k in where) or "1"
        return list(self.db.query(f"SELECT * FROM outbox WHERE {clause} ORDER BY id", list(where.values())))

    def last_to(self, address: str, template: str | None = None) -> bytes:
        rows = [r for r in self.outbox(to_addr=address) if template is None or r["template"] == template]
        assert rows, f"nothing was queued to {address}"
        return rows[-1]["raw"]

    def answers(self, address: str) -> dict[str, str]:
        rows = self.db.query(
            "SELECT a.question, a.value FROM answers a JOIN checkins c ON c.id = a.checkin_id"
            " JOIN participants p ON p.id = c.participant_id WHERE p.email = ?",
            [address],
        )
        return {row["question"]: row["value"] for row in rows}

    def checkin(self, address: str) -> dict:
        rows = list(
            self.db.query(
                "SELECT c.* FROM checkins c JOIN participants p ON p.id = c.participant_id WHERE p.email = ?"
                " ORDER BY c.id DESC",
                [address],
            )
        )
        return rows[0]


@pytest.fixture
def program(tmp_path: Path) -> Iterator[Program]:
    clock = FixedClock(at("2026-11-30T12:00"))
    prog = Program(tmp_path, clock)
    yield prog
    prog.app.close()


@pytest.fixture
def example_config(tmp_path: Path) -> Path:
    """A copy of config.example.yaml in a temporary folder, with the templates and rules it names."""
    for name in ("templates", "rules"):
        shutil.copytree(ROOT / name, tmp_path / name)
    shutil.copy(ROOT / "config.example.yaml", tmp_path / "config.yaml")
    return tmp_path / "config.yaml"


ADDRESS_HEADERS = ("from", "to", "cc", "reply-to")
ENQUEUE = importlib.import_module("assistant.outbox.enqueue")  # the module: the package exports a function so named


def headers_survive(raw: bytes, rounds: int = 3, refold: bool = True) -> None:
    """RELIABILITY case 28 for one message: each header, decoded (policy.default) and written again, round after
    round, holds no CR or LF, and the message keeps exactly its headers and each address header its addresses.

    refold=False writes the rounds without folding: Python 3.11's folder itself drops the quotes of a long quoted
    display name (CPython gh-80222, fixed in later releases), so a correct header of a long name with a comma gains
    an address when Python re-folds it, whoever wrote it. The suite's own mail is checked with folding.
    """
    policy = email.policy.default if refold else email.policy.default.clone(max_line_length=0)
    message = email.message_from_bytes(raw.split(b"\n\n", 1)[0] + b"\n\n", policy=email.policy.default)
    names = [name.lower() for name in message]
    addresses = {name: _addresses(message, name) for name in ADDRESS_HEADERS if name in message}
    for _ in range(rounds):
        again = EmailMessage(policy=policy)
        for name, value in message.items():
            decoded = str(value)
            assert "\r" not in decoded and "\n" not in decoded, f"{name}: {decoded!r}"
            again[name] = decoded
        message = email.message_from_bytes(again.as_bytes(), policy=email.policy.default)
        assert [name.lower() for name in message] == names
        assert {name: _addresses(message, name) for name in addresses} == addresses


def _addresses(message: Message, name: str) -> list[str]:
    return [address.addr_spec for address in message[name].addresses]


@pytest.fixture(autouse=True)
def _every_composed_mail_survives_decoding(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Message]]:
    """Wraps the one composing function the outbox calls; when the test ends, every mail it composed passes
    `headers_survive`. (Tests that run the CLI in another process check their sent folder themselves.)"""
    composed: list[Message] = []
    compose = ENQUEUE.compose

    def composing(*args: Any, **kwargs: Any) -> Message:
        message = compose(*args, **kwargs)
        composed.append(message)
        return message

    monkeypatch.setattr(ENQUEUE, "compose", composing)
    yield composed
    for message in composed:
        headers_survive(message.as_bytes())
