"""One small predicate per concern, and the chain that orders them. Each returns a reason when it claims a mail."""

from __future__ import annotations

from assistant.db import one
from assistant.inbound.chain import Inbound, Link
from assistant.mail.automatic import robot_reason
from assistant.mail.tokens import token_in
from assistant.program.authority import authority
from assistant.program.commands import is_command
from assistant.program.confirmations import is_confirmation
from assistant.program.introductions.answers import is_intro_answer
from assistant.program.introductions.requests import is_intro_request
from assistant.program.joining import is_join

CHECKIN = """
SELECT c.*, p.email AS participant_email, p.name AS participant_name, p.status AS participant_status
FROM checkins c JOIN participants p ON p.id = c.participant_id WHERE c.id = ?
"""


def automatic(inbound: Inbound) -> str | None:
    found = robot_reason(inbound.msg, inbound.config.assistant.email)
    if found:
        inbound.found["robot_kind"] = found[0]
        return f"{found[0]}: {found[1]}"
    return None


def no_sender(inbound: Inbound) -> str | None:
    if not inbound.msg.from_addr:
        return f"no single valid From address in {inbound.msg.header('From')[:100]!r}"
    return None


def checkin_reply(inbound: Inbound) -> str | None:
    """A reply to a check-in: by the token in the address it was sent to, else by its thread."""
    how, checkin_id = _checkin_by_token(inbound) or _checkin_by_thread(inbound) or (None, None)
    if checkin_id is None:
        return None
    checkin = one(inbound.db, CHECKIN, [checkin_id])
    if checkin is None:
        return None
    inbound.found["checkin"] = checkin
    if checkin["participant_email"] != inbound.msg.from_addr:
        return None  # left for sender_mismatch: a token never lets someone else answer
    return f"check-in {checkin_id} ({checkin['period']}) by {how}"


def sender_mismatch(inbound: Inbound) -> str | None:
    """A token of ours under someone else's From (a forward, or a forgery) never acts for its owner."""
    auth = authority(inbound)
    if auth.token and not auth.token_is_sender:
        return f"the reply token belongs to {auth.token['email']}, not {inbound.msg.from_addr}"
    checkin = inbound.found.get("checkin")
    if checkin:
        return f"check-in {checkin['id']} belongs to {checkin['participant_email']}, not {inbound.msg.from_addr}"
    return None


def reply_to_our_note(inbound: Inbound) -> str | None:
    """A reply to one of our other mails (a nudge, a milestone, a survey): a person's words for the coordinator."""
    ids = list(inbound.msg.thread_ids)[:50]
    if not ids:
        return None
    marks = ", ".join("?" * len(ids))
    ours = one(
        inbound.db,
        f"SELECT subject, to_addr, entity, template FROM outbox WHERE message_id IN ({marks}) ORDER BY id DESC",
        ids,
    )
    if ours is None or inbound.msg.from_addr not in [a.strip() for a in ours["to_addr"].split(",")]:
        return None
    inbound.found["our_mail"] = ours
    return f"a reply to our mail {ours['subject']!r} ({ours['entity']})"


def known_sender(inbound: Inbound) -> str | None:
    address = inbound.msg.from_addr
    if any(c.email == address for c in inbound.config.coordinators):
        return "a coordinator, with no request we can act on yet"
    person = one(inbound.db, "SELECT id, status FROM participants WHERE email = ?", [address])
    if person:
        inbound.found["participant_id"] = person["id"]
        return "a participant, not in reply to anything of ours"
    return None


def unknown_sender(inbound: Inbound) -> str | None:
    return f"{inbound.msg.from_addr} is not in the program"


def _checkin_by_token(inbound: Inbound) -> tuple[str, int] | None:
    token = token_in(inbound.msg.recipients, inbound.config.assistant.email)
    if not token:
        return None
    row = one(inbound.db, "SELECT entity_id FROM reply_tokens WHERE token = ? AND purpose = 'checkin'", [token])
    return ("reply token", row["entity_id"]) if row else None


def _checkin_by_thread(inbound: Inbound) -> tuple[str, int] | None:
    ids = list(inbound.msg.thread_ids)[:50]
    if not ids:
        return None
    row = one(
        inbound.db,
        f"SELECT entity FROM outbox WHERE message_id IN ({', '.join('?' * len(ids))}) AND entity LIKE 'checkin:%'"
        " ORDER BY id DESC",
        ids,
    )
    return ("In-Reply-To/References", int(row["entity"].split(":")[1])) if row else None


CHAIN = [
    Link("automatic", automatic, "automatic"),
    Link("no_sender", no_sender, "no_sender"),
    Link("confirmation", is_confirmation, "confirmation"),
    Link("command", is_command, "command"),
    Link("intro_answer", is_intro_answer, "intro_answer"),
    Link("checkin_reply", checkin_reply, "checkin_reply"),
    Link("join", is_join, "join"),
    Link("sender_mismatch", sender_mismatch, "sender_mismatch"),
    Link("intro_request", is_intro_request, "intro_request"),
    Link("reply_to_our_note", reply_to_our_note, "note_for_coordinator"),
    Link("known_sender", known_sender, "no_context"),
    Link("unknown_sender", unknown_sender, "unknown_sender"),
]
