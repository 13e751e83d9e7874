"""A rendered template → a MIME message with every header a well-behaved automatic sender needs.

Headers are clean by construction. Every header that carries text (the names in From, To, Cc and Reply-To, the
subject, the program's name) is a header object of `email.headerregistry`, built from cleaned text and checked to
read back as meant (`assistant/mail/headers.py`), except the common address header that needs none of it: plain
words for names and plain ASCII addresses on one line, written as headerregistry would write them
(`headers.plain_addresses`), without parsing them twice. The headers that carry no text are ours and are set as they are
written: the date from `email.utils`, fixed values, and Message-IDs that must match a strict pattern (a reply's
In-Reply-To and References come from inbound mail; an id that does not match is dropped). Those are not handed
to headerregistry because its unstructured folding would turn a long Message-ID into an encoded word, which
breaks threading; they are folded as compat32 folds them.

The message's bytes are the email package's generator's under `POLICY` (tests/test_compose.py checks them
against it), written here without the generator: it re-dispatches and re-buffers every part. The text parts are
built with their three headers and quoted-printable payload (`quoted.py`) directly (MIMEText re-parses its
Content-Type on the way), and each multipart's boundary is chosen here, once, and its Content-Type folded as
compat32 folds it.
"""

from __future__ import annotations

import functools
import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.policy import Policy
from typing import TypeVar

from assistant.headertext import header_text
from assistant.mail import quoted
from assistant.mail.automatic import LOOP_HEADER
from assistant.mail.headers import POLICY, address_header, plain_addresses, text_header
from assistant.render import Rendered

_MAX_LINE = 78  # RFC 5322's recommended line length
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))  # as the email package's generator makes them
_BOUNDARY = re.compile(r'boundary="([^"]+)"')
_NEWLINES = re.compile(r"\r\n|\r|\n")
_MESSAGE_ID = re.compile(r"<[!-;=?-~]{1,250}>")  # printable ASCII, no spaces, no nested <>: nothing to inject
# ours too (config.web.public_url and a token): nothing that could end the <> or start a second URI
_OUR_URL = re.compile(r"https?://[A-Za-z0-9.:\[\]-]+(/[A-Za-z0-9._~/-]*)?")
_LANGUAGE = re.compile(r"[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*")  # a BCP 47 tag: nothing else reaches the header
_OUR_ADDRESS = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9.-]+")  # ours, for List-Unsubscribe


@dataclass(frozen=True)
class Envelope:
    """Who a message is from and to, and where it sits in a thread."""

    from_name: str
    from_addr: str
    to: Sequence[tuple[str, str]]  # (name, address)
    cc: Sequence[tuple[str, str]] = ()
    reply_to: tuple[str, str] | None = None  # (name, address)
    reply_to_people: Sequence[tuple[str, str]] = ()  # Reply-To several people (when `reply_to` is None)
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    unsubscribe: str | None = None  # mailto: address for List-Unsubscribe
    # https one-click link (RFC 8058) for List-Unsubscribe, with List-Unsubscribe-Post; only beside the mailto
    unsubscribe_url: str | None = None
    language: str = ""  # the language the text is written in (Content-Language, RFC 3282): "es", "pt-BR"


class ComposedMessage(Message):
    """The message `compose` returns: header objects from headerregistry for every header that carries text, a
    classic MIME tree below, and `as_bytes` written without the generator (the same bytes)."""

    def __init__(self) -> None:
        super().__init__(policy=POLICY)

    def as_bytes(self, unixfrom: bool = False, policy: Policy | None = None) -> bytes:
        if not unixfrom and policy is None:
            written = _written(self)
            if written is not None:
                return written.encode("ascii")
        return super().as_bytes(unixfrom=unixfrom, policy=policy)


def compose(
    rendered: Rendered,
    envelope: Envelope,
    message_id: str,
    date: datetime,
    program: str,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    images: Sequence[tuple[str, bytes]] = (),
) -> Message:
    """`attachments` are (filename, MIME type, bytes); with any, the message becomes multipart/mixed.
    `images` are (Content-ID without <>, PNG bytes): the HTML part becomes multipart/related with each image
    inline, for `<img src="cid:ID">`."""
    msg = _body(rendered, attachments, images)
    _set_addresses(msg, "From", ((envelope.from_name, envelope.from_addr),))
    _set_addresses(msg, "To", _pairs(envelope.to))
    if envelope.cc:
        _set_addresses(msg, "Cc", _pairs(envelope.cc))
    reply_to = [envelope.reply_to] if envelope.reply_to else envelope.reply_to_people
    if reply_to:
        _set_addresses(msg, "Reply-To", _pairs(reply_to))
    msg["Subject"] = text_header("Subject", rendered.subject)
    _set_words(msg, "Date", rfc5322_date(date))
    _set_words(msg, "Message-ID", _our_message_id(message_id))
    _thread(msg, envelope)
    if _LANGUAGE.fullmatch(envelope.language):
        _set_words(msg, "Content-Language", envelope.language)
    # RFC 3834: we are automatic; ask Exchange and friends not to answer us with out-of-office mail.
    _set_words(msg, "Auto-Submitted", "auto-generated")
    _set_words(msg, "X-Auto-Response-Suppress", "OOF, AutoReply")
    msg[LOOP_HEADER] = text_header(LOOP_HEADER, program)
    if envelope.unsubscribe:  # with the token: acts at once
        _unsubscribe(msg, envelope.unsubscribe, envelope.unsubscribe_url)
    return msg


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def rfc5322_date(moment: datetime) -> str:
    """`email.utils.format_datetime(moment)`, the same text: its `strftime("%z")` is most of its cost, and a
    program writes few offsets (tests/test_compose.py holds the two equal)."""
    zone = "-0000" if moment.tzinfo is None else _zone(moment.utcoffset())
    return (
        f"{_DAYS[moment.weekday()]}, {moment.day:02d} {_MONTHS[moment.month - 1]} {moment.year:04d}"
        f" {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} {zone}"
    )


