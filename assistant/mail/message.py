"""Raw bytes → a parsed message: decoded headers, strictly parsed addresses, and the text body.

Parsing uses the compat32 policy: it never raises on odd input and is not quadratic on pathological headers
(RELIABILITY.md), and headers are decoded here, once. HTML-only mail is converted to text with blockquotes
kept as "> " lines (`html_text`), so quoted questions look the same whatever client wrote the reply.

Reading one message is bounded (RELIABILITY.md case 27): the text is cut at TEXT_CHARS, the HTML converted at most
HTML_CHARS and its text at most TEXT_PER_HTML_CHAR times as long; the time budget is checked while the HTML is
parsed and walked, and a message over it raises `TooSlow` (the pipeline quarantines it as `too_slow`).
"""

from __future__ import annotations

import dataclasses
import email
import email.header
import email.parser
import email.policy
import email.utils
import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Any

from assistant.headertext import INPUT_CHARS, as_text, clean_name, header_text, spaced_line
from assistant.mail import html_text
from assistant.mail.deadline import Deadline
from assistant.mail.headers import ATEXT, DOT_ATOM_ADDRESS

_ADDRESS = re.compile(r"^[^@\s<>()\[\]\",;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.[A-Za-z]{2,}$")
_QUOTED_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_MSGID = re.compile(r"<[^<>\s]+>")
_PLAIN_MAILBOX = re.compile(rf"({ATEXT}(?: {ATEXT})*) <({DOT_ATOM_ADDRESS})>|({DOT_ATOM_ADDRESS})")
RECIPIENT_HEADERS = ("to", "cc", "delivered-to", "x-original-to", "envelope-to")

