"""Open the inbox and the outbound sender a config names. The only place that knows which transports exist."""

from __future__ import annotations

from collections.abc import Collection

from sqlite_utils import Database

from assistant.clock import Clock, iso
from assistant.config import ImapConfig, InboxConfig, MaildirConfig, OutboundConfig, SmtpConfig
from assistant.transport.base import Inbox, Outbound
from assistant.transport.maildir import MaildirInbox, MaildirOutbound


def open_inbox(config: InboxConfig, db: Database) -> Inbox:
    if isinstance(config, MaildirConfig):
        return MaildirInbox(config.path)
    if isinstance(config, ImapConfig):
        from assistant.transport.imap import ImapInbox

        return ImapInbox(config, db)
    raise NotImplementedError(f"inbox type {config.type!r} is not available")


def open_outbound(
    config: OutboundConfig, db: Database, clock: Clock | None = None, exempt: Collection[str] = ()
) -> Outbound:
    """`clock`: the program's clock (the per-recipient daily cap counts the outbox's sent_at, written by it).
    `exempt`: addresses the daily cap does not apply to (the coordinators)."""
    if isinstance(config, MaildirConfig):
        return MaildirOutbound(config.path)
    if isinstance(config, SmtpConfig):
        from assistant.transport.smtp import SmtpOutbound

        clock = clock or Clock()

        def mark_bounced(refused: dict[str, tuple[int, str]]) -> None:
            """Recipients refused with a 5xx while others got the message: the same bounce mark as a failed send."""
            hard = [address.lower() for address, (code, _) in refused.items() if code >= 500]
            if hard:
                db.execute(
                    f"UPDATE participants SET bounced_at = ? WHERE email IN ({', '.join('?' * len(hard))})",
                    [iso(clock.now()), *hard],
                )

        return SmtpOutbound(config, db, clock, on_refused=mark_bounced, exempt=exempt)
    raise NotImplementedError(f"outbound type {config.type!r} is not available")
