"""Removing a person from stored mail: does a message mention any of some phrases, and the message rewritten with
every occurrence replaced, in its headers and in every text part, whatever their transfer encoding.

A phrase matches whole words, case-insensitively, with any run of white space (or an HTML line break) between its
words, and with the HTML escapes a template writes (`&#39;`, `&amp;`...), so a name wrapped onto two lines or a
sentence in the HTML part is found as well as in the plain one. Addresses to drop are taken out of the address
headers (To, Cc, Reply-To) rather than replaced: a placeholder is not an address.
"""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import getaddresses

_ESCAPES = {
    "&": "(?:&|&amp;|&#38;)",
    "'": "(?:'|&#39;|&#x27;|&apos;|\u2019)",
    '"': '(?:"|&#34;|&quot;|&#x22;)',
    "<": "(?:<|&lt;)",
    ">": "(?:>|&gt;)",
}
_GAP = r"(?:\s|<br\s*/?>|&nbsp;|&#160;)+"  # between two words: wrapped lines, HTML breaks
_ADDRESS_HEADERS = ("To", "Cc", "Reply-To")
_ENCODED = (b"base64", b"quoted-printable", b"=?", b"&#")  # the phrase may hide in bytes only decoding shows


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
        """The same look at raw mail: False means no phrase can be in it (no needle, and nothing encoded)."""
        lowered = raw.lower()
        return any(n.encode() in lowered for n in self._needles) or any(mark in lowered for mark in _ENCODED)


def _needle(phrase: str) -> str:
    """What every way of writing the phrase contains: the longest run of ASCII letters and digits of its first word
    (kept by JSON's \\u escapes and HTML's character references alike), else the word itself."""
    word = phrase.split()[0].lower()
    runs = sorted(re.findall(r"[a-z0-9]+", word), key=len)
    return runs[-1] if runs and len(runs[-1]) >= 2 else word


def _parse(raw: bytes) -> EmailMessage:
    return email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[return-value]


def _texts(msg: EmailMessage) -> Iterable[str]:
    for name, value in msg.items():
        yield f"{name}: {value}"
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            yield _content(part)


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
    return any(phrases.search(text) for text in _texts(_parse(raw)))


def redact(raw: bytes, phrases: Phrases, drop: Iterable[str] = ()) -> bytes:
    """The message with `drop` addresses taken out of To, Cc and Reply-To and every phrase replaced, in the other
    headers and in each text part (re-encoded as the email package chooses)."""
    msg = _parse(raw)
    dropped = {a.lower() for a in drop}
    for name in _ADDRESS_HEADERS:
        _drop_addresses(msg, name, dropped)
    for name, value in list(msg.items()):
        if name not in _ADDRESS_HEADERS and phrases.search(str(value)):
            msg.replace_header(name, phrases.sub(str(value)))
    for part in msg.walk():
        if part.get_content_maintype() == "text" and not part.is_multipart():
            _redact_part(part, phrases)
    linesep = "\r\n" if b"\r\n" in raw[:2000] else "\n"
    return msg.as_bytes(policy=msg.policy.clone(linesep=linesep))


def _drop_addresses(msg: EmailMessage, name: str, dropped: set[str]) -> None:
    values = msg.get_all(name) or []
    if not values:
        return
    kept = [(n, a) for n, a in getaddresses([str(v) for v in values]) if a.lower() not in dropped]
    if len(kept) == sum(len(getaddresses([str(v)])) for v in values):
        return
    del msg[name]
    if kept:
        msg[name] = ", ".join(email.utils.formataddr(pair) for pair in kept)


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