# Budgets (RELIABILITY.md, "Bad input never stops the loop"): what one message may cost the reader.
HEADER_BYTES = 100 * 1024  # Postfix's header limit; a longer header block is cut here before parsing
TEXT_CHARS = 2_000_000  # no person writes more; text beyond this is not read
HTML_CHARS = 2_000_000  # HTML converted to text at most
TEXT_PER_HTML_CHAR = 2  # HTML's text is at most this multiple of the HTML (plus TEXT_SLACK): no shape multiplies
TEXT_SLACK = 1000
TIME_BUDGET = 2.0  # seconds one message may take to read; past this it raises TooSlow
MAX_PARTS = 200  # MIME parts looked at


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
    # Filled on first use: the robot checks ask for some twenty headers, most of them absent, several twice.
    _decoded: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    # The headers by lower-case name, as parse_message read them once (`Message.get` reads every header each time).
    _index: dict[str, list[tuple[str, Any]]] = field(default_factory=dict, init=False, repr=False, compare=False)

    def header(self, name: str) -> str:
        """The first such header, decoded as `decode_header` does ("" when absent); each one decoded once."""
        key = name.lower()
        if key not in self._decoded:
            found = key in self._index
            self._decoded[key] = decode_header(_first(self.headers, self._index, key, "")) if found else ""
        return self._decoded[key]

    def has_header(self, name: str) -> bool:
        """Whether the message has such a header at all (even an empty one)."""
        return name.lower() in self._index

    def with_headers(self, headers: Message, **changes: Any) -> ParsedMessage:
        """A copy with other headers (and other fields in `changes`), read through an index of those headers."""
        copy = dataclasses.replace(self, headers=headers, **changes)
        copy._index.update(header_index(headers))
        return copy

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Message-IDs this one answers, nearest first."""
        return self.in_reply_to + tuple(reversed(self.references))


def parse_message(raw: bytes, budget: float | Deadline = TIME_BUDGET) -> ParsedMessage:
    """Parse within bounds: headers cut at HEADER_BYTES, text at TEXT_CHARS, and a time budget (seconds, or a
    Deadline with its own clock). Raises TooSlow when the budget runs out while the body is read."""
    deadline = budget if isinstance(budget, Deadline) else Deadline.after(budget)
    msg = email.message_from_bytes(_bound_headers(raw), policy=email.policy.compat32)
    index = header_index(msg)
    from_name, from_addr = strict_address(_first(msg, index, "from", ""))
    text, was_html = body_text(msg, deadline)
    parsed = ParsedMessage(
        message_id=message_id_of(msg, raw, _first(msg, index, "message-id", "")),
        from_addr=from_addr,
        from_name=from_name,
        recipients=tuple(_recipients(msg, index)),
        subject=decode_header(_first(msg, index, "subject", "")),
        in_reply_to=tuple(_MSGID.findall(str(_first(msg, index, "in-reply-to", ""))[:10_000])),
        references=tuple(_MSGID.findall(str(_first(msg, index, "references", ""))[:50_000])),
        date=_date(_first(msg, index, "date", None)),
        text=text,
        was_html=was_html,
        headers=msg,
        size=len(raw),
    )
    parsed._index.update(index)
    return parsed


def read_headers(raw: bytes) -> Message:
    """The header block alone (its first HEADER_BYTES at most), as `BytesHeaderParser` reads it from the whole
    message: what the ledger and a Maildir need to name a message. The body is left unread, not walked line by line
    into a payload nobody looks at. The first blank line is where the headers end at the latest (a line no header
    could be ends them sooner, as the parser decides from the same bytes)."""
    head = raw[:HEADER_BYTES]
    blank = _BLANK_LINE.search(head)
    return _HEADER_PARSER.parsebytes(head[: blank.end()] if blank else head)


_BLANK_LINE = re.compile(rb"\r\n\r\n|\n\n|\r\r")  # an empty line, in any of the line ends the parser knows
_HEADER_PARSER = email.parser.BytesHeaderParser(policy=email.policy.compat32)


def header_index(msg: Message) -> dict[str, list[tuple[str, Any]]]:
    """Each header's (name, value) pairs, in order, by lower-case name: one pass over the headers, where
    `Message.get` reads all of them for every header asked for."""
    index: dict[str, list[tuple[str, Any]]] = {}
    for name, value in msg.raw_items():
        index.setdefault(name.lower(), []).append((name, value))
    return index


def _first(msg: Message, index: dict[str, list[tuple[str, Any]]], key: str, default: Any) -> Any:
    """`msg.get(key, default)` read from the index (`key` in lower case): the same value, through the policy."""
    found = index.get(key)
    return msg.policy.header_fetch_parse(*found[0]) if found else default


def _bound_headers(raw: bytes) -> bytes:
    """A header block longer than HEADER_BYTES is cut there (the body is kept): no honest mail needs more."""
    if len(raw) <= HEADER_BYTES:
        return raw
    head = raw[:HEADER_BYTES]
    if b"\n\n" in head or b"\r\n\r\n" in head or b"\r\r" in head:
        return raw
    end = raw.find(b"\n\n", HEADER_BYTES)
    body = raw[end + 2 :] if end >= 0 else b""
    return head[: head.rfind(b"\n") + 1 or len(head)] + b"\n" + body


def decode_header(value: object) -> str:
    """RFC 2047 words decoded until none remains, raw 8-bit read as UTF-8, unknown charsets replaced, control
    characters (CR/LF among them) removed: `assistant.headertext`'s cleaning, which every name goes through."""
    return header_text(value, INPUT_CHARS)


def strict_address(header: object) -> tuple[str, str]:
    """(display name, address) for a header holding exactly one valid address; ("", "") otherwise.

    getaddresses() alone accepts `a@x)<b@y>` (CVE-2023-27043); we also demand exactly one '@' outside quoted
    display names, so such a header never passes for either address. The header is split into its address before
    anything is decoded (RFC 2047: an encoded word is never part of an address), so a name whose decoding holds a
    comma or an address changes nothing; the name is then decoded completely and cleaned.
    """
    value = spaced_line(as_text(header))
    if value.count("@") - sum(q.count("@") for q in _QUOTED_STRING.findall(value)) != 1:
        return "", ""
    pairs = _addresses([value])
    if len(pairs) != 1 or not _ADDRESS.match(pairs[0][1]):
        return "", ""
    name, address = pairs[0]
    return clean_name(name), address.lower()


