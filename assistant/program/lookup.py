"""Look up, once per message and before any check runs, what the program knows about it: whose reply token it
carries, which check-in, ask, confirmation or mail of ours it answers, whose introduction thread it is in, and who
sent it.

A handful of indexed queries; the checks then decide from the result without touching the database, so no check
depends on another having run first.
"""

from __future__ import annotations

from sqlite_utils import Database

from assistant.config import Config
from assistant.db import one, rows
from assistant.mail.authresults import dmarc_pass
from assistant.mail.automatic import robot_reason
from assistant.mail.message import ParsedMessage
from assistant.mail.tokens import token_in
from assistant.program.addresses import former_owner
from assistant.program.context import Lookup, Row, TokenOwner
from assistant.program.introductions.asks import ask_row
from assistant.program.introductions.handover import pair_in_thread

MAX_THREAD_IDS = 50  # References can be long; our own mail is among the newest ones

# The token's columns, then its participant's whole row: when she is the sender (nearly every reply), that row is
# the sender's too, and is not read again.
_OWNER = """
SELECT t.token, t.purpose, t.entity_id, p.*
FROM reply_tokens t JOIN participants p ON p.id = t.participant_id WHERE t.token = ?
"""
_TOKEN_COLUMNS = 3
_PAIR_MENTOR = """
SELECT p.id AS participant_id, p.email, p.name, p.status
FROM pairings pr JOIN participants p ON p.id = pr.mentor_id WHERE pr.id = ?
"""
_CHECKIN = """
SELECT c.*, p.email AS participant_email, p.name AS participant_name, p.status AS participant_status,
       o.name AS partner_name, CASE WHEN pr.mentor_id = c.participant_id THEN 'mentor' ELSE 'mentee' END AS side,
       (SELECT token FROM reply_tokens t WHERE t.entity_id = c.id AND t.purpose = 'checkin') AS token
FROM checkins c JOIN participants p ON p.id = c.participant_id JOIN pairings pr ON pr.id = c.pairing_id
JOIN participants o ON o.id = CASE WHEN pr.mentor_id = c.participant_id THEN pr.mentee_id ELSE pr.mentor_id END
WHERE c.id = ?
"""


def look_up(msg: ParsedMessage, db: Database, config: Config) -> Lookup:
    robot = robot_reason(msg, config.assistant.email)
    if robot:
        return Lookup(robot=robot)
    token = token_in(msg.recipients, config.assistant.email)
    owner, holder = _owner(db, token, msg.from_addr) if token else (None, None)
    thread = _thread(db, msg)
    checkin, how = _checkin(db, owner, thread)
    sender = holder if holder is not None and holder["email"] == msg.from_addr else _sender(db, msg.from_addr)
    return Lookup(
        token=token,
        owner=owner,
        confirmation=_confirmation(db, token) if token and owner is None else None,
        checkin=checkin,
        checkin_how=how,
        ask=ask_row(db, owner.entity_id) if owner and owner.purpose == "intro_ask" and owner.entity_id else None,
        our_mail=_our_mail(thread, msg.from_addr),
        pair=pair_in_thread(db, thread, msg.from_addr),
        sender=sender,
        coordinator=next((c for c in config.coordinators if c.email == msg.from_addr), None),
        dmarc_pass=dmarc_pass(msg, config.authserv_id),
    )


def _sender(db: Database, address: str) -> Row | None:
    """The participant with this address, else the one who moved away from it (her later mail from there is still
    hers: program/addresses.py)."""
    if not address:
        return None
    return one(db, "SELECT * FROM participants WHERE email = ?", [address]) or former_owner(db, address)


def _owner(db: Database, token: str, sender: str) -> tuple[TokenOwner | None, Row | None]:
    """The token's participant, and the row of the participant it was issued to. A `pair` token (mail to both of a
    pairing: identity.unsubscribe_token) is held by both: it is the mentor's when she is the one who wrote, else
    the mentee's it was issued to (so anyone else's From stays a mismatch)."""
    cursor = db.conn.execute(_OWNER, [token])
    found = cursor.fetchone()
    if found is None:
        return None, None
    names = [column[0] for column in cursor.description]
    holder = dict(zip(names[_TOKEN_COLUMNS:], found[_TOKEN_COLUMNS:], strict=True))
    row = {
        **dict(zip(names[:_TOKEN_COLUMNS], found[:_TOKEN_COLUMNS], strict=True)),
        "participant_id": holder["id"],
        "email": holder["email"],
        "name": holder["name"],
        "status": holder["status"],
    }
    if row["purpose"] == "pair" and row["email"] != sender and row["entity_id"] is not None:
        mentor = one(db, _PAIR_MENTOR, [row["entity_id"]])
        if mentor and mentor["email"] == sender:
            row = {**row, **mentor}
    return TokenOwner(**row), holder


def _confirmation(db: Database, token: str) -> Row | None:
    return one(db, "SELECT * FROM confirmations WHERE token = ? AND used_at IS NULL", [token])


def _thread(db: Database, msg: ParsedMessage) -> list[Row]:
    """Our own mails that this message's In-Reply-To and References name, newest first."""
    ids = list(dict.fromkeys(msg.thread_ids))[:MAX_THREAD_IDS]
    if not ids:
        return []
    marks = ", ".join("?" * len(ids))
    sql = f"SELECT id, subject, to_addr, entity, template FROM outbox WHERE message_id IN ({marks}) ORDER BY id DESC"
    return rows(db, sql, ids)


def _checkin(db: Database, owner: TokenOwner | None, thread: list[Row]) -> tuple[Row | None, str]:
    """The check-in a reply answers: the one its reply token names, else the newest one its thread names."""
    if owner and owner.purpose == "checkin" and owner.entity_id is not None:
        return one(db, _CHECKIN, [owner.entity_id]), "reply token"
    ours = next((row for row in thread if row["entity"].startswith("checkin:")), None)
    if ours is None:
        return None, ""
    return one(db, _CHECKIN, [int(ours["entity"].split(":")[1])]), "In-Reply-To/References"


def checkin_row(db: Database, checkin_id: int) -> Row | None:
    """A check-in as the chain sees it (with its participant, partner and reply token), as looked up for a reply."""
    return one(db, _CHECKIN, [checkin_id])


def _our_mail(thread: list[Row], sender: str) -> Row | None:
    """Our newest mail in the thread, if it went to the sender (a reply to a nudge, a milestone, a survey…)."""
    if not thread:
        return None
    newest = thread[0]
    return newest if sender in [a.strip() for a in newest["to_addr"].split(",")] else None
