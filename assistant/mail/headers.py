"""The headers of our mail that carry text: built by `email.headerregistry`, and checked to read back as meant.

Every name and every line of text is first cleaned by `assistant.headertext` (decoded completely, no control
character, no encoded word left): Python 3.11's header parser decodes an encoded word in a value it is handed, so
a name still encoded would reach the bytes as CR/LF. The header object is then headerregistry's (Address objects,
unstructured text), and its folded form is read back before it is used: the addresses split as RFC 5322 says,
each name and the text decoded as RFC 2047 says, must be exactly what was meant.

The check is not for show. Python 3.11's folder drops the quotes of a long display name when it folds it, so
`"evil@attacker.example, aaaa…" <her@example.org>` is written as two addresses, and it loses or doubles a space
where it folds between encoded words. When the folded header does not read back, the email package's older
encoder (compat32: `formataddr` and `Header`, which the composer used before and which reads back) writes it;
an address header that neither writes correctly is written without its names. Nothing is ever concatenated.
"""

from __future__ import annotations

import email.utils
import functools
import re
from collections.abc import Callable, Iterator, Sequence
from email import policy as email_policy
from email.charset import QP, Charset
from email.header import Header
from email.headerregistry import Address, BaseHeader, HeaderRegistry
from email.policy import Policy

from assistant.headertext import clean_name, decode_words, header_text

_UTF8_QP = Charset("utf-8")
_UTF8_QP.header_encoding = QP  # readable in any mail client's "show source", unlike base64
_COMPAT32 = email_policy.compat32
_MAX_LINE = 998  # RFC 5322's hard limit
# One "@", nothing that could end the address or start another, no space or control character (Unicode allowed
# in the local part, as the importer allows it: RFC 6531).
_ADDRESS = re.compile(r"[^@\s<>()\[\]\",;:\\\x00-\x1f\x7f]+@[A-Za-z0-9.-]+")
_UNFOLD = re.compile(r"\r?\n(?=[ \t])")
ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"  # an RFC 5322 atom: a word that needs no quoting
DOT_ATOM_ADDRESS = rf"{ATEXT}(?:\.{ATEXT})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*"  # a plain ASCII address
_PLAIN_ADDRESS = re.compile(DOT_ATOM_ADDRESS)
_ATOMS = re.compile(rf"(?:{ATEXT}(?: {ATEXT})*)?")


class _Checked:
    """A header whose bytes under POLICY were chosen and checked when it was built: fold gives them back."""

    def fold(self, *, policy: Policy) -> str:
        folded = self.__dict__.get("_folded")
        if policy is POLICY and folded is not None:
            return folded
        return super().fold(policy=policy)  # type: ignore[misc]