def body_text(msg: Message, deadline: Deadline | None = None) -> tuple[str, bool]:
    """The text a person reads: the first text/plain part, else the first text/html part as text.

    A part that declares multipart/* but lost its boundary stays a leaf: its bytes are read as plain text when
    nothing better is there (bounces from some MTAs look like that).
    """
    plain = broken = None
    html: Message | None = None  # decoded only when there is no plain text to read (most replies have one)
    for n, part in enumerate(msg.walk()):
        if n >= MAX_PARTS:
            break
        if part.is_multipart():
            continue
        content_type = content_type_of(part)
        maintype, _, subtype = content_type.type.partition("/")
        if maintype == "multipart" and broken is None:
            broken = _decoded(part, content_type.charset)
            continue
        if maintype != "text":
            continue
        if (part.get("Content-Disposition") or "").lower().startswith("attachment"):
            continue
        if subtype == "plain" and plain is None:
            plain = _decoded(part, content_type.charset)
            if plain.strip():
                break  # what a person reads: nothing after it is
        elif subtype == "html" and html is None:
            html = part
    if plain is not None and plain.strip():
        return _normalise(plain[:TEXT_CHARS]), False
    if html is not None:
        return _normalise(html_to_text(_decoded(html, content_type_of(html).charset)[:HTML_CHARS], deadline)), True
    if broken and broken.strip():
        return _normalise(broken[:TEXT_CHARS]), False
    return _normalise((plain or "")[:TEXT_CHARS]), False


@dataclass(frozen=True)
class ContentType:
    type: str  # "text/plain": `Message.get_content_type()`
    charset: str | None  # "utf-8": `Message.get_content_charset()`


def content_type_of(part: Message) -> ContentType:
    """A part's content type and charset, as `get_content_type` and `get_content_charset` read them. Their reading
    of the header's parameters (RFC 2231 and all) costs more than the rest of a plain reply's body, and most mail
    says the same few Content-Types: each is read once, by its raw value."""
    value = next((value for name, value in part.raw_items() if name.lower() == "content-type"), None)
    if not isinstance(value, str) or len(value) > _REMEMBERED_CONTENT_TYPE:
        return _read_content_type(value, part.get_default_type())
    return _remembered_content_type(value, part.get_default_type())


_REMEMBERED_CONTENT_TYPE = 1000  # characters: a longer Content-Type is read afresh, and never kept


def _read_content_type(value: Any, default_type: str) -> ContentType:
    part = Message()
    part.set_default_type(default_type)
    if value is not None:
        part.set_raw("Content-Type", value)
    try:
        charset = part.get_content_charset()
    except Exception:  # parameters the stdlib cannot read: the text is read as UTF-8, with replacements
        charset = None
    return ContentType(part.get_content_type(), charset)


_remembered_content_type = functools.lru_cache(maxsize=256)(_read_content_type)


def html_to_text(html: str, deadline: Deadline | None = None) -> str:
    """HTML as a person sees it, with every client's quoted history rendered as "> " lines (see `html_text`), at
    most TEXT_PER_HTML_CHAR times as long as the HTML; raises TooSlow when `deadline` passes during the work."""
    return html_text.html_to_text(html, TEXT_PER_HTML_CHAR * len(html) + TEXT_SLACK, deadline)


def _decoded(part: Message, charset: str | None) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    try:
        return payload.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return payload.decode("utf-8", errors="replace")


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.replace("\u00a0", " ")


def message_id_of(msg: Message, raw: bytes, header: Any = None) -> str:
    """The Message-ID (`header`: its value, when the caller has read it already)."""
    found = _MSGID.findall(str(msg.get("Message-ID", "") if header is None else header))
    if found:
        return found[0]
    # Without a Message-ID the same bytes must still dedupe: name the message after its content.
    return f"<sha256-{hashlib.sha256(raw).hexdigest()[:40]}@no-message-id>"


def _recipients(msg: Message, index: dict[str, list[tuple[str, Any]]]) -> list[str]:
    fetch = msg.policy.header_fetch_parse
    values = [spaced_line(as_text(fetch(*found))) for key in RECIPIENT_HEADERS for found in index.get(key, ())]
    return [address.lower() for _, address in _addresses(values) if _ADDRESS.match(address)]


def _addresses(values: list[str]) -> list[tuple[str, str]]:
    """`email.utils.getaddresses(values)`. Each value that is one plain mailbox ("Maya Patel <maya@example.org>",
    "maya@example.org": the name words of RFC 5322 atoms, single-spaced, the address a dot-atom) reads as itself,
    without the parser (which reads one character at a time); anything else is the parser's."""
    found = []
    for value in values:
        plain = _PLAIN_MAILBOX.fullmatch(value)
        if plain is None:
            return email.utils.getaddresses(values)
        found.append((plain.group(1) or "", plain.group(2) or plain.group(3)))
    return found


def _date(value: object) -> datetime | None:
    try:
        return email.utils.parsedate_to_datetime(str(value)) if value else None
    except (TypeError, ValueError, IndexError):
        return None
