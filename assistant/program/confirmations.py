"""Confirmation round-trips: a command or an introduction request that could not act at once was confirmed (or
declined) by a reply carrying the token we mailed to the stored address.
"""

from __future__ import annotations

import json

from assistant.clock import iso
from assistant.db import one
from assistant.program.addresses import run_confirmed_move
from assistant.program.commands import execute
from assistant.program.context import Inbound
from assistant.program.coordinators.commands import run_confirmed_commands
from assistant.program.introductions.requests import run_confirmed_request


def is_confirmation(inbound: Inbound) -> str | None:
    """Chain check: a reply carrying a confirmation token, from the address it was sent to."""
    row = inbound.look.confirmation  # confirmation tokens live in their own table, never in reply_tokens
    if row is None or row["address"] != inbound.msg.from_addr:
        return None
    return f"confirms {row['action']!r} (asked {row['created_at']})"


def handle_confirmation(inbound: Inbound) -> str:
    row = inbound.look.confirmation
    assert row is not None  # the check claimed it
    text = inbound.new_text.strip().lower()
    if text.startswith(("no", "cancel", "don't", "do not")):
        inbound.db.execute("UPDATE confirmations SET used_at = ? WHERE token = ?", [iso(inbound.now), row["token"]])
        return "confirmation_declined"
    inbound.db.execute("UPDATE confirmations SET used_at = ? WHERE token = ?", [iso(inbound.now), row["token"]])
    payload = json.loads(row["payload"])
    if row["action"] in ("pause", "resume", "stop", "delete me"):
        person = one(inbound.db, "SELECT * FROM participants WHERE id = ?", [payload["participant_id"]])
        if person is None:
            return "confirmation_stale"
        return execute(inbound, person, row["action"], payload)
    if row["action"] == "coordinator_commands":
        return run_confirmed_commands(inbound, payload)
    if row["action"] == "move":
        return run_confirmed_move(inbound, payload)
    return run_confirmed_request(inbound, payload)
