"""The outbox: every outbound mail is a row with a unique key before it is a message on the wire.

`enqueue` renders and inserts with INSERT OR IGNORE on the dedupe key, in the caller's transaction, so a state
change and the mail it causes commit together and a second attempt adds nothing. `drain` marks a row `sending`
before handing it to the transport and `sent` after; a row still `sending` at start-up is "delivery uncertain"
and is never resent blindly. Mail is sent at most once.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlite_utils import Database

from assistant.clock import Clock, iso
from assistant.config import Config
from assistant.db import durably, record_event
from assistant.identity import is_suppressed
from assistant.mail.compose import Envelope, compose
from assistant.mail.tokens import new_message_id, reply_address
from assistant.render import Renderer
from assistant.transport.base import Outbound, SendError

log = logging.getLogger(__name__)

RETRY_DEADLINE = timedelta(days=5)


@dataclass(frozen=True)
class Mail:
    """What a handler or rule wants sent. The key makes it happen at most once."""

    key: str
    template: str
    to: Sequence[tuple[str, str]]
    context: dict[str, Any] = field(default_factory=dict)
    cc: Sequence[tuple[str, str]] = ()
    reply_token: str | None = None
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    entity: str = ""  # what it is about ("checkin:12"): a reply to it is matched back through this
    reply_to_person: tuple[str, str] | None = None  # Reply-To a person, not our token address (a note to coordinators)
    images: Sequence[tuple[str, bytes]] = ()  # (Content-ID, PNG) shown inline in the HTML as <img src="cid:ID">
    attachments: Sequence[tuple[str, str, bytes]] = ()  # (filename, MIME type, bytes)


@dataclass
class DrainResult:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


class Outbox:
    def __init__(self, db: Database, config: Config, renderer: Renderer, clock: Clock):
        self.db, self.config, self.renderer, self.clock = db, config, renderer, clock

    def enqueue(self, mail: Mail) -> str | None:
        """Queue a mail; returns its Message-ID, or None when this key was queued before."""
        if self.has(mail.key):
            return None
        if any(is_suppressed(self.db, a) for _, a in [*mail.to, *mail.cc]):
            log.info("not queued %s: an address asked to be erased", mail.key)
            return None
        rendered = self.renderer.render(mail.template, self._context(mail))
        message_id = new_message_id(self.config.domain)
        assistant = self.config.assistant
        envelope = Envelope(
            from_name=assistant.name,
            from_addr=assistant.email,
            to=mail.to,
            cc=mail.cc,
            reply_to=(assistant.name, reply_address(assistant.email, mail.reply_token))
            if mail.reply_token
            else mail.reply_to_person,
            in_reply_to=mail.in_reply_to,
            references=mail.references,
            unsubscribe=reply_address(assistant.email, mail.reply_token) if mail.reply_token else assistant.email,
        )
        message = compose(
            rendered,
            envelope,
            message_id,
            self.clock.now(),
            self.config.program_name,
            attachments=mail.attachments,
            images=mail.images,
        )
        now = iso(self.clock.now())
        self.db.execute(
            "INSERT OR IGNORE INTO outbox (dedupe_key, to_addr, subject, message_id, template, entity, raw, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                mail.key,
                ", ".join(a for _, a in [*mail.to, *mail.cc]),
                rendered.subject,
                message_id,
                mail.template,
                mail.entity,
                message.as_bytes(),
                now,
            ),
        )
        return message_id

    def has(self, key: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM outbox WHERE dedupe_key = ?", (key,)).fetchone())

    def _context(self, mail: Mail) -> dict[str, Any]:
        config = self.config
        return {
            "program_name": config.program_name,
            "assistant_name": config.assistant.name,
            "assistant_address": config.assistant.email,
            "coordinator": config.coordinators[0],
            "coordinators": config.coordinators,
            **mail.context,
        }

    def drain(self, outbound: Outbound, limit: int | None = None) -> DrainResult:
        """Send what is due. Each row: queued → sending (committed) → send → sent | queued later | failed."""
        result = DrainResult()
        now = iso(self.clock.now())
        rows = list(
            self.db.query(
                "SELECT id, to_addr, raw, attempts, created_at FROM outbox WHERE status = 'queued'"
                " AND (not_before IS NULL OR not_before <= ?) ORDER BY id LIMIT ?",
                (now, limit if limit is not None else -1),
            )
        )
        for row in rows:
            with durably(self.db):  # at most once rests on this mark being on disk before SMTP
                claimed = self.db.execute(
                    "UPDATE outbox SET status = 'sending', sending_at = ?, attempts = attempts + 1"
                    " WHERE id = ? AND status = 'queued'",
                    (now, row["id"]),
                ).rowcount
            if not claimed:
                continue
            self._send_one(outbound, row, result)
        return result

    def _send_one(self, outbound: Outbound, row: dict[str, Any], result: DrainResult) -> None:
        recipients = [a.strip() for a in row["to_addr"].split(",") if a.strip()]
        try:
            outbound.send(row["raw"], self.config.assistant.email, recipients)
        except SendError as exc:
            self._failed_send(row, exc, result)
            return
        # A `sent` mark lost to a power cut leaves the row `sending`: it becomes `uncertain`, never resent.
        self.db.execute(
            "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
            (iso(self.clock.now()), row["id"]),
        )
        result.sent += 1

    def _failed_send(self, row: dict[str, Any], exc: SendError, result: DrainResult) -> None:
        now = self.clock.now()
        if exc.uncertain:
            self.db.execute(
                "UPDATE outbox SET status = 'uncertain', last_error = ? WHERE id = ?", (str(exc), row["id"])
            )
            record_event(self.db, iso(now), "delivery_uncertain", f"outbox:{row['id']}", error=str(exc))
            log.warning("delivery uncertain, not resent: outbox %s: %s", row["id"], exc)
            result.failed += 1
            return
        if exc.rejected:
            self.db.execute(
                f"UPDATE participants SET bounced_at = ? WHERE email IN ({', '.join('?' * len(exc.rejected))})",
                [iso(now), *[address.lower() for address in exc.rejected]],
            )
        expired = iso(now - RETRY_DEADLINE) > row["created_at"]
        if exc.permanent or expired:
            self.db.execute("UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", (str(exc), row["id"]))
            log.warning("outbox %s failed: %s", row["id"], exc)
            result.failed += 1
            return
        delay = timedelta(minutes=min(5 * 2 ** (row["attempts"]), 12 * 60))  # 5 min doubling, at most 12 h
        self.db.execute(
            "UPDATE outbox SET status = 'queued', not_before = ?, last_error = ? WHERE id = ?",
            (iso(now + delay), str(exc), row["id"]),
        )
        log.info("outbox %s will be retried after %s: %s", row["id"], delay, exc)
        result.retrying += 1

    def recover_uncertain(self) -> int:
        """At start-up: rows left `sending` by a crash may or may not have gone out. Never resend them."""
        rows = list(self.db.query("SELECT id, to_addr, subject FROM outbox WHERE status = 'sending'"))
        for row in rows:
            self.db.execute("UPDATE outbox SET status = 'uncertain' WHERE id = ?", (row["id"],))
            record_event(self.db, iso(self.clock.now()), "delivery_uncertain", f"outbox:{row['id']}", **row)
            log.warning("delivery uncertain, not resent: outbox %s to %s", row["id"], row["to_addr"])
        return len(rows)
