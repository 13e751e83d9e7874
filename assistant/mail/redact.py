"""Removing a person from stored mail: does a message mention any of some phrases, and the message rewritten with
every occurrence replaced, in its headers and in every text part, whatever their transfer encoding.

A phrase matches whole words, case-insensitively, with any run of white space (or an HTML line break) between its
words, and with the HTML escapes a template writes (`&#39;`, `&amp;`...), so a name wrapped onto two lines or a
sentence in the HTML part is found as well as in the plain one. Addresses to drop are taken out of the address
headers (To, Cc, Reply-To) rather than replaced: a placeholder is not an address.
"""

from __future__ import annotations

import binascii
import email
import email.header
import email.policy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

from assistant.mail.headers import POLICY, address_header, text_header

_ESCAPES = {
    "&": "(?:&|&amp;|&#38;)",
    "'": "(?:'|&#39;|&#x27;|&apos;|\u2019)",
    '"': '(?:"|&#34;|&quot;|&#x22;)',
    "<": "(?:<|&lt;)",
    ">": "(?:>|&gt;)",
}
_GAP = r"(?:\s|<br\s*/?>|&nbsp;|&#160;)+"  # between two words: wrapped lines, HTML breaks
_ADDRESS_HEADERS = ("To", "Cc", "Reply-To")
_ENCODED = (b"base64", b"quoted-printable", b"=?")  # the phrase may hide in bytes only decoding shows


def _word(word: str) -> str:
    return "".join(_char(char) for char in word)


def _char(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    if ord(char) > 127:  # HTML may write a letter as a character reference: &#235; or &#xeb; for ë
        return f"(?:{re.escape(char)}|&#{ord(char)};|&#x{ord(char):x};)"
    return re.escape(char)


def phrase_pattern(phrase: str) -> re.Pattern[str]:
    """Whole words, any case, any white space between them (see the module docstring)."""
    body = _GAP.join(_word(word) for word in phrase.split())
    start = r"(?<!\w)" if phrase[:1].isalnum() else ""
    end = r"(?!\w)" if phrase[-1:].isalnum() else ""
    return re.compile(start + body + end, re.IGNORECASE)


@dataclass
class Phrases:
    """Phrases to find and what each becomes; the longest is replaced first, so a full name goes before its parts."""

    replacements: Sequence[tuple[str, str]]
    _patterns: list[tuple[re.Pattern[str], str]] = field(init=False, repr=False)
    _needles: list[bytes] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ordered = sorted({p.strip(): r for p, r in self.replacements if p.strip()}.items(), key=lambda i: -len(i[0]))
        self._patterns = [(phrase_pattern(phrase), replacement) for phrase, replacement in ordered]
        self._needles = sorted({_needle(phrase) for phrase, _ in ordered})

    def __bool__(self) -> bool:
        return bool(self._patterns)

    @property
    def needles(self) -> list[str]:
        """A substring of every phrase, lower case: text without any of them holds no phrase."""
        return list(self._needles)

    def search(self, text: str | None) -> bool:
        if not text or not self.might_be_in_text(text):
            return False
        return any(pattern.search(text) for pattern, _ in self._patterns)

    def sub(self, text: str) -> str:
        for pattern, replacement in self._patterns:
            text = pattern.sub(replacement, text)
        return text

    def might_be_in_text(self, text: str) -> bool:
        """A cheap first look (a substring test per phrase): False means no phrase is in the text."""
        lowered = text.lower()
        return any(needle in lowered for needle in self._needles)

    def might_be_in(self, raw: bytes) -> bool:
        """The same look at raw mail, quoted-printable undone first (in C: cheap); base64 only parsing shows. False
        means no phrase can be in it."""
        lowered = raw.lower()
        if any(n.encode() in lowered for n in self._needles):
            return True
        if (b"quoted-printable" in lowered or b"=?" in lowered) and self._in_bytes(binascii.a2b_qp(raw).lower()):
            return True
        return b"base64" in lowered

    def _in_bytes(self, lowered: bytes) -> bool:
        return any(n.encode() in lowered for n in self._needles)


def _needle(phrase: str) -> str:
    """What every way of writing the phrase contains: the longest run of ASCII letters, digits and `@._+-` among
    its words (JSON's \\u escapes and HTML's character references leave them alone; a whole address is one run),
    else its first word."""
    runs = sorted(re.findall(r"[a-z0-9@._+-]+", phrase.lower()), key=len)
    return runs[-1] if runs and len(runs[-1]) >= 2 else phrase.split()[0].lower()


def _parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _texts(raw: bytes) -> Iterable[str]:
    """Every header and text part, decoded. Read with the classic parser: ten times faster than the default policy,
    which matters when an erasure reads every stored message once."""
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    for name, value in msg.items():
        yield f"{name}: {_header_text(value)}"
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            payload = part.get_payload(decode=True)
            data = payload if isinstance(payload, bytes) else str(payload or "").encode()
            try:
                yield data.decode(part.get_content_charset() or "utf-8", "replace")
            except LookupError:  # a charset Python does not know: what UTF-8 can read of it
                yield data.decode("utf-8", "replace")


def _header_text(value: object) -> str:
    try:
        return str(email.header.make_header(email.header.decode_header(str(value))))
    except (ValueError, LookupError, UnicodeError):  # a malformed encoded-word: the header as written
        return str(value)


def _content(part: EmailMessage) -> str:
    try:
        return str(part.get_content())
    except (LookupError, ValueError, AssertionError):  # an unknown charset or a broken encoding: read what is there
        payload = part.get_payload(decode=True)
        return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)


