"""Open the inbox and the outbound sender a config names. The only place that knows which transports exist."""

from __future__ import annotations

from assistant.config import ImapConfig, InboxConfig, MaildirConfig, OutboundConfig, SmtpConfig
from assistant.transport.base import Checkpoint, Inbox, Outbound
from assistant.transport.maildir import MaildirInbox, MaildirOutbound


def open_inbox(config: InboxConfig, checkpoint: Checkpoint) -> Inbox:
    """`checkpoint` keeps where an IMAP inbox left off (a Maildir needs none: what is read leaves new/)."""
    if isinstance(config, MaildirConfig):
        return MaildirInbox(config.path)
    if isinstance(config, ImapConfig):
        from assistant.transport.imap import ImapInbox

        return ImapInbox(config, checkpoint)
    raise NotImplementedError(f"inbox type {config.type!r} is not available")


def open_outbound(config: OutboundConfig) -> Outbound:
    if isinstance(config, MaildirConfig):
        return MaildirOutbound(config.path)
    if isinstance(config, SmtpConfig):
        from assistant.transport.smtp import SmtpOutbound

        return SmtpOutbound(config)
    raise NotImplementedError(f"outbound type {config.type!r} is not available")
