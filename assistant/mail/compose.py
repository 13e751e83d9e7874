"""A rendered template → a MIME message with every header a well-behaved automatic sender needs.

Headers are built by the email package (never by string concatenation): `formataddr` and `Header` encode names
and subjects. Display names and subjects are cleaned of control characters first, so text from an inbound mail
can never add a header (CVE-2024-6923).

The message is the email package's classic (compat32) MIME tree, and its bytes are the ones the email package's
generator writes for it. Two costs are taken out, because a cycle composes thousands: the text parts are built
with their three headers and quoted-printable payload directly (MIMEText re-parses its Content-Type on the way),
and `as_bytes` writes the tree itself, folding a header with the email package only when the header needs
folding or encoding (most fit on one line as they are, where the package would still build a Header object for
each); each multipart's boundary is chosen here, once, instead of compiling a regular expression per message.
tests/test_compose.py checks the bytes against the email package's generator and the old MIME-class composer.
"""

from __future__ import annotations

import random
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy as email_policy
from email import quoprimime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.policy import Policy
from email.utils import format_datetime, formataddr
from typing import TypeVar

from assistant.mail.automatic import LOOP_HEADER
from assistant.render import Rendered

_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # readable in any mail client's "show source", unlike base64
_UTF8_QP.header_encoding = QP

_COMPAT32 = email_policy.compat32
_MAX_LINE = 78  # RFC 5322's recommended line length, the one compat32 folds at
_BOUNDARY_DIGITS = len(repr(sys.maxsize - 1))  # as the email package's generator makes them
_NEWLINES = re.compile(r"\r\n|\r|\n")
_Multipart = TypeVar("_Multipart", bound=MIMEMultipart)


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


class ComposedMessage(MIMEMultipart):
    """The message `compose` returns: a classic MIME tree whose `as_bytes` is written without the generator."""

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
    msg["From"] = _address(envelope.from_name, envelope.from_addr)
    msg["To"] = ", ".join(_address(name, addr) for name, addr in envelope.to)
    if envelope.cc:
        msg["Cc"] = ", ".join(_address(name, addr) for name, addr in envelope.cc)
    if envelope.reply_to:
        msg["Reply-To"] = _address(*envelope.reply_to)
    msg["Subject"] = _text_header(rendered.subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if envelope.in_reply_to:
        msg["In-Reply-To"] = envelope.in_reply_to
        msg["References"] = " ".join([*envelope.references, envelope.in_reply_to][-20:])
    # RFC 3834: we are automatic; ask Exchange and friends not to answer us with out-of-office mail.
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    msg[LOOP_HEADER] = _text_header(program)
    if envelope.unsubscribe:
        msg["List-Unsubscribe"] = f"<mailto:{envelope.unsubscribe}?subject=stop>"  # with the token: acts at once
    return msg


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
        html = _multipart(MIMEMultipart, "related", inline)
    alternative = [_text_part(rendered.text, "plain"), html]
    if not attachments:
        return _multipart(ComposedMessage, "alternative", alternative)
    parts: list[Message] = [_multipart(MIMEMultipart, "alternative", alternative)]
    for filename, mime, data in attachments:
        part = MIMEApplication(data, mime.partition("/")[2] or "octet-stream")
        part.replace_header("Content-Type", mime)
        part.add_header("Content-Disposition", "attachment", filename=clean(filename))
        parts.append(part)
    return _multipart(ComposedMessage, "mixed", parts)


def _text_part(text: str, subtype: str) -> Message:
    """What MIMEText(text, subtype, utf-8 quoted-printable) builds: the same headers, in order, and payload."""
    part = Message()
    part["Content-Type"] = f'text/{subtype}; charset="utf-8"'
    part["MIME-Version"] = "1.0"
    part["Content-Transfer-Encoding"] = "quoted-printable"
    # quoprimime reads a str as bytes, one character per byte: hand it the UTF-8 bytes that way (as Charset does).
    part.set_payload(quoprimime.body_encode(text.encode("utf-8").decode("latin-1")))
    return part


def _multipart(kind: type[_Multipart], subtype: str, parts: list[Message]) -> _Multipart:
    """MIMEMultipart with its boundary chosen now (the generator would choose it with a regex per message)."""
    msg = kind(subtype, _subparts=parts)
    msg.replace_header("Content-Type", f'multipart/{subtype}; boundary="{_boundary(parts)}"')  # as set_boundary
    return msg


def _boundary(parts: list[Message]) -> str:
    """A boundary like the generator's, that nothing inside the parts contains."""
    token = "=" * 15 + str(random.randrange(sys.maxsize)).zfill(_BOUNDARY_DIGITS) + "=="
    inside = []
    for part in parts:
        for leaf in part.walk():
            inside += [str(value) for value in leaf.values()]
            if not leaf.is_multipart():
                inside.append(str(leaf.get_payload()))
    boundary, counter = token, 0
    while any("--" + boundary in text for text in inside):
        boundary = f"{token}.{counter}"
        counter += 1
    return boundary


def _written(msg: Message) -> str | None:
    """The bytes (as ASCII text) the generator writes for this tree, or None for a tree we do not write ourselves."""
    out: list[str] = []
    return "".join(out) if _write(msg, out) else None


def _write(msg: Message, out: list[str]) -> bool:
    payload = msg.get_payload()
    multipart = isinstance(payload, list)
    if multipart != (msg.get_content_maintype() == "multipart") or msg.get_content_maintype() == "message":
        return False
    for name, value in msg.raw_items():  # what the generator writes: the values as stored
        line = _header_line(name, value)
        if line is None:
            return False
        out.append(line)
    out.append("\n")
    if not multipart:
        if not isinstance(payload, str) or not payload.isascii():
            return False
        out.append(_NEWLINES.sub("\n", payload) if "\r" in payload else payload)
        return True
    boundary = msg.get_boundary()
    if not boundary or msg.preamble is not None or msg.epilogue is not None:
        return False
    for n, part in enumerate(payload):
        out.append(f"--{boundary}\n" if n == 0 else f"\n--{boundary}\n")
        if not _write(part, out):
            return False
    out.append(f"\n--{boundary}--\n")
    return True


def _header_line(name: str, value: str | Header) -> str | None:
    """`Name: value` and its line end, folded exactly as compat32 folds it (RFC 5322: lines of 78 at most)."""
    if isinstance(value, str) and _single_spaced_ascii(value):
        return f"{name}: {_fold_words(len(name) + 2, value.split(' '))}\n"
    folded = _COMPAT32.fold_binary(name, value)  # encoded words, odd spacing: the email package itself
    return folded.decode("ascii") if folded.isascii() else None


def _single_spaced_ascii(value: str) -> bool:
    return bool(value) and value.isascii() and value.isprintable() and value == value.strip() and "  " not in value


def _fold_words(header_length: int, words: list[str]) -> str:
    """email.header's folding of single-spaced ASCII words (compat32, 78 characters), without its objects.

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


def clean(text: str) -> str:
    """One line of printable text: what may go into a header."""
    if text.isprintable():
        return " ".join(text.split())
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def _text_header(text: str) -> str | Header:
    text = clean(text)
    return text if text.isascii() else Header(text, _UTF8_QP)


def _address(name: str, address: str) -> str:
    return formataddr((clean(name), address), charset=_UTF8_QP)
