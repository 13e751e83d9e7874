"""What a handler is given for one inbound message: the parsed mail, the program's state, and where to put mail.

The inbound pipeline builds one `Inbound` per message; every handler in `program/` reads it and writes through its
`db` and `outbox`, never through a transport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from assistant.clock import iso
from assistant.config import Config
from assistant.forms.form import Form
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


def replies_allowed(inbound: Inbound) -> bool:
    """At most `limits.auto_replies_per_day` mails to the sender a day: a robot without headers cannot loop."""
    since = iso(inbound.now - timedelta(days=1))
    sent = inbound.db.execute(
        "SELECT count(*) FROM outbox WHERE to_addr = ? AND created_at > ?", (inbound.msg.from_addr, since)
    ).fetchone()[0]
    allowed = sent < inbound.config.limits.auto_replies_per_day
    if not allowed:
        inbound.reasons.append(f"reply cap reached ({sent} mails to this address in 24 h)")
    return allowed
