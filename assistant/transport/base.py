"""What every transport offers, so IMAP/SMTP and Maildir are interchangeable behind the pipeline.

The transport keeps nothing of its own: what an inbox must remember between runs goes through a `Checkpoint` the
caller supplies, and what a send did comes back as a value (`Sent`, or a `SendError` of one of three kinds), for the
caller to record.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from assistant.transport.problems import ConnectionProblem


@dataclass(frozen=True)
class Incoming:
    """One message as the inbox holds it: raw bytes and where it lives (for marking it processed)."""

    key: str  # the inbox's own name for it (Maildir key, or IMAP UID)
    raw: bytes
    mailbox: str = ""
    uidvalidity: int | None = None


class Inbox(Protocol):
    problem: ConnectionProblem | None  # why the server cannot be used right now; None when all is well

    def fetch(self) -> Iterator[Incoming]:
        """New messages, oldest first. Nothing is marked until mark_processed."""
        ...

    def mark_processed(self, item: Incoming) -> None:
        """Called only after the message is safely in the ledger."""
        ...

    def close(self) -> None: ...


@runtime_checkable
class Quarantine(Protocol):
    """An inbox that can move mail nobody could handle into a folder of its own (IMAP's `quarantine_folder`)."""

    folder: str  # the `mailbox` of the messages it yields
    quarantine_folder: str | None  # None: it keeps nothing aside

    def quarantine(self, message_ids: Sequence[str]) -> dict[str, bool]:
        """Move these messages (by Message-ID) aside. Returns, for each one tried, whether it was found; the ones
        left out were not tried (no connection now) and can be tried again later."""
        ...


@runtime_checkable
class Expunge(Protocol):
    """An inbox or a sender that keeps copies of mail in folders of its own (a Maildir's files, the IMAP folders it
    moved mail to) and can remove some for good, by Message-ID."""

    def expunge(self, message_ids: Sequence[str]) -> dict[str, bool]:
        """Remove every copy of these messages from the folders it owns. Returns, for each one tried, whether a copy
        was found; the ones left out were not tried (no connection now) and can be tried again later."""
        ...


@dataclass(frozen=True)
class Position:
    """Where reading a folder left off: the server's numbering of it (UIDVALIDITY) and the last UID handled."""

    uidvalidity: int | None = None
    last_uid: int = 0


class Checkpoint(Protocol):
    """What an inbox keeps outside itself, so a restart reads on from where it left off and `status` can say how the
    connection is. `mailbox` names one folder on one server (e.g. imap://ada@mail.example.org:993/INBOX)."""

    def load(self, mailbox: str) -> Position: ...

    def save(self, mailbox: str, position: Position) -> None: ...

    def connected(self, mailbox: str) -> None:
        """Logged in and the folder selected (the last error is cleared)."""
        ...

    def disconnected(self, mailbox: str, error: str | None = None) -> None:
        """Logged out, or lost with `error`."""
        ...

    def polled(self, mailbox: str) -> None:
        """The server was asked for new mail."""
        ...

    def uidvalidity_changed(self, mailbox: str, old: int, new: int) -> None:
        """The server renumbered the folder: it is read again from the start."""
        ...


@dataclass(frozen=True)
class Refusal:
    """One recipient the server would not take, with its reply (e.g. 550, "5.1.1 no such user")."""

    address: str
    code: int
    text: str

    @property
    def permanent(self) -> bool:
        return self.code >= 500


@dataclass(frozen=True)
class Sent:
    """A message handed over: who took it, and who was refused while the others got it (resending would give
    those others a second copy, so a refusal here is something to record, not a failure)."""

    accepted: tuple[str, ...]
    refused: tuple[Refusal, ...] = ()


class SendError(Exception):
    """Nothing was handed over, or we cannot know whether it was. Three kinds:

    uncertain  the server may have accepted it (e.g. a timeout after end-of-data): never resend automatically
    permanent  (5xx) resending will not help
    otherwise  temporary (4xx, network): worth trying again later

    `refused` lists the recipients refused with their codes when every one was refused.
    """

    def __init__(
        self, message: str, permanent: bool = False, uncertain: bool = False, refused: Sequence[Refusal] = ()
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.uncertain = uncertain
        self.refused = tuple(refused)

    @property
    def rejected(self) -> tuple[str, ...]:
        """The recipients refused for good (5xx)."""
        return tuple(r.address for r in self.refused if r.permanent)


class ConnectError(SendError):
    """The server itself could not be used (login refused, TLS failed, unreachable): no message can go now, so a
    drain stops at the first one instead of trying every row. Temporary as far as each message is concerned."""

    def __init__(self, problem: ConnectionProblem) -> None:
        super().__init__(problem.line())
        self.problem = problem


class Outbound(Protocol):
    def open(self) -> None:
        """Be ready to send (connect and log in, if there is a server); ConnectError when that cannot be done."""
        ...

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Sent:
        """Deliver one message: what happened to each recipient, or SendError when nobody got it."""
        ...

    def close(self) -> None: ...
