"""Local Maildir folders: the embedded default inbox and outbound "sender" (no mail server needed).

An MTA can also deliver into the inbox Maildir. Outbound writes one message per file, which any mail client
(or `mutt -f`) can open.
"""

from __future__ import annotations

import contextlib
import mailbox
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

from assistant.mail.message import HEADER_BYTES, message_id_of, read_headers
from assistant.transport.base import Incoming, SendError, Sent


class MaildirInbox:
    """Reads new/; a processed message moves to cur/ with the Seen flag (the Maildir way of saying done)."""

    problem = None  # a folder on this machine: no server to be refused by

    def __init__(self, path: Path):
        self.path = Path(path)
        self.box = mailbox.Maildir(str(self.path), create=True)

    def fetch(self) -> Iterator[Incoming]:
        # Plain strings and os calls: a reply costs a directory entry, a read and a rename, not a dozen Paths.
        new_dir, folder = os.path.join(self.path, "new"), str(self.path)
        try:
            with os.scandir(new_dir) as found:
                entries = sorted(_dated(found))
        except FileNotFoundError:  # no new/ (yet)
            return
        for _, name in entries:
            try:
                with open(os.path.join(new_dir, name), "rb") as handle:
                    raw = handle.read()
            except FileNotFoundError:  # another reader took it
                continue
            yield Incoming(key=name, raw=raw, mailbox=folder)

    def mark_processed(self, item: Incoming) -> None:
        key = item.key.split(":", 1)[0]
        with contextlib.suppress(FileNotFoundError):  # already moved: marking is idempotent
            os.rename(os.path.join(self.path, "new", item.key), os.path.join(self.path, "cur", f"{key}:2,S"))

    def expunge(self, message_ids: Sequence[str]) -> dict[str, bool]:
        return expunge_files(self.path, message_ids)

    def close(self) -> None:
        pass


def _dated(entries: Iterator[os.DirEntry[str]]) -> Iterator[tuple[float, str]]:
    """(mtime, name) of each message file, oldest first once sorted: not a hidden file, nor one another reader has
    taken since the folder was listed."""
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            yield entry.stat().st_mtime, entry.name
        except FileNotFoundError:
            continue


class MaildirOutbound:
    """Delivers by writing the message into a Maildir's new/ folder."""

    def __init__(self, path: Path):
        self.path = Path(path)
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

    def expunge(self, message_ids: Sequence[str]) -> dict[str, bool]:
        return expunge_files(self.path, message_ids)

    def close(self) -> None:
        pass


def expunge_files(path: Path, message_ids: Sequence[str]) -> dict[str, bool]:
    """Unlink every file in the Maildir (new/, cur/, tmp/) whose Message-ID is one of these, and sync the folders so
    the removal outlives a power cut. Each file's headers are read: a Maildir has no index by Message-ID."""
    wanted = {message_id.strip().lower(): message_id for message_id in message_ids}
    found = dict.fromkeys(message_ids, False)
    for folder in (path / "new", path / "cur", path / "tmp"):
        removed = False
        for entry in sorted(folder.iterdir()) if folder.is_dir() else []:
            message_id = _message_id(entry)
            if message_id in wanted:
                with contextlib.suppress(FileNotFoundError):
                    entry.unlink()
                found[wanted[message_id]] = removed = True
        if removed:
            _sync(folder)
    return found


def _message_id(entry: Path) -> str | None:
    try:
        with entry.open("rb") as handle:
            head = handle.read(HEADER_BYTES)
    except (FileNotFoundError, IsADirectoryError):
        return None
    parsed = read_headers(head)
    # The name the ledger gave it: a message without a Message-ID is named after its bytes, all of them.
    raw = head if parsed.get("Message-ID") else entry.read_bytes()
    return message_id_of(parsed, raw).strip().lower()


def _sync(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def deliver(path: Path, raw: bytes) -> str:
    """Drop a message into a Maildir's new/ (how tests and the demo play a person's mail client)."""
    return mailbox.Maildir(str(path), create=True).add(raw)
