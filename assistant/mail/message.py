"""Raw bytes → a parsed message: decoded headers, strictly parsed addresses, and the text body.

Parsing uses the compat32 policy: it never raises on odd input and is not quadratic on pathological headers
(RELIABILITY.md), and headers are decoded here, once. HTML-only mail is converted to text with blockquotes
kept as "> " lines, so quoted questions look the same whatever client wrote the reply.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message

import html2text

_ADDRESS = re.compile(r"^[^@\s<>()\[\]\",;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$")
_QUOTED_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_MSGID = re.compile(r"<[^<>\s]+>")
RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str
    from_addr: str  # lower-case; "" when missing or not strictly valid
    from_name: str
    recipients: tuple[str, ...]
    subject: str
    in_reply_to: tuple[str, ...]
    references: tuple[str, ...]
    date: datetime | None
    text: str
    was_html: bool
    headers: Message = field(repr=False)
    size: int = 0

    def header(self, name: str) -> str:
        return decode_header(self.headers.get(name, ""))

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this one answers, nearest first."""
        return self.in_reply_to + tuple(reversed(self.references))


def parse_message(raw: bytes) -> ParsedMessage:
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    from_name, from_addr = strict_address(msg.get("From", ""))
    text, was_html = body_text(msg)
    return ParsedMessage(
        message_id=message_id_of(msg, raw),
        from_addr=from_addr,
        from_name=from_name,
        recipients=tuple(_recipients(msg)),
        subject=decode_header(msg.get("Subject", "")),
        in_reply_to=tuple(_MSGID.findall(str(msg.get("In-Reply-To", "")))),
        references=tuple(_MSGID.findall(str(msg.get("References", "")))),
        date=_date(msg.get("Date")),
        text=text,
        was_html=was_html,
        headers=msg,
        size=len(raw),
    )


def decode_header(value: object) -> str:
    """RFC 2047 words decoded, unknown charsets replaced, control characters (CR/LF among them) removed."""
    if value is None:
        return ""
    try:
        text = str(email.header.make_header(email.header.decode_header(str(value))))
    except (LookupError, ValueError, UnicodeError, email.errors.HeaderParseError):
        text = str(value)
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def strict_address(header: object) -> tuple[str, str]:
    """(display name, address) for a header holding exactly one valid address; ("", "") otherwise.

    getaddresses() alone accepts `a@x)<b@y>` (CVE-2023-27043); we also demand exactly one '@' outside quoted
    display names, so such a header never passes for either address.
    """
    value = decode_header(header)
    if value.count("@") - sum(q.count("@") for q in _QUOTED_STRING.findall(value)) != 1:
        return "", ""
    pairs = email.utils.getaddresses([value])
    if len(pairs) != 1 or not _ADDRESS.match(pairs[0][1]):
        return "", ""
    name, address = pairs[0]
    return decode_header(name), address.lower()


def body_text(msg: Message) -> tuple[str, bool]:
    """The text a person reads: the first text/plain part, else the first text/html part as text."""
    plain = html = None
    for part in msg.walk():
        if part.is_multipart() or part.get_content_maintype() != "text":
            continue
        if (part.get("Content-Disposition") or "").lower().startswith("attachment"):
            continue
        subtype = part.get_content_subtype()
        if subtype == "plain" and plain is None:
            plain = _decoded(part)
        elif subtype == "html" and html is None:
            html = _decoded(part)
    if plain is not None and plain.strip():
        return _normalise(plain), False
    if html is not None:
        return _normalise(html_to_text(html)), True
    return _normalise(plain or ""), False


def html_to_text(html: str) -> str:
    converter = html2text.HTML2Text()
    converter.body_width = 0  # never re-wrap: line structure carries numbered answers
    converter.ignore_images = True
    converter.ignore_links = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    return _unescape_markdown(converter.handle(html))


_MD_DOT = re.compile(r"^((?:[ \t]*>)*[ \t]*\d+)\\\.", re.M)
_MD_SIGN = re.compile(r"^((?:[ \t]*>)*[ \t]*)\\([-+])", re.M)


def _unescape_markdown(text: str) -> str:
    """html2text writes Markdown and escapes `1.` as `1\\.`; a person typed `1.`, so give it back."""
    return _MD_SIGN.sub(r"\1\2", _MD_DOT.sub(r"\1.", text)).replace("\\\\", "\\")


def _decoded(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset, errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.replace("\u00a0", " ")


def message_id_of(msg: Message, raw: bytes) -> str:
    found = _MSGID.findall(str(msg.get("Message-ID", "")))
    if found:
        return found[0]
    # Without a Message-ID the same bytes must still dedupe: name the message after its content.
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id>"


def _recipients(msg: Message) -> list[str]:
    values = [decode_header(v) for name in RECIPIENT_HEADERS for v in msg.get_all(name, [])]
    return [address.lower() for _, address in email.utils.getaddresses(values) if _ADDRESS.match(address)]


def _date(value: object) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError, IndexError):
        return None
