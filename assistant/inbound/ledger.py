"""The inbound ledger: every message is stored before anything else happens to it (Discourse's receiver).

`ingest` copies new mail from the inbox into the `messages` table and only then tells the inbox it is done,
so a crash at any point loses nothing; a message already in the ledger (same Message-ID) is skipped.
`set_aside` goes the other way: mail the pipeline quarantined is moved to the inbox's quarantine folder, once.
"""

from __future__ import annotations

import logging

from sqlite_utils import Database

from assistant.clock import Clock, iso
from assistant.config import Limits
from assistant.db import durably, record_event
from assistant.mail.message import decode_header, message_id_of, read_headers
from assistant.transport.base import Inbox, Incoming, Quarantine

log = logging.getLogger(__name__)


BATCH = 100  # messages stored per transaction: one fsync for many, and nothing is marked before its commit


def ingest(db: Database, inbox: Inbox, clock: Clock, limits: Limits) -> int:
    """Store every new message, then mark it processed in the inbox. Returns how many were new."""
    stored, batch = 0, []
    for item in inbox.fetch():
        batch.append(item)
        if len(batch) >= BATCH:
            stored += _store_batch(db, inbox, batch, clock, limits)
            batch = []
    return stored + _store_batch(db, inbox, batch, clock, limits)


def _store_batch(db: Database, inbox: Inbox, batch: list[Incoming], clock: Clock, limits: Limits) -> int:
    with durably(db), db.atomic():  # no loss rests on this commit reaching the disk before the inbox lets go
        stored = sum(store(db, item, iso(clock.now()), limits) for item in batch)
    for item in batch:  # only after the commit: a crash before it means the inbox still holds them
        inbox.mark_processed(item)
    flush = getattr(inbox, "flush", None)  # IMAP moves marked mail in batches: do it now, not at logout
    if flush and batch:
        flush()
    return stored


def store(db: Database, item: Incoming, now: str, limits: Limits) -> int:
    head = read_headers(item.raw)
    message_id = message_id_of(head, item.raw)
    too_large = len(item.raw) > limits.max_message_bytes
    row = {
        "message_id": message_id,
        "mailbox": item.mailbox,
        "uidvalidity": item.uidvalidity,
        "uid": item.key,
        "from_addr": decode_header(head.get("From", ""))[:500],
        "subject": decode_header(head.get("Subject", ""))[:500],
        "received_at": now,
        "size": len(item.raw),
        # Kept whole until processed (it is the only copy); trimmed to keep_raw_bytes afterwards.
        "raw": item.raw[: limits.keep_raw_bytes] if too_large else item.raw,
        "status": "quarantined" if too_large else "received",
        "outcome": "too_large" if too_large else None,
        "error": f"{len(item.raw)} bytes is over limits.max_message_bytes" if too_large else None,
    }
    cursor = db.execute(
        f"INSERT OR IGNORE INTO messages ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values())
    )
    if cursor.rowcount == 0:
        log.info("already in the ledger, skipped: %s", message_id)
        record_event(db, now, "duplicate_message", f"message:{message_id}", uid=item.key)
        return 0
    if too_large:
        log.warning("quarantined %s: %s", message_id, row["error"])
    return 1


def set_aside(db: Database, inbox: Inbox, clock: Clock) -> int:
    """Move quarantined mail to the inbox's quarantine folder (IMAP), each message once: an `imap_quarantined` event
    remembers it, with its reason. Returns how many were moved."""
    if not isinstance(inbox, Quarantine) or not inbox.quarantine_folder:
        return 0
    rows = list(
        db.query(
            "SELECT message_id, error FROM messages WHERE status = 'quarantined' AND mailbox = ?"
            " AND uidvalidity IS NOT NULL AND NOT EXISTS (SELECT 1 FROM events e WHERE e.kind = 'imap_quarantined'"
            " AND e.entity = 'message:' || messages.message_id) ORDER BY id",
            [inbox.folder],
        )
    )
    found = inbox.quarantine([row["message_id"] for row in rows]) if rows else {}
    folder, now = inbox.quarantine_folder, iso(clock.now())
    for message_id, error in ((row["message_id"], row["error"]) for row in rows):
        if message_id not in found:  # not tried (the server is away): the next poll tries again
            continue
        detail = {"folder": folder, "found": found[message_id], "reason": error}
        record_event(db, now, "imap_quarantined", f"message:{message_id}", **detail)
        log.warning("quarantined message %s moved to %s: %s", message_id, folder, error)
    return sum(found.values())
