"""A program folder on Maildir in and out, driven only through `mentor-assistant`: the end-to-end tests' harness.

Mail is dropped in the inbox Maildir, `run --once` runs at a given moment (`--now`), and what went out is read
back from the sent Maildir as messages.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import sqlite3
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

from assistant.cli import main
from assistant.mail.replies import reply
from assistant.transport.maildir import deliver
from tests.conftest import CONFIG, ROOT

EXAMPLES = ROOT / "examples"


class Cli:
    """`config`: the config's text (default: the tests' CONFIG); `pairs`: the pairs sheet to import (default: the
    example one); `imported_at`: the moment of the import (default: now)."""

    def __init__(self, folder: Path, config: str = "", pairs: Path | None = None, imported_at: str = ""):
        self.folder = folder
        self.config = folder / "config.yaml"
        self.config.write_text(config or CONFIG.format(root=ROOT), encoding="utf-8")
        at = ["--now", imported_at] if imported_at else []
        assert self(*at, "import", "participants", str(EXAMPLES / "participants.csv")) == 0
        assert self(*at, "import", "pairs", str(pairs or EXAMPLES / "pairs.csv")) == 0

    def __call__(self, *args: str) -> int:
        return main(["--config", str(self.config), *args])

    def run(self, now: str) -> None:
        assert self("--now", now, "run", "--once") == 0

    def deliver(self, raw: bytes) -> None:
        deliver(self.folder / "inbox", raw)

    def sent(self, subject: str = "", to: str = "") -> list[EmailMessage]:
        """What went out (the sent Maildir), oldest first, whose subject contains `subject` and To names `to`."""
        files = sorted((self.folder / "sent" / "new").iterdir(), key=lambda p: p.stat().st_mtime_ns)
        found = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in files]
        return [m for m in found if subject in str(m["Subject"]) and to in str(m["To"])]

    def sql(self, query: str, params: tuple = ()) -> list[tuple]:
        with sqlite3.connect(self.folder / "program.db") as db:
            return db.execute(query, params).fetchall()


def reply_at(original: EmailMessage, sender: tuple[str, str], text: str, when: str) -> bytes:
    """`sender` replies to `original` with `text` at `when` (UTC, ISO without an offset), as Gmail writes replies."""
    return reply(original.as_bytes(), sender, text, when=datetime.fromisoformat(when + "+00:00"))


def written(
    sender: tuple[str, str], to: str, subject: str, body: str, date: str = "Wed, 02 Dec 2026 10:00:00 +0000"
) -> bytes:
    """A new mail (no thread) from `sender` to `to`."""
    message = EmailMessage()
    message["From"] = email.utils.formataddr(sender)
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = date
    message["Message-ID"] = email.utils.make_msgid(domain=sender[1].partition("@")[2])
    message.set_content(body)
    return message.as_bytes()