@functools.lru_cache(maxsize=64)
def _zone(offset: timedelta | None) -> str:
    """What `strftime("%z")` writes for a moment at this offset from UTC ("" for a zone that gives none)."""
    return "" if offset is None else datetime(2000, 1, 1, tzinfo=timezone(offset)).strftime("%z")


def _unsubscribe(msg: Message, address: str, url: str | None) -> None:
    """List-Unsubscribe (RFC 2369): the mailto, and first the https link when there is one, with
    List-Unsubscribe-Post (RFC 8058), which says a POST to that link unsubscribes at once. Without an https link
    there is no Post header: RFC 8058 allows it only with one."""
    mailto = f"<mailto:{_our_address(address)}?subject=stop>"
    if url is None:
        _set_words(msg, "List-Unsubscribe", mailto)
        return
    _set_words(msg, "List-Unsubscribe", f"<{_our_url(url)}>, {mailto}")
    _set_words(msg, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")


def _set_addresses(msg: Message, name: str, people: tuple[tuple[str, str], ...]) -> None:
    """An address header: plain names and addresses on one line as they are (headers.plain_addresses), anything
    else a header object of headerregistry's, checked to read back as meant."""
    plain = plain_addresses(name, people)
    if plain is None:
        msg[name] = address_header(name, people)
    else:
        msg.set_raw(name, plain)


def _set_words(msg: Message, name: str, value: str) -> None:
    """A header that carries no text (a date, ids, fixed words), folded as compat32 folds it (a header that fits
    on its line is not folded: most of them)."""
    fits = len(name) + 2 + len(value) <= _MAX_LINE
    msg.set_raw(name, value if fits else _fold_words(len(name) + 2, value.split(" ")))


def _pairs(people: Sequence[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    return tuple((name, addr) for name, addr in people)


def _thread(msg: Message, envelope: Envelope) -> None:
    """In-Reply-To and References: the ids of inbound mail that match a strict pattern, folded as RFC 5322 says."""
    if not envelope.in_reply_to or not _MESSAGE_ID.fullmatch(envelope.in_reply_to):
        return
    ids = [i for i in envelope.references if _MESSAGE_ID.fullmatch(i)]
    _set_words(msg, "In-Reply-To", envelope.in_reply_to)
    _set_words(msg, "References", " ".join([*ids, envelope.in_reply_to][-20:]))


def _our_message_id(message_id: str) -> str:
    if not _MESSAGE_ID.fullmatch(message_id):
        raise ValueError(f"not a Message-ID we would write: {message_id!r}")
    return message_id


def _our_address(addr: str) -> str:
    if not _OUR_ADDRESS.fullmatch(addr):
        raise ValueError(f"not an address we would write in List-Unsubscribe: {addr!r}")
    return addr


def _our_url(url: str) -> str:
    if not _OUR_URL.fullmatch(url):
        raise ValueError(f"not a link we would write in List-Unsubscribe: {url!r}")
    return url


def _body(
    rendered: Rendered, attachments: Sequence[tuple[str, str, bytes]], images: Sequence[tuple[str, bytes]]
) -> ComposedMessage:
    html = _text_part(rendered.html, "html")
    if images:
        inline: list[Message] = [html]
        for cid, png in images:
            image = MIMEImage(png, "png")
            image["Content-ID"] = f"<{cid}>"
            image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
            inline.append(image)
        html = _multipart(Message(), "related", inline)
    alternative = [_text_part(rendered.text, "plain"), html]
    if not attachments:
        return _multipart(ComposedMessage(), "alternative", alternative)
    parts: list[Message] = [_multipart(Message(), "alternative", alternative)]
    for filename, mime, data in attachments:
        # Under POLICY its headers are headerregistry's too: the filename is text (RFC 2231 when it is not ASCII).
        part = MIMEApplication(data, mime.partition("/")[2] or "octet-stream", policy=POLICY)
        part.replace_header("Content-Type", mime)
        part.add_header("Content-Disposition", "attachment", filename=header_text(filename))
        parts.append(part)
    return _multipart(ComposedMessage(), "mixed", parts)


class _TextPart(Message):
    """A text part `_text_part` built: nothing in it can hold a boundary (see `_boundary`)."""


def _text_part(text: str, subtype: str) -> Message:
    """What MIMEText(text, subtype, utf-8 quoted-printable) builds: the same headers, in order, and payload."""
    part = _TextPart()
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["MIME-Version"] = "1.0"
    part["Content-Transfer-Encoding"] = "quoted-printable"
    part.set_payload(quoted.encode(text))  # quoprimime.body_encode's bytes, for a fraction of its cost
    return part


_Part = TypeVar("_Part", bound=Message)


def _multipart(msg: _Part, subtype: str, parts: list[Message]) -> _Part:
    """What MIMEMultipart builds, with its boundary chosen now and its Content-Type folded as compat32 folds it."""
    boundary = f'boundary="{_boundary(parts)}"'
    msg.set_raw("Content-Type", _fold_words(len("Content-Type: "), [f"multipart/{subtype};", boundary]))
    msg.set_raw("MIME-Version", "1.0")
    for part in parts:
        msg.attach(part)
    return msg


def _boundary(parts: list[Message]) -> str:
    """A boundary like the generator's, that nothing inside the parts contains. Our text parts are not read: a
    boundary starts with fifteen "=", which quoted-printable never writes (an "=" is "=3D"), and their three
    headers are fixed words."""
    token = "=" * 15 + str(random.randrange(sys.maxsize)).zfill(_BOUNDARY_DIGITS) + "=="
    inside = []
    for part in parts:
        for leaf in part.walk():
            if isinstance(leaf, _TextPart):
                continue
            inside += [str(value) for _, value in leaf.raw_items()]  # as set: no policy reads them again
            if not leaf.is_multipart():
                inside.append(str(leaf.get_payload()))
    boundary, counter = token, 0
    while any("--" + boundary in text for text in inside):
        boundary = f"{token}.{counter}"
        counter += 1
    return boundary


def _written(msg: Message) -> str | None:
    """The bytes (as ASCII text) the generator writes for this tree under POLICY, or None for a tree we do not
    write ourselves."""
    out: list[str] = []
    return "".join(out) if _write(msg, out) else None


def _write(msg: Message, out: list[str]) -> bool:
    payload = msg.get_payload()
    multipart = isinstance(payload, list)
    content_type = _raw_content_type(msg)
    if multipart != content_type.startswith("multipart/") or content_type.startswith("message/"):
        return False
    for name, value in msg.raw_items():  # what the generator writes: each value folded by the policy
        if type(value) is str:  # set as text (refold_source="none"): written as it is, line by line
            if not value.isascii():
                return False
            folded = value if value.isprintable() else "\n".join(value.splitlines())  # one line: as it is
            out.append(f"{name}: {folded}\n")
            continue
        try:
            out.append(POLICY.fold_binary(name, value).decode("ascii"))
        except UnicodeError:
            return False
    out.append("\n")
    if not multipart:
        if not isinstance(payload, str) or not payload.isascii():
            return False
        out.append(_NEWLINES.sub("\n", payload) if "\r" in payload else payload)
        return True
    boundary = _BOUNDARY.search(content_type)
    if not boundary or msg.preamble is not None or msg.epilogue is not None:
        return False
    for n, part in enumerate(payload):
        out.append(f"--{boundary.group(1)}\n" if n == 0 else f"\n--{boundary.group(1)}\n")
        if not _write(part, out):
            return False
    out.append(f"\n--{boundary.group(1)}--\n")
    return True


def _raw_content_type(msg: Message) -> str:
    """The Content-Type as stored, lower-cased (reading it through a policy would parse it again each time)."""
    for name, value in msg.raw_items():
        if name.lower() == "content-type":
            return str(value).lower()
    return "text/plain"


def _fold_words(header_length: int, words: list[str]) -> str:
    """Single-spaced ASCII words folded as compat32 folds them (78 characters).

    A line that grows past 78 characters is broken before the word after its last ";", else its last ",", else
    before its last word; a first word that does not fit after the header name goes to the next line; a word
    longer than a line stays whole.
    """
    lines: list[str] = []
    line = [words[0]]
    size = header_length + len(words[0])
    if size > _MAX_LINE:  # not even the first word fits beside the name: it starts the next line
        lines.append("")
        line, size = [" " + words[0]], 1 + len(words[0])
    for word in words[1:]:
        line.append(" " + word)
        size += 1 + len(word)
        if size > _MAX_LINE:
            cut = _cut(line)
            lines.append("".join(line[:cut]))
            line = line[cut:]
            size = sum(map(len, line))
    lines.append("".join(line))
    return "\n".join(lines)


def _cut(line: list[str]) -> int:
    """Where email.header breaks a line that grew too long: after its last ";", else its last ",", else before
    its last word."""
    for mark in ";,":
        for i in range(len(line) - 1, 0, -1):
            if line[i - 1].endswith(mark):
                return i
    return len(line) - 1
