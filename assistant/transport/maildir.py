"""Local Maildir folders: the embedded default inbox and outbound "sender" (no mail server needed).

An MTA can also deliver into the inbox Maildir. Outbound writes one message per file, which any mail client
(or `mutt -f`) can open.
"""

from __future__ import annotations

import contextlib
import mailbox
from collections.abc import Iterator, Sequence
from pathlib import Path

from assistant.transport.base import Incoming, SendError, Sent


class MaildirInbox:
    """Reads new/; a processed message moves to cur/ with the Seen flag (the Maildir way of saying done)."""

    problem = None  # a folder on this machine: no server to be refused by

    def __init__(self, path: Path):
        self.path = Path(path)
        self.box = mailbox.Maildir(str(self.path), create=True)

    def fetch(self) -> Iterator[Incoming]:
        new_dir = self.path / "new"
        entries = sorted(new_dir.iterdir(), key=lambda p: (p.stat().st_mtime, p.name)) if new_dir.exists() else []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                raw = entry.read_bytes()
            except FileNotFoundError:  # another reader took it
                continue
            yield Incoming(key=entry.name, raw=raw, mailbox=str(self.path))

    def mark_processed(self, item: Incoming) -> None:
        source = self.path / "new" / item.key
        key = item.key.split(":", 1)[0]
        with contextlib.suppress(FileNotFoundError):  # already moved: marking is idempotent
            source.rename(self.path / "cur" / f"{key}:2,S")

    def close(self) -> None:
        pass


class MaildirOutbound:
    """Delivers by writing the message into a Maildir's new/ folder."""

    def __init__(self, path: Path):
        try:
            self.box = mailbox.Maildir(str(path), create=True)
        except OSError as exc:
            raise SendError(f"cannot open outbound Maildir {path}: {exc}") from None

    def open(self) -> None:
        pass  # a folder on this machine: nothing to connect to

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Sent:
        try:
            self.box.add(raw)
        except OSError as exc:
            raise SendError(f"cannot write to outbound Maildir: {exc}") from None
        return Sent(accepted=tuple(recipients))

    def close(self) -> None:
        pass


def deliver(path: Path, raw: bytes) -> str:
    """Drop a message into a Maildir's new/ (how tests and the demo play a person's mail client)."""
    return mailbox.Maildir(str(path), create=True).add(raw)