def mentions(raw: bytes, phrases: Phrases, addresses: Iterable[str] = ()) -> bool:
    """Whether any phrase (or address) is in the message: headers decoded, text parts decoded."""
    lowered = raw.lower()
    if any(a.lower().encode() in lowered for a in addresses):
        return True
    if not phrases or not phrases.might_be_in(raw):
        return False
    if not any(mark in lowered for mark in _ENCODED):  # 7bit or 8bit: the bytes are the text, no parsing needed
        return phrases.search(raw.decode("utf-8", "replace"))
    return any(phrases.search(text) for text in _texts(raw))


def redact(raw: bytes, phrases: Phrases, drop: Iterable[str] = ()) -> bytes:
    """The message with `drop` addresses taken out of To, Cc and Reply-To and every phrase replaced, in the other
    headers and in each text part (re-encoded as the email package chooses)."""
    msg = _parse(raw)
    dropped = {a.lower() for a in drop}
    for name in _ADDRESS_HEADERS:
        _drop_addresses(msg, name, dropped)
    for name, value in list(msg.items()):
        if name not in _ADDRESS_HEADERS and phrases.search(str(value)):
            msg.replace_header(name, text_header(name, phrases.sub(str(value))))
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            _redact_part(part, phrases)
    # Written as our mail is (headers.POLICY): what was not changed goes out as it came, and what was is folded so
    # that it reads back as meant (Python 3.11's own folding can lose a long name's quotes: a second recipient).
    policy = POLICY if b"\r\n" not in raw[:2000] else POLICY.clone(linesep="\r\n")
    return msg.as_bytes(policy=policy)


def _drop_addresses(msg: EmailMessage, name: str, dropped: set[str]) -> None:
    values = msg.get_all(name) or []
    if not values:
        return
    kept = [(n, a) for n, a in getaddresses([str(v) for v in values]) if a.lower() not in dropped]
    if len(kept) == sum(len(getaddresses([str(v)])) for v in values):
        return
    del msg[name]
    if kept:
        msg[name] = address_header(name, tuple(kept))


def _redact_part(part: EmailMessage, phrases: Phrases) -> None:
    text = _content(part)
    new = phrases.sub(text)
    if new == text:
        return
    disposition, filename = part.get_content_disposition(), part.get_filename()
    content_id = part.get("Content-ID")
    part.set_content(new, subtype=part.get_content_subtype(), disposition=disposition, filename=filename)
    if content_id:
        part["Content-ID"] = content_id
