"""Where each inbox left off, in the `mailboxes` table: the SQLite side of `transport.base.Checkpoint`.

One row per mailbox: (UIDVALIDITY, last UID), the connection state, the last poll and the last error, which
`status` shows (the table is a public contract: README, "The data"). A UIDVALIDITY change is also an event, so the
audit log says why a folder was read again.

Times here are the wall clock's, not the program's: they say when the server was really reached, even when the
program runs on a simulated clock (`--now`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlite_utils import Database

from assistant.clock import iso
from assistant.db import one, record_event
from assistant.transport.base import Position


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class MailboxCheckpoint:
    def __init__(self, db: Database, now: Callable[[], datetime] = _wall_clock):
        self.db, self.now = db, now

    def load(self, mailbox: str) -> Position:
        row = one(self.db, "SELECT uidvalidity, last_uid FROM mailboxes WHERE name = ?", [mailbox])
        return Position(row["uidvalidity"], row["last_uid"]) if row else Position()

    def save(self, mailbox: str, position: Position) -> None:
        self._update(mailbox, uidvalidity=position.uidvalidity, last_uid=position.last_uid)

    def connected(self, mailbox: str) -> None:
        self._update(mailbox, state="connected", last_error=None)

    def disconnected(self, mailbox: str, error: str | None = None) -> None:
        # A clean logout keeps the last error: `status` still tells what went wrong before it.
        self._update(mailbox, state="disconnected", **({"last_error": error} if error is not None else {}))

    def polled(self, mailbox: str) -> None:
        self._update(mailbox, last_poll_at=iso(self.now()))

    def uidvalidity_changed(self, mailbox: str, old: int, new: int) -> None:
        record_event(self.db, iso(self.now()), "uidvalidity_changed", mailbox, old=old, new=new)

    def _update(self, mailbox: str, **fields: Any) -> None:
        self.db["mailboxes"].upsert({"name": mailbox, **fields, "updated_at": iso(self.now())}, pk="name")
