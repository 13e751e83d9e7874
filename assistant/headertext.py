"""Text that may go into a header: names and subjects decoded completely, once, and cleaned.

Every name the program stores (a CSV sheet, an inbound `From`, a forwarded request, an `intro:` line, the config)
and every line of text it writes into a header passes through `header_text`. RFC 2047 encoded words are decoded
until none remains, because a name encoded three times and decoded once is still an encoded word, and the next
tool to decode it (a mail client, Python's own header parser) would find `\\r\\nBcc:` in it. Whatever the
decoding gives is then one line of printable text: control characters (Unicode category C*, line and paragraph
separators) are removed, runs of whitespace become one space, and the length is capped. What remains can never
hold an encoded word either: a leftover `=?` is broken apart, so no later decoding can turn the text into
something else.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from email import quoprimime
from email.header import Header
from email.header import decode_header as _header_chunks

MAX_ROUNDS = 5  # a name encoded more often than this is not a name; what is left is made inert below
INPUT_CHARS = 20_000  # what is read of one value: decoding is linear, and no name or subject is longer
NAME_CHARS = 200  # a display name
TEXT_CHARS = 1000  # a subject or any other line of header text

# RFC 2047: =?charset?encoding?text?=, all ASCII, no spaces or "?" inside. Read leniently (no demand for spaces
# around it), as mail clients read it: what a client would decode must be decoded here too.
_ENCODED_WORD = re.compile(r"=\?([!->@-~]+?)\?([BbQq])\?([!->@-~]*?)\?=")
_SPACE_CATEGORIES = frozenset({"Cc", "Zl", "Zp", "Zs"})  # between words these separate them: a space, not nothing
_JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ (category Cf): Persian and Indic names, emoji sequences need them


def header_text(value: object, limit: int = TEXT_CHARS) -> str:
    """One line of plain, printable Unicode: encoded words decoded until none remains, controls removed, whitespace
    collapsed, at most `limit` characters, and never an encoded word (nor a `=?` that could start one)."""
    text = one_line(decode_words(value))
    if len(text) > limit:
        text = text[:limit].rstrip()
    while "=?" in text:  # left after MAX_ROUNDS, or made by removing a control character from between = and ?
        text = text.replace("=?", "= ?")
    return text


def one_line(text: str) -> str:
    """Control and format characters out (line breaks and other separators become spaces), whitespace collapsed.
    Nothing is decoded: an address header is split into addresses before its names are decoded."""
    if text.isprintable() and "  " not in text and text == text.strip():
        return text  # the common case, at C speed
    return " ".join(_printable(text).split())


def spaced_line(text: str) -> str:
    """Every character that is not printable becomes a space, whitespace collapsed, nothing decoded: for splitting
    a header into addresses, where removing an invisible character could join two words into an address."""
    if text.isprintable() and "  " not in text and text == text.strip():
        return text
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


def clean_name(value: object) -> str:
    """A person's display name, as it may be stored and written into an address header."""
    return header_text(value, NAME_CHARS)


def decode_words(value: object) -> str:
    """RFC 2047 encoded words decoded, round after round, until none remains (at most MAX_ROUNDS rounds).

    Raw 8-bit header bytes (RFC 6532) are read as UTF-8; unknown charsets and broken words decode with replacement
    characters. Nothing else is changed: cleaning is `header_text`'s.
    """
    text = as_text(value)[:INPUT_CHARS]
    for _ in range(MAX_ROUNDS):
        if "=?" not in text:
            break
        decoded = _decode_round(text)
        if decoded == text:
            break
        text = decoded
    return text


def has_encoded_word(text: str) -> bool:
    return bool(_ENCODED_WORD.search(text))


def as_text(value: object) -> str:
    """A header value as text. The compat32 parser hands back raw 8-bit bytes as surrogates, or wrapped in a Header
    whose str() replaces each byte; both are read here as the UTF-8 that RFC 6532 says they are."""
    if value is None:
        return ""
    if isinstance(value, Header):
        return "".join(_decode_bytes(chunk, charset) for chunk, charset in _header_chunks(value))
    text = str(value)
    if not text.isascii() and any("\udc80" <= c <= "\udcff" for c in text):
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return text


def _decode_round(text: str) -> str:
    """One decoding of every encoded word; whitespace between two adjacent encoded words goes (RFC 2047 6.2)."""
    out: list[str] = []
    end = 0
    previous_was_word = False
    for word in _ENCODED_WORD.finditer(text):
        between = text[end : word.start()]
        if not (previous_was_word and between.strip() == "" and between):
            out.append(between)
        out.append(_decode_word(word.group(1), word.group(2), word.group(3)))
        end, previous_was_word = word.end(), True
    out.append(text[end:])
    return "".join(out)


def _decode_word(charset: str, encoding: str, encoded: str) -> str:
    if encoding in "Qq":
        data = quoprimime.header_decode(encoded).encode("latin-1")  # "_" is a space, =XX a byte
    else:
        try:
            data = base64.b64decode(encoded + "=" * (-len(encoded) % 4))
        except (binascii.Error, ValueError):
            return "\ufffd"
    return _decode_bytes(data, charset.partition("*")[0])  # RFC 2231: charset*language


def _decode_bytes(data: bytes | str, charset: str | None) -> str:
    if isinstance(data, str):
        return data
    if charset and charset.lower() not in ("unknown-8bit", "us-ascii", "ascii"):
        try:
            return data.decode(charset, "replace")
        except (LookupError, UnicodeError, ValueError, TypeError):
            pass  # an unknown charset, or a codec that is not text: read as UTF-8, as the rest of the mail is
    return data.decode("utf-8", "replace")


def _printable(text: str) -> str:
    """Control and format characters out: line breaks and other separators become spaces, the rest is removed."""
    out = []
    for char in text:
        if char.isprintable() or char in _JOINERS:
            out.append(char)
        elif unicodedata.category(char) in _SPACE_CATEGORIES:
            out.append(" ")
    return "".join(out)