class _Registry(HeaderRegistry):
    """headerregistry's factory, with each header's class made once (the stock one makes a new class with type()
    for every header it builds, half the cost of building one), and its headers `_Checked`."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type[BaseHeader]] = {}

    def __getitem__(self, name: str) -> type[BaseHeader]:
        made = self._classes.get(name)
        if made is None:
            kind = self.registry.get(name.lower(), self.default_class)
            made = self._classes[name] = type("_" + kind.__name__, (_Checked, kind, self.base_class), {})
        return made


# The generator's policy for our mail. refold_source="none": a value set as text is written exactly as set (every
# such value is ours and already folded); header objects are folded by headerregistry (78 characters, RFC 2047).
POLICY = email_policy.default.clone(refold_source="none", header_factory=_Registry())


class HeaderError(ValueError):
    """A header that cannot be written so that it reads back as meant (never expected: see the fallbacks)."""


@functools.lru_cache(maxsize=1024)
def text_header(name: str, text: str) -> BaseHeader:
    """An unstructured header (Subject, our loop header) holding this text, cleaned. The same header (a cycle's
    subject) is built once."""
    text = header_text(text)
    header = POLICY.header_factory(name, text)
    header.__dict__["_folded"] = _first_that_reads_back(_text_foldings(header, text))
    return header


@functools.lru_cache(maxsize=1024)
def address_header(name: str, people: tuple[tuple[str, str], ...]) -> BaseHeader:
    """An address header (From, To, Cc, Reply-To) for (name, address) pairs, each name cleaned. Our From is built
    once."""
    people = tuple((clean_name(person), addr) for person, addr in people)
    header = POLICY.header_factory(name, [address(person, addr) for person, addr in people])
    header.__dict__["_folded"] = _first_that_reads_back(_address_foldings(header, people))
    return header


def plain_addresses(name: str, people: tuple[tuple[str, str], ...]) -> str | None:
    """The value of an address header in the common case, written without headerregistry: every name (cleaned)
    plain words (RFC 5322 atoms, single-spaced), every address a plain ASCII dot-atom, and the whole header on one
    line of at most 78 characters. That is exactly what headerregistry writes for it (there is nothing to quote,
    encode or fold) and reads back as meant; parsing it twice to find so costs more than the rest of a mail. None
    for anything else: `address_header` writes and checks it."""
    if not people:
        return None
    cleaned = [(clean_name(person), addr) for person, addr in people]
    if not all(_ATOMS.fullmatch(person) and _PLAIN_ADDRESS.fullmatch(addr) for person, addr in cleaned):
        return None
    value = ", ".join(f"{person} <{addr}>" if person else addr for person, addr in cleaned)
    return value if len(name) + 2 + len(value) <= POLICY.max_line_length else None


def address(name: str, addr: str) -> Address:
    """A header's address: the name decoded completely and cleaned (it may come from any mail or sheet), the
    address as stored, which was parsed strictly when it came in and must still look like one. (Address would
    parse it again, and the header parses the whole again anyway.)"""
    if not _ADDRESS.fullmatch(addr):
        raise HeaderError(f"not an address we would write: {addr!r}")
    local, _, domain = addr.partition("@")
    return Address(display_name=clean_name(name), username=local, domain=domain)


# Each way of writing a header, best first, with the check that it reads back as meant; made only when needed.
_Folding = tuple[Callable[[], str], Callable[[str], bool]]


def _text_foldings(header: BaseHeader, text: str) -> Iterator[_Folding]:
    def reads(folded: str) -> bool:
        return decode_words(_value(folded)) == text

    yield (lambda: header.fold(policy=POLICY)), reads
    yield (lambda: _COMPAT32.fold(header.name, Header(text, _UTF8_QP) if not text.isascii() else text)), reads


def _address_foldings(header: BaseHeader, people: Sequence[tuple[str, str]]) -> Iterator[_Folding]:
    reads = functools.partial(_reads_as, header.name, people)
    yield (lambda: header.fold(policy=POLICY)), reads
    yield (lambda: _COMPAT32.fold(header.name, ", ".join(_formataddr(person, addr) for person, addr in people))), reads
    nameless = [("", addr) for _, addr in people]  # the last resort: the names could not be written
    yield (
        (lambda: _COMPAT32.fold(header.name, ", ".join(a for _, a in people))),
        functools.partial(_reads_as, header.name, nameless),
    )


def _formataddr(name: str, addr: str) -> str:
    return email.utils.formataddr((name, addr), charset=_UTF8_QP)


def _first_that_reads_back(foldings: Iterator[_Folding]) -> str:
    for fold, reads_back in foldings:
        try:
            folded = fold()
        except (UnicodeError, ValueError):  # compat32 cannot write an internationalised address, say
            continue
        lines = folded.split("\n")
        if folded.isascii() and max(map(len, lines)) <= _MAX_LINE and "\r" not in folded and reads_back(folded):
            return folded
    raise HeaderError("no way of writing this header reads back as meant")


def _value(folded: str) -> str:
    """The header's value as a reader sees it: unfolded (RFC 5322 3.2.2), after "Name: "."""
    value = _UNFOLD.sub("", folded).rstrip("\n").partition(":")[2]
    return value[1:] if value.startswith(" ") else value


def _reads_as(name: str, people: Sequence[tuple[str, str]], folded: str) -> bool:
    """The folded header holds these addresses, in order, with these names: read as RFC 5322 and 2047 say
    (compat32's address parser, each name decoded), and the same addresses for Python's own parser. (An
    internationalised local part can only be written as an encoded word, which both read back.)"""
    if _UNFOLD.sub("", folded) == _plainly(name, people):
        return True  # atoms and addresses, folded between words: nothing there to read otherwise
    value = _value(folded)
    if "\n" in value:
        return False
    found = email.utils.getaddresses([value])
    if [(decode_words(person), decode_words(addr)) for person, addr in found] != list(people):
        return False
    modern = POLICY.header_factory(name, value)
    if [a.addr_spec for a in modern.addresses] != [addr for _, addr in people]:
        return False
    return not modern.defects or not all(addr.isascii() for _, addr in people)


def _plainly(name: str, people: Sequence[tuple[str, str]]) -> str | None:
    """The header as it must read when every name is atoms (RFC 5322 atext words) and every address ASCII: the
    common case, checked by comparing text instead of parsing the header twice more."""
    if not all(_ATOMS.fullmatch(person) and addr.isascii() for person, addr in people):
        return None
    return f"{name}: " + ", ".join(f"{person} <{addr}>" if person else addr for person, addr in people) + "\n"
