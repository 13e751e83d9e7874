"""The one place an address is marked bounced (`participants.bounced_at`).

Mail to an address can be known not to arrive in three ways: the SMTP server refuses the whole message with a 5xx,
it refuses that one recipient of several, or a bounce (a DSN) or a spam complaint comes back later. The drain uses
this for the first two and the robots handler for the third, so a bounce means the same thing whoever saw it.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlite_utils import Database


def mark_bounced(db: Database, addresses: Iterable[str], at: str) -> int:
    """Set `bounced_at` for the participants with these addresses (compared in lower case, as stored).

    Returns how many participants were marked; addresses that are nobody's are ignored."""
    wanted = sorted({address.strip().lower() for address in addresses if address.strip()})
    if not wanted:
        return 0
    return db.execute(
        f"UPDATE participants SET bounced_at = ? WHERE email IN ({', '.join('?' * len(wanted))})", [at, *wanted]
    ).rowcount
