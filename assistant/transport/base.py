"""What every transport offers, so IMAP/SMTP and Maildir are interchangeable behind the pipeline."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Incoming:
    """One message as the inbox holds it: raw bytes and where it lives (for marking it processed)."""

    key: str  # the inbox's own name for it (Maildir key, or IMAP UID)
    raw: bytes
    mailbox: str = ""
    uidvalidity: int | None = None


class Inbox(Protocol):
    def fetch(self) -> Iterator[Incoming]:
        """New messages, oldest first. Nothing is marked until mark_processed."""
        ...

    def mark_processed(self, item: Incoming) -> None:
        """Called only after the message is safely in the ledger."""
        ...

    def close(self) -> None: ...


class SendError(Exception):
    """Sending failed.

    permanent  (5xx) do not retry; the addresses in `rejected` get a bounce mark
    uncertain  the server may have accepted it (e.g. a timeout after end-of-data): never resend automatically
    otherwise  (4xx, network) retry later with backoff, until the deadline
    """

    def __init__(self, message: str, permanent: bool = False, uncertain: bool = False, rejected: Sequence[str] = ()):
        super().__init__(message)
        self.permanent = permanent
        self.uncertain = uncertain
        self.rejected = tuple(rejected)


class Outbound(Protocol):
    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> None:
        """Deliver one message or raise SendError."""
        ...

    def close(self) -> None: ...
