"""A participant moves to a new address and keeps her history: "please use my new address new@example.org".

From her stored address with her own reply token, it acts at once, and the new address gets a note. From anywhere
else (the new address, or her stored address without a token) it is first confirmed at the stored, old address: a
From header alone authorises nothing. Refused politely, without saying why to anyone but her: an address that is
someone else's in the program, an erased (suppressed) one, our own or a coordinator's. When the old address cannot
be reached (it bounced), a coordinator decides: the message waits in the review queue.

`change_address` is the one way an address changes (a coordinator's `move OLD NEW` calls it too). Her rows point to
her id, so reply tokens, check-ins, asks and pauses go on at the new address; the old one is kept in
`address_changes`, so mail still coming from it is recognised as hers (program/lookup.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from assistant.clock import iso
from assistant.config import Config
from assistant.db import one, record_event, update_row
from assistant.identity import is_suppressed, new_confirmation
from assistant.mail.tokens import token_in
from assistant.outbox import Mail, Outbox
from assistant.program.context import Inbound

_REQUEST = re.compile(
    r"\b(?:(?:my\s+)?new\s+(?:e-?mail\s+)?(?:address|e-?mail)|chang(?:e|ed|ing)\s+my\s+(?:e-?mail|address)"
    r"|(?:e-?mail|address)\s+(?:has\s+|is\s+)?chang(?:ed|ing))\b",
    re.I,
)
_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_VALID = re.compile(r"[a-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_LINES = 3  # a request is read from the subject and the first lines she newly wrote, never from quoted text


@dataclass(frozen=True)
class Moved:
    """What `change_address` did: `refused` is None when it moved her (a reason code otherwise)."""

    refused: str | None
    old_email: str = ""
    new_email: str = ""


def refusal(db: Database, config: Config, participant_id: int, new_email: str) -> str | None:
    """Why she cannot move to `new_email` (a code the replies explain), or None."""
    if not _VALID.fullmatch(new_email):
        return "invalid"
    person = one(db, "SELECT email FROM participants WHERE id = ?", [participant_id])
    if person is None:
        return "unknown"
    if person["email"] == new_email:
        return "same"
    if one(db, "SELECT id FROM participants WHERE email = ?", [new_email]):
        return "taken"  # someone else's: never merged, never said to whoever asked
    if is_suppressed(db, new_email):
        return "suppressed"
    ours = {config.assistant.email, *(c.email for c in config.coordinators)}
    if new_email in ours or token_in([new_email], config.assistant.email):
        return "ours"
    return None


def change_address(db: Database, config: Config, participant_id: int, new_email: str, now: datetime, by: str) -> Moved:
    """Move her to `new_email` (case-folded), keeping everything: her rows point to her id. `by` says who asked, for
    `address_changes` and the event ("participant", "participant, confirmed at the old address", a coordinator's
    address). The caller tells people (`tell_new_address`)."""
    new_email = new_email.strip().lower()
    why = refusal(db, config, participant_id, new_email)
    if why:
        return Moved(why, new_email=new_email)
    person = one(db, "SELECT * FROM participants WHERE id = ?", [participant_id])
    assert person is not None  # refusal() found her
    at = iso(now)
    db.execute(
        "INSERT INTO address_changes (participant_id, old_email, new_email, changed_at, by) VALUES (?, ?, ?, ?, ?)",
        [participant_id, person["email"], new_email, at, by],
    )
    # A new address has not bounced; the old one's pending confirmations stay answerable from there.
    update_row(db, "participants", participant_id, {"email": new_email, "bounced_at": None, "updated_at": at})
    record_event(db, at, "address_changed", f"participant:{participant_id}", old=person["email"], new=new_email, by=by)
    return Moved(None, person["email"], new_email)


def tell_new_address(outbox: Outbox, person: dict[str, Any], moved: Moved, key: str) -> None:
    """A note to the new address: from now on the program writes here."""
    outbox.enqueue(
        Mail(
            key=f"address-changed:{key}",
            template="address_changed",
            to=[(person["name"], moved.new_email)],
            context={"name": person["name"], "old_email": moved.old_email, "new_email": moved.new_email},
        )
    )


def former_owner(db: Database, address: str) -> dict[str, Any] | None:
    """The participant who moved away from `address` most recently (when nobody in the program has it now)."""
    return one(
        db,
        "SELECT p.* FROM address_changes a JOIN participants p ON p.id = a.participant_id"
        " WHERE a.old_email = ? ORDER BY a.id DESC LIMIT 1",
        [address],
    )


# --- by email -----------------------------------------------------------------------------------------------------


def request_lines(inbound: Inbound) -> list[str]:
    """The subject and the first lines she newly wrote, when one of them asks to change her address."""
    lines = [inbound.msg.subject, *[line for line in inbound.new_text.splitlines() if line.strip()][:_LINES]]
    return lines if any(_REQUEST.search(line) for line in lines) else []


def _mentioned(inbound: Inbound, lines: list[str]) -> list[str]:
    """The addresses written in those lines, case-folded, without our own plus-addresses."""
    found = [a.lower().rstrip(".") for line in lines for a in _ADDRESS.findall(line)]
    return [a for a in dict.fromkeys(found) if not token_in([a], inbound.config.assistant.email)]


def _person(inbound: Inbound, lines: list[str]) -> dict[str, Any] | None:
    """Whose address it is about: the sender's own (her stored or former address), else the owner of the reply token
    it carries, else a participant whose stored address it names (writing from the new address)."""
    look = inbound.look
    if look.sender is not None:
        return look.sender
    if look.owner is not None:
        return one(inbound.db, "SELECT * FROM participants WHERE id = ?", [look.owner.participant_id])
    for address in _mentioned(inbound, lines):
        person = one(inbound.db, "SELECT * FROM participants WHERE email = ?", [address])
        if person:
            return person
    return None


def is_address_change(inbound: Inbound) -> str | None:
    """Chain check: someone asks to move a participant to a new address."""
    lines = request_lines(inbound)
    if not lines:
        return None
    look = inbound.look
    if look.coordinator is not None:
        return None  # a coordinator moves someone with her own command, never with a participant's answer
    if look.sender is not None and look.owner is not None and not look.token_is_sender:
        return None  # someone else's token under a participant's From: held as a mismatch
    person = _person(inbound, lines)
    if person is None or person["status"] == "pending":
        return None
    return f"asks to move participant {person['id']} to a new address"


def handle_address_change(inbound: Inbound) -> str:
    lines = request_lines(inbound)
    person = _person(inbound, lines)
    assert person is not None  # the check found her
    sender = inbound.msg.from_addr
    from_her = sender == person["email"]
    others = [a for a in _mentioned(inbound, lines) if a != person["email"]]
    if from_her:
        new = others[0] if len(others) == 1 else None
    else:  # written from the new address: that is the one she means, and it may name nothing else
        new = sender if all(a == sender for a in others) else None
    if new is None:
        inbound.reasons.append(f"the new address is not clear: {others[:3]}")
        return _reply(inbound, person, "unclear", "", to_requester=True)
    why = refusal(inbound.db, inbound.config, person["id"], new)
    if why:
        inbound.reasons.append(f"not moved to {new}: {why}")
        return _reply(inbound, person, "same" if why == "same" else "refused", new, to_requester=True)
    if from_her and inbound.look.token_is_sender:
        moved = change_address(inbound.db, inbound.config, person["id"], new, inbound.now, "participant")
        tell_new_address(inbound.outbox, person, moved, str(inbound.msg.message_id))
        return "address_changed"
    if person["bounced_at"]:  # the old address cannot confirm: a person decides
        inbound.reasons.append(f"{person['email']} bounces, so it cannot confirm: kept for a coordinator")
        _reply(inbound, person, "needs_coordinator", new, to_requester=True)
        return "held"
    _ask_old_address(inbound, person, new)
    if not from_her:
        _reply(inbound, person, "asked_old", new, to_requester=True)
    return "confirmation_asked"


def _ask_old_address(inbound: Inbound, person: dict[str, Any], new: str) -> None:
    """Mail the stored (old) address a confirmation token; a reply carrying it, from there, moves her."""
    payload = {"participant_id": person["id"], "old_email": person["email"], "new_email": new}
    token = new_confirmation(inbound.db, person["email"], "move", payload, iso(inbound.now))
    inbound.outbox.enqueue(
        Mail(
            key=f"address-confirm:{inbound.msg.message_id}",
            template="address_confirm",
            to=[(person["name"], person["email"])],
            context={"name": person["name"], "new_email": new},
            reply_token=token,
        )
    )
    inbound.reasons.append(f"asked {person['email']} to confirm the move to {new}")


def _reply(inbound: Inbound, person: dict[str, Any], state: str, new: str, to_requester: bool) -> str:
    """A short answer to whoever wrote (her stored address, or the new one): what happens next."""
    to = inbound.msg.from_addr if to_requester else person["email"]
    # Whoever wrote from another address is greeted by the name she gave: hers on file is not told to anyone.
    name = person["name"] if to == person["email"] else inbound.msg.from_name
    inbound.outbox.enqueue(
        Mail(
            key=f"address-reply:{inbound.msg.message_id}",
            template="address_change_reply",
            to=[(name, to)],
            context={"name": name, "state": state, "new_email": new},
            in_reply_to=inbound.msg.message_id,
            references=inbound.msg.references,
        )
    )
    return f"address_{state}"


def run_confirmed_move(inbound: Inbound, payload: dict[str, Any]) -> str:
    """The old address said yes: move her, unless something changed since (she moved already, the address was taken)."""
    person = one(inbound.db, "SELECT * FROM participants WHERE id = ?", [payload.get("participant_id")])
    if person is None or person["email"] != payload.get("old_email"):
        return "confirmation_stale"
    moved = change_address(
        inbound.db,
        inbound.config,
        person["id"],
        str(payload.get("new_email", "")),
        inbound.now,
        "participant, confirmed at the old address",
    )
    if moved.refused:
        inbound.reasons.append(f"not moved: {moved.refused}")
        return _reply(inbound, person, "refused", moved.new_email, to_requester=False)
    tell_new_address(inbound.outbox, person, moved, str(inbound.msg.message_id))
    return "address_changed"
