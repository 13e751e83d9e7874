"""A rendered template → an EmailMessage with every header a well-behaved automatic sender needs.

Headers are built by the email package (never by string concatenation); display names and subjects are
cleaned of control characters first, so text from an inbound mail can never add a header (CVE-2024-6923).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from assistant.mail.automatic import LOOP_HEADER
from assistant.render import Rendered


@dataclass(frozen=True)
class Envelope:
    """Who a message is from and to, and where it sits in a thread."""

    from_name: str
    from_addr: str
    to: Sequence[tuple[str, str]]  # (name, address)
    cc: Sequence[tuple[str, str]] = ()
    reply_to: tuple[str, str] | None = None  # (name, address)
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    unsubscribe: str | None = None  # mailto: address for List-Unsubscribe


def compose(
    rendered: Rendered,
    envelope: Envelope,
    message_id: str,
    date: datetime,
    program: str,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    images: Sequence[tuple[str, bytes]] = (),
) -> EmailMessage:
    """`attachments` are (filename, MIME type, bytes); with any, the message becomes multipart/mixed.
    `images` are (Content-ID without <>, PNG bytes): the HTML part becomes multipart/related with each image
    inline, for `<img src="cid:ID">`."""
    msg = EmailMessage()
    msg["From"] = _address(envelope.from_name, envelope.from_addr)
    msg["To"] = [_address(name, addr) for name, addr in envelope.to]
    if envelope.cc:
        msg["Cc"] = [_address(name, addr) for name, addr in envelope.cc]
    if envelope.reply_to:
        msg["Reply-To"] = _address(*envelope.reply_to)
    msg["Subject"] = clean(rendered.subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if envelope.in_reply_to:
        msg["In-Reply-To"] = envelope.in_reply_to
        msg["References"] = " ".join([*envelope.references, envelope.in_reply_to][-20:])
    # RFC 3834: we are automatic; ask Exchange and friends not to answer us with out-of-office mail.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    msg[LOOP_HEADER] = clean(program)
    if envelope.unsubscribe:
        msg["List-Unsubscribe"] = f"<mailto:{envelope.unsubscribe}?subject=stop>"  # with the token: acts at once
    msg.set_content(rendered.text)
    msg.add_alternative(rendered.html, subtype="html")
    if images:
        html = msg.get_payload()[-1]
        for cid, png in images:
            html.add_related(png, maintype="image", subtype="png", cid=f"<{cid}>", filename=f"{cid}.png")
    for filename, mime, data in attachments:
        maintype, _, subtype = mime.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=clean(filename))
    return msg


def clean(text: str) -> str:
    """One line of printable text: what may go into a header."""
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _address(name: str, address: str) -> Address:
    return Address(display_name=clean(name), addr_spec=address)
