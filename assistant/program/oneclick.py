"""One-click unsubscribe (RFC 8058): a POST to the https link in a mail's `List-Unsubscribe` acts as her "stop".

The link holds her own `participant` token (identity.py `one_click_token`), so it acts for her and nobody else; it
does exactly what a "stop" by mail does (leaving.py `stop`: she is `left`, her queued mail cancelled, her
pairings closed, the coordinators told), in one transaction taken for writing at once (the web server has its own
connection beside the running loop's). A second POST finds her gone and changes nothing. No mail goes to her: she
asked for none, and the page she clicked on says it is done.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Literal

from sqlite_utils import Database

from assistant.config import Config
from assistant.db import one
from assistant.identity import link_owner
from assistant.outbox import Outbox
from assistant.program.leaving import stop

_TOKEN = re.compile(r"[a-z2-7]{26}")  # mail/tokens.py new_token: 16 random bytes, base32, lower case, no padding

Outcome = Literal["unknown", "stopped", "already"]


def well_formed(token: str) -> bool:
    return bool(_TOKEN.fullmatch(token))


def status(db: Database, token: str) -> Outcome | Literal["active"]:
    """What the link would do, for the confirmation page (a GET never acts): nothing for an unknown token,
    nothing for someone who has left, else stop her."""
    owner = link_owner(db, token) if well_formed(token) else None
    if owner is None:
        return "unknown"
    return "already" if owner["status"] == "left" else "active"


def unsubscribe(db: Database, config: Config, outbox: Outbox, token: str, now: datetime) -> Outcome:
    """Her one click: "stopped" the first time, "already" after, "unknown" for a token that is not a person's own."""
    if not well_formed(token):
        return "unknown"
    with _immediate(db):
        owner = link_owner(db, token)
        if owner is None:
            return "unknown"
        if owner["status"] == "left":
            return "already"
        person = one(db, "SELECT * FROM participants WHERE id = ?", [owner["participant_id"]])
        assert person is not None  # link_owner joined her row, in this same transaction
        key = f"one-click:{person['id']}:{now.isoformat()}"
        stop(db, config, outbox, person, now, key, via="one-click link (List-Unsubscribe-Post)")
        return "stopped"


@contextmanager
def _immediate(db: Database) -> Iterator[None]:
    """A write transaction from the start: the running loop writes through its own connection, and a read that
    later turns into a write could fail on a snapshot the loop changed meanwhile; BEGIN IMMEDIATE waits instead
    (the connection's busy timeout)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.conn.rollback()
        raise
    db.execute("COMMIT")
