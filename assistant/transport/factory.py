"""Open the inbox and the outbound sender a config names. The only place that knows which transports exist."""

from __future__ import annotations

from sqlite_utils import Database

from assistant.config import InboxConfig, MaildirConfig, OutboundConfig
from assistant.transport.base import Inbox, Outbound
from assistant.transport.maildir import MaildirInbox, MaildirOutbound


def open_inbox(config: InboxConfig, db: Database) -> Inbox:
    if isinstance(config, MaildirConfig):
        return MaildirInbox(config.path)
    raise NotImplementedError(f"inbox type {config.type!r} is not available yet")


def open_outbound(config: OutboundConfig, db: Database) -> Outbound:
    if isinstance(config, MaildirConfig):
        return MaildirOutbound(config.path)
    raise NotImplementedError(f"outbound type {config.type!r} is not available yet")
