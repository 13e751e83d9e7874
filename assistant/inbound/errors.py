"""Outcomes that are not a normal answer, each mapped to at most one polite reply (Discourse's named errors).

A sender gets at most one such reply per kind per day, automatic mail never gets one, and no address gets more
than `limits.auto_replies_per_day` replies of any kind: a robot without headers still cannot start a loop.
"""

from __future__ import annotations

from assistant.clock import iso
from assistant.db import record_event
from assistant.outbox import Mail
from assistant.program.context import Inbound, replies_allowed

# outcome → the template of its polite reply (None: keep for review, answer nothing)
REPLIES: dict[str, str | None] = {
    "automatic": None,
    "no_sender": None,
    "sender_mismatch": None,  # the token belongs to someone else: replying could leak their check-in
    "no_context": "help_reply",
    "unknown_sender": "unknown_sender_reply",
}


def handle_other(inbound: Inbound, outcome: str) -> str:
    """Record the outcome; send its polite reply if it has one and the caps allow."""
    now = iso(inbound.now)
    record_event(inbound.db, now, outcome, f"message:{inbound.msg.message_id}", reasons=inbound.reasons)
    template = REPLIES.get(outcome)
    if template and replies_allowed(inbound):
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
    return outcome
