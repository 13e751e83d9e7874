"""Mail that robots sent: record it, learn what a bounce says about an address, and never answer.

- bounce: the failed recipient (from the DSN, X-Failed-Recipients or the bounce's wording) is looked up among the
  participants; a hard (5.x.x) bounce or a spam complaint sets `participants.bounced_at`, a soft (4.x.x) one is
  only noted; either way an event says which.
- loop: our own mail came back; logged as an alarm, dropped.
- auto_reply / list: recorded, dropped.
- A person's reply whose only robot trait is an `Auto-Submitted` header (some clients and forwarding rules add
  it) is held for a person to review instead (RELIABILITY case 7).
Nothing here ever queues mail.
"""

from __future__ import annotations

import logging

from assistant.clock import iso
from assistant.db import one, record_event
from assistant.mail.automatic import bounce_details, only_auto_submitted
from assistant.outbox import bounces
from assistant.program.context import Inbound

log = logging.getLogger(__name__)


def is_automatic(inbound: Inbound) -> str | None:
    """Chain check: a robot sent it (the lookup classified it before anything else)."""
    robot = inbound.look.robot
    return f"{robot[0]}: {robot[1]}" if robot else None


def handle_automatic(inbound: Inbound) -> str:
    kind = inbound.look.robot[0] if inbound.look.robot else ""
    msg, now = inbound.msg, iso(inbound.now)
    entity = f"message:{msg.message_id}"
    if kind == "auto_reply" and only_auto_submitted(msg):
        inbound.reasons.append("only an Auto-Submitted header says robot; the text reads like a person: held")
        record_event(inbound.db, now, "held_auto_submitted", entity, sender=msg.from_addr, reasons=inbound.reasons)
        return "held"
    if kind == "bounce":
        _record_bounce(inbound, entity, now)
    elif kind == "loop":
        log.error("mail loop: our own mail came back (%s, from %r)", msg.message_id, msg.header("From")[:100])
        record_event(inbound.db, now, "mail_loop", entity, sender=msg.header("From")[:200], reasons=inbound.reasons)
    else:
        record_event(inbound.db, now, "automatic", entity, robot=kind, reasons=inbound.reasons)
    return "automatic"


def _record_bounce(inbound: Inbound, entity: str, now: str) -> None:
    details = bounce_details(inbound.msg)
    person = None
    if details.recipient:
        person = one(inbound.db, "SELECT id, email FROM participants WHERE email = ?", [details.recipient])
    inbound.reasons.append(
        f"{details.kind} bounce for {details.recipient or 'an unnamed recipient'}"
        f" (status {details.status or 'unknown'})" + ("" if person else ", not a participant")
    )
    if person and (details.hard or details.complaint):
        bounces.mark_bounced(inbound.db, [person["email"]], now)
    record_event(
        inbound.db,
        now,
        f"bounce_{details.kind}",
        f"participant:{person['id']}" if person else entity,
        recipient=details.recipient,
        status=details.status,
        message=inbound.msg.message_id,
    )
