"""Mail kept for a person to review, and the polite reply some of it gets (Discourse's named errors).

A sender gets at most one such reply per kind per day, automatic mail never gets one, and no address gets more
than `limits.mails_per_address_per_day` mails a day that inbound mail set off (the cap of `inbound.outbox`, see
outbox/triggered.py): a robot without headers still cannot start a loop.
"""

from __future__ import annotations

from assistant.clock import iso
from assistant.db import record_event
from assistant.outbox import Mail
from assistant.program.context import Inbound


def keep_for_review(inbound: Inbound, outcome: str) -> str:
    """Record why the message was kept; it stays in the ledger with its outcome and reasons."""
    record_event(inbound.db, iso(inbound.now), outcome, f"message:{inbound.msg.message_id}", reasons=inbound.reasons)
    return outcome


def reply_politely(inbound: Inbound, outcome: str, template: str) -> None:
    """One reply of this kind a day to the sender, within the per-address cap."""
    inbound.outbox.enqueue(
        Mail(
            key=f"{outcome}:{inbound.msg.from_addr}:{inbound.now.date().isoformat()}",
            template=template,
            to=[(inbound.msg.from_name, inbound.msg.from_addr)],
            context={"name": inbound.msg.from_name},
            in_reply_to=inbound.msg.message_id,
            references=inbound.msg.references,
        )
    )
