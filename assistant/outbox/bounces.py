"""Addresses that cannot receive: the one place an address is marked bounced (`participants.bounced_at`), and
the record of recipients a server refused while the others got the message.

Mail to an address can be known not to arrive in three ways: the SMTP server refuses the whole message with a 5xx,
it refuses that one recipient of several, or a bounce (a DSN) or a spam complaint comes back later. The drain uses
`mark_bounced` for the first two and the robots handler for the third, so a bounce means the same thing whoever saw
it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from sqlite_utils import Database

from assistant.db import record_event
from assistant.transport.base import Refusal

log = logging.getLogger(__name__)


def mark_bounced(db: Database, addresses: Iterable[str], at: str) -> int:
    """Set `bounced_at` for the participants with these addresses (compared in lower case, as stored).

    Returns how many participants were marked; addresses that are nobody's are ignored."""
    wanted = sorted({address.strip().lower() for address in addresses if address.strip()})
    if not wanted:
        return 0
    return db.execute(
        f"UPDATE participants SET bounced_at = ? WHERE email IN ({', '.join('?' * len(wanted))})", [at, *wanted]
    ).rowcount


def record_refused(db: Database, message_id: str, refused: Sequence[Refusal], at: str) -> None:
    """A message went out, but these recipients were refused: an event says who and why, and a 5xx is a bounce.

    A 4xx refusal is only recorded: the others already have the message, so it is not sent again."""
    detail = "; ".join(f"{r.address}: {r.code} {r.text}" for r in refused)
    log.warning("sent %s, but some recipients were refused: %s", message_id, detail)
    reasons = {r.address: f"{r.code} {r.text}" for r in refused}
    record_event(db, at, "recipients_refused", f"message:{message_id}", refused=reasons)
    mark_bounced(db, [r.address for r in refused if r.permanent], at)
