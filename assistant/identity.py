"""Who is who: reply tokens bound to a participant and a purpose, and the suppression list of erased addresses.

A From header alone authorises nothing. Every mail to a participant carries a token in its Reply-To (and in its
List-Unsubscribe address), so a reply proves it answers *our* mail to *that* person; the stored address must
also match the sender. An erased address is kept only as a hash, so it is never mailed again.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlite_utils import Database

from assistant.db import insert_row, one
from assistant.mail.tokens import new_token


def token_for(db: Database, participant_id: int, purpose: str, entity_id: int | None, now: str) -> str:
    """The token for this participant and purpose (and entity), created on first use."""
    row = one(
        db,
        "SELECT token FROM reply_tokens WHERE participant_id = ? AND purpose = ? AND entity_id IS ?",
        [participant_id, purpose, entity_id],
    )
    if row:
        return row["token"]
    token = new_token()
    insert_row(
        db,
        "reply_tokens",
        {
            "token": token,
            "participant_id": participant_id,
            "purpose": purpose,
            "entity_id": entity_id,
            "created_at": now,
        },
    )
    return token


def unsubscribe_token(db: Database, addresses: list[str], reply_token: str | None, now: str) -> str | None:
    """The token a mail's `List-Unsubscribe` (and, when it has no other, its `Reply-To`) carries, so a "stop" from
    it acts at once, for the one who wrote it only:
    - to one participant: her own (the mail's reply token when it is hers, else her `participant` token);
    - to the two of a pairing (the introduction, a message passed between them): the pairing's `pair` token, which
      acts for whichever of the two it comes from (program/lookup.py), never for anyone else;
    - to nobody in the program (coordinators) or to people who are not one pair: None."""
    people, holder = _recipients(db, addresses, reply_token)
    if len(people) == 1:
        (person,) = people
        if reply_token and holder == person:
            return reply_token
        return token_for(db, person, "participant", person, now)
    if len(people) == 2:
        pairing = one(
            db,
            "SELECT id, mentee_id FROM pairings"
            " WHERE (mentor_id = ? AND mentee_id = ?) OR (mentor_id = ? AND mentee_id = ?) ORDER BY id DESC LIMIT 1",
            [people[0], people[1], people[1], people[0]],
        )
        if pairing:
            return token_for(db, pairing["mentee_id"], "pair", pairing["id"], now)
    return None


def one_click_token(db: Database, addresses: list[str], now: str) -> str | None:
    """The token of a mail's https one-click link (RFC 8058: one POST, no questions, must unsubscribe the
    recipient): her own `participant` token, and only when the mail goes to her and nobody else. A mail to the two
    of a pair, or with a coordinator in Cc, gets none: anyone who received it could click, and the link cannot know
    who did (a "stop" by mail can: it checks the sender). Those keep the mailto only."""
    if len(set(addresses)) != 1:
        return None
    people, _ = _recipients(db, addresses[:1], None)
    if len(people) != 1:
        return None
    return token_for(db, people[0], "participant", people[0], now)


def link_owner(db: Database, token: str) -> dict[str, Any] | None:
    """Whom a one-click link acts for: the participant whose own `participant` token it is, or None (a token we
    never issued, someone's erased, or any other purpose: a pair token is known to both of the pair)."""
    owner = token_owner(db, token)
    if owner is None or owner["purpose"] != "participant" or owner["entity_id"] != owner["participant_id"]:
        return None
    return owner


def _recipients(db: Database, addresses: list[str], reply_token: str | None) -> tuple[list[int], int | None]:
    """The participants (ids) whose stored address is among these, and whose reply token `reply_token` is: one
    statement, since every mail asks."""
    wanted = list(dict.fromkeys(addresses))
    if not wanted:
        return [], None
    marks = ", ".join("?" * len(wanted))
    found = db.execute(
        f"SELECT id, email, (SELECT participant_id FROM reply_tokens WHERE token = ?) FROM participants"
        f" WHERE email IN ({marks})",
        [reply_token, *wanted],
    ).fetchall()
    order = {address: n for n, address in enumerate(wanted)}
    found.sort(key=lambda row: order[row[1]])
    return [row[0] for row in found], found[0][2] if found else None


def token_owner(db: Database, token: str) -> dict[str, Any] | None:
    """The token's row joined with its participant (email, status), or None for a token we never issued."""
    return one(
        db,
        "SELECT t.token, t.purpose, t.entity_id, p.id AS participant_id, p.email, p.name, p.status"
        " FROM reply_tokens t JOIN participants p ON p.id = t.participant_id WHERE t.token = ?",
        [token],
    )


def address_hash(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode("utf-8")).hexdigest()


def is_suppressed(db: Database, address: str) -> bool:
    return bool(db.execute("SELECT 1 FROM suppressions WHERE hash = ?", [address_hash(address)]).fetchone())


def suppress(db: Database, address: str, reason: str, now: str) -> None:
    db.execute(
        "INSERT OR IGNORE INTO suppressions (hash, reason, created_at) VALUES (?, ?, ?)",
        [address_hash(address), reason, now],
    )


def new_confirmation(db: Database, address: str, action: str, payload: dict[str, Any], now: str) -> str:
    """A token for a confirmation round-trip: mailed to the stored `address` only; a reply carrying it, from that
    address, carries out `action` with `payload`."""
    token = new_token()
    insert_row(
        db,
        "confirmations",
        {"token": token, "address": address, "action": action, "payload": json.dumps(payload), "created_at": now},
    )
    return token
