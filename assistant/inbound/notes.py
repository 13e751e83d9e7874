"""Replies to our other mail (nudges, expectations, milestones, surveys, the pay-it-forward invitation) are a
person's words: they go to the coordinators, who can answer directly, and the sender hears that they did."""

from __future__ import annotations

from assistant.clock import iso
from assistant.db import record_event
from assistant.inbound.chain import Inbound
from assistant.inbound.errors import replies_allowed
from assistant.mail.reply_text import new_text
from assistant.outbox import Mail


def handle_note(inbound: Inbound) -> str:
    msg, ours = inbound.msg, inbound.found["our_mail"]
    text = new_text(msg.text).strip()
    config = inbound.config
    inbound.outbox.enqueue(
        Mail(
            key=f"note:{msg.message_id}",
            template="note_for_coordinator",
            to=[(c.name, c.email) for c in config.coordinators],
            context={
                "sender_name": msg.from_name,
                "sender_email": msg.from_addr,
                "about": ours["subject"],
                "text": text,
            },
            reply_to_person=(msg.from_name, msg.from_addr),
        )
    )
    if replies_allowed(inbound):
        inbound.outbox.enqueue(
            Mail(
                key=f"note-ack:{msg.from_addr}:{inbound.now.date().isoformat()}",
                template="note_received",
                to=[(msg.from_name, msg.from_addr)],
                context={"name": msg.from_name},
                in_reply_to=msg.message_id,
                references=msg.references,
            )
        )
    record_event(
        inbound.db, iso(inbound.now), "note_for_coordinator", f"message:{msg.message_id}", about=ours["entity"]
    )
    return "note_for_coordinator"
