"""The chain: an ordered table of (check, outcome), as in Mailman. The first check that claims a message decides
its outcome; every decision records its reason, so `status` and the ledger can say why mail went where it went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from assistant.config import Config
from assistant.forms import Form
from assistant.mail.message import ParsedMessage
from assistant.outbox import Outbox


@dataclass
class Inbound:
    """Everything a check or a handler may look at for one message."""

    ledger_id: int
    msg: ParsedMessage
    db: Database
    config: Config
    form: Form
    outbox: Outbox
    now: datetime
    reasons: list[str] = field(default_factory=list)
    found: dict[str, Any] = field(default_factory=dict)  # what checks learnt (the check-in, the participant)


Check = Callable[[Inbound], str | None]  # returns a reason when the check claims the message


@dataclass(frozen=True)
class Link:
    name: str
    check: Check
    outcome: str


def classify(chain: list[Link], inbound: Inbound) -> str:
    for link in chain:
        reason = link.check(inbound)
        if reason:
            inbound.reasons.append(f"{link.name}: {reason}")
            return link.outcome
    inbound.reasons.append("no check claimed it")
    return "unknown_sender"
