"""The checks that belong to no feature: a sender we cannot name, a token under someone else's From, and mail from
people (or strangers) that answers nothing of ours. Each is a predicate over the message and its lookup, returning
a reason when it claims the mail; the features' own checks live beside their handlers in `program/`.
"""

from __future__ import annotations

from assistant.program.context import Inbound


def no_sender(inbound: Inbound) -> str | None:
    if not inbound.msg.from_addr:
        return f"no single valid From address in {inbound.msg.header('From')[:100]!r}"
    return None


def sender_mismatch(inbound: Inbound) -> str | None:
    """A token of ours under someone else's From (a forward, or a forgery) never acts for its owner."""
    look, sender = inbound.look, inbound.msg.from_addr
    if look.owner is not None and not look.token_is_sender:
        return f"the reply token belongs to {look.owner.email}, not {sender}"
    mine = look.sender is not None and look.checkin is not None and look.sender["id"] == look.checkin["participant_id"]
    if look.checkin is not None and look.checkin["participant_email"] != sender and not mine:
        return f"check-in {look.checkin['id']} belongs to {look.checkin['participant_email']}, not {sender}"
    return None


def known_sender(inbound: Inbound) -> str | None:
    # A coordinator never gets here: her mail is claimed earlier, as hers (program/coordinators/).
    if inbound.look.sender is not None:
        return "a participant, not in reply to anything of ours"
    return None


def unknown_sender(inbound: Inbound) -> str | None:
    return f"{inbound.msg.from_addr} is not in the program"
