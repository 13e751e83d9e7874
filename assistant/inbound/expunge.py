"""Mail an erasure left in the folders the assistant owns, removed by the transports that own them.

A handler never talks to a transport: `erase` only writes the Message-IDs to the `expunge` table, marked `inbox`
(the inbox's folders: Maildir new/ and cur/, or the IMAP folders mail was read from and moved to) or `sent` (the
outbound Maildir). At the next poll each transport is asked to remove them; a row goes once its transport has tried
(found or not), and stays for the next poll when the server was away. A sender that keeps no copies (SMTP) has
nothing to remove.
"""

from __future__ import annotations

import logging

from sqlite_utils import Database

from assistant.transport.base import Expunge, Inbox, Outbound

log = logging.getLogger(__name__)


def expunge_pending(db: Database, inbox: Inbox, outbound: Outbound | None) -> int:
    """Ask each transport to remove its pending messages. Returns how many copies were found and removed."""
    removed = 0
    for place, transport in (("inbox", inbox), ("sent", outbound)):
        message_ids = [row[0] for row in db.execute("SELECT message_id FROM expunge WHERE place = ?", [place])]
        if not message_ids:
            continue
        # A transport without folders of its own (SMTP) keeps no copy: nothing to remove, nothing to wait for.
        tried = transport.expunge(message_ids) if isinstance(transport, Expunge) else dict.fromkeys(message_ids, False)
        db.conn.executemany(
            "DELETE FROM expunge WHERE message_id = ? AND place = ?", [(message_id, place) for message_id in tried]
        )
        removed += sum(tried.values())
        if len(tried) < len(message_ids):
            log.info("%d erased message(s) still to remove from the %s folders", len(message_ids) - len(tried), place)
    return removed


def pending(db: Database) -> bool:
    return bool(db.execute("SELECT 1 FROM expunge LIMIT 1").fetchone())
