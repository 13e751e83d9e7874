"""What a check and a handler are given for one inbound message: the parsed mail, what the program knows about it
(looked up once, before the chain), the forms, and where to put mail.

The inbound pipeline builds one `Inbound` per message; checks are predicates over it and never query the database;
handlers in `program/` write through its `db` and `outbox`, never through a transport. Its `outbox` is always the
message's `TriggeredOutbox`: whatever a handler queues is marked as set off by this message and capped per address
per day (outbox/triggered.py), so no handler, old or new, can forget the cap.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlite_utils import Database

from assistant.config import Config, Person
from assistant.forms.form import Form, Forms
from assistant.mail.forwarded import unwrap_message
from assistant.mail.message import ParsedMessage
from assistant.mail.reply_text import new_text
from assistant.outbox import Outbox
from assistant.outbox.triggered import TriggeredOutbox

Row = dict[str, Any]
# This cycle's figures, as the digest and `report` count them. Handed down by the wiring (app.py): the program cannot
# reach the coordinators' tools, a room beside the inbound chain, on its own.
Figures = Callable[[datetime], dict[str, Any]]


@dataclass(frozen=True)
class TokenOwner:
    """A reply token we issued (in the plus-address the mail was sent to), and the participant it belongs to."""

    token: str
    purpose: str  # checkin, intro_ask, join, participant, pair (resolved to whichever of the pair wrote: lookup.py)
    entity_id: int | None  # e.g. the check-in's id for a `checkin` token
    participant_id: int
    email: str
    name: str
    status: str


@dataclass(frozen=True)
class Lookup:
    """What the program knows about one message, read from the database once, before any check runs.

    For mail a robot sent (`robot`), nothing else is looked up: the chain stops at the first check.
    """

    robot: tuple[str, str] | None = None  # (kind, why): a bounce, an auto-reply, a list, our own mail come back
    token: str | None = None  # a token of ours among the recipients' plus-addresses
    owner: TokenOwner | None = None  # the reply token's owner, when it is a reply token
    confirmation: Row | None = None  # an unused confirmation with this token (confirmation tokens are not reply tokens)
    checkin: Row | None = None  # the check-in it answers: by reply token, else by its thread
    checkin_how: str = ""  # "reply token" or "In-Reply-To/References"
    ask: Row | None = None  # the introduction ask it answers (the mentor's own intro_ask token)
    our_mail: Row | None = None  # our newest mail in its thread, when it was sent to the sender
    pair: Row | None = None  # the pair whose introduction thread it is in, when the sender is one of the two
    sender: Row | None = None  # the participant whose address is the From address
    coordinator: Person | None = None  # the configured coordinator whose address is the From address
    dmarc_pass: bool = False  # our own server says the From domain passed DMARC

    @property
    def token_is_sender(self) -> bool:
        """The reply token is the sender's own: a forward from someone else, or a forgery, is not."""
        return self.owner is not None and self.sender is not None and self.owner.participant_id == self.sender["id"]

    @property
    def verified_coordinator(self) -> bool:
        return self.coordinator is not None and self.dmarc_pass


@dataclass
class Inbound:
    """Everything a check or a handler may look at for one message."""

    ledger_id: int
    msg: ParsedMessage
    db: Database
    config: Config
    forms: Forms
    outbox: Outbox
    now: datetime
    look: Lookup
    reasons: list[str] = field(default_factory=list)
    erased: bool = False  # "delete me" was carried out: not even this message's sender and text are kept
    figures: Figures | None = None  # for a coordinator's `status`; None where nobody wired them (a review release)

    def __post_init__(self) -> None:
        # Wrapped here, not by each caller: every mail a handler queues for this message is marked and capped.
        self.outbox = TriggeredOutbox(self.outbox, self.ledger_id, self.now, self.reasons)

    @property
    def form(self) -> Form:
        """The monthly check-in form."""
        return self.forms.checkin

    @cached_property
    def new_text(self) -> str:
        """What the sender newly wrote (quotes, signatures and footers removed), read once per message."""
        return new_text(self.msg.text)

    @cached_property
    def forward(self) -> dict[str, Any]:
        """The mail unwrapped as a forward (any client, inline or attached), read once per message."""
        return unwrap_message(self.msg)
