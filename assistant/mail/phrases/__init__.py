"""The language knowledge of the mail reader, as data: one table of phrases per language.

Each module in this package (`en.py`, `de.py`, `ar.py`, …) defines `PHRASES`, a `Phrases` naming what a mail client
localised to that language writes around a reply or a forward: the verb of an attribution ("wrote", "schrieb"), the
words it starts with ("On", "Am"), the Outlook header field names (From/Sent/To/Subject/Date/Cc), the separator lines
("Original Message", "Forwarded message"), the mobile footers ("Sent from my iPhone"), sign-offs and the first words
of a legal disclaimer. Phrases are plain text, not regular expressions: `alternation` escapes them, so a contributor
adds a language by copying a table, without reading `reply_text.py` or `forwarded.py`, and adding its code to
`LANGUAGES`. The readers compile what they need from these tables once, at import.

Where a phrase came from is noted in each table (`source`).
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, fields

# Every table, by ISO 639-1 code. Adding a language: copy a table, fill it in, add its code here.
LANGUAGES = (
    "en", "de", "fr", "es", "pt", "it", "nl", "da", "nb", "sv", "fi", "pl", "cs", "sk", "hu", "ro", "ru", "uk",
    "bg", "el", "tr", "ar", "he", "fa", "zh", "ja", "ko", "vi", "id", "hr", "ca", "lt",
)  # fmt: skip


@dataclass(frozen=True)
class Phrases:
    """What mail clients localised to one language write around a reply or a forward (plain text, any case)."""

    language: str
    source: str  # where these phrases come from
    # The verb of an attribution line ("On … wrote:", "Am … schrieb …:"), with or without a colon.
    wrote: tuple[str, ...] = ()
    # The words such a line starts with ("On", "Am", "Le"); a wrapped attribution is only looked for after one.
    attribution_openers: tuple[str, ...] = ()
    # Outlook's copy of the earlier message's headers, field by field.
    header_from: tuple[str, ...] = ()
    header_sent: tuple[str, ...] = ()  # "Sent:" (the date as Outlook desktop writes it)
    header_date: tuple[str, ...] = ()
    header_to: tuple[str, ...] = ()
    header_cc: tuple[str, ...] = ()
    header_subject: tuple[str, ...] = ()
    # "-----Original Message-----": above a reply's quoted history (and some forwards).
    original_message: tuple[str, ...] = ()
    # "---------- Forwarded message ---------" and "Begin forwarded message:".
    forwarded_message: tuple[str, ...] = ()
    # The start of a mobile or desktop client's automatic line: "Sent from my", "Get Outlook for".
    footers: tuple[str, ...] = ()
    # Footers that end rather than start with the client's words ("iPhoneから送信", "내 iPhone에서 보냄").
    footer_endings: tuple[str, ...] = ()
    # A closing line on its own ("Best regards,", "Mit freundlichen Grüßen").
    sign_offs: tuple[str, ...] = ()
    # The first words of a legal disclaimer or confidentiality notice.
    disclaimers: tuple[str, ...] = ()
    # The words a mailing list's footer line ends with ("riak-users mailing list"), under a short "__" rule.
    list_footers: tuple[str, ...] = ()


_TUPLE_FIELDS = tuple(f.name for f in fields(Phrases) if f.name not in ("language", "source"))


def tables() -> tuple[Phrases, ...]:
    """Every language's table, in the order of LANGUAGES."""
    return _TABLES


def _load() -> tuple[Phrases, ...]:
    loaded = []
    for code in LANGUAGES:
        table = importlib.import_module(f"{__name__}.{code}").PHRASES
        if not isinstance(table, Phrases) or table.language != code:
            raise ValueError(f"assistant/mail/phrases/{code}.py: PHRASES must be Phrases(language={code!r}, …)")
        loaded.append(table)
    return tuple(loaded)


def phrases(field: str) -> list[str]:
    """Every language's phrases for one field, without duplicates (ignoring case), longest first (so that the
    alternation tries "envoyé le" before "envoyé"). The table's own capitals are kept: the readers ignore case, and
    lower-casing "İletilen" would give a dotted i that no longer matches it."""
    if field not in _TUPLE_FIELDS:
        raise KeyError(field)
    seen: dict[str, str] = {}
    for table in _TABLES:
        for phrase in getattr(table, field):
            seen.setdefault(phrase.strip().casefold(), phrase.strip())
    return sorted((p for p in seen.values() if p), key=lambda p: (-len(p), p))


# What a space in a phrase stands for: any run of blanks, never given back (possessive), so it cannot backtrack.
BLANKS = r"[ \t\xa0]++"


def alternation(*field_names: str) -> str:
    """A regular-expression alternation of the phrases of these fields: each escaped, a space standing for any run
    of blanks (one `[ \\t\\xa0]++`, never given back, so a run of blanks cannot make it backtrack)."""
    words = sorted({p for name in field_names for p in phrases(name)}, key=lambda p: (-len(p), p))  # longest first
    return phrase_tree(words, BLANKS)


def phrase_tree(words: list[str], blank: str) -> str:
    """The alternation of these phrases (longest first; `blank` stands for the blanks between words), written as
    a tree of their shared beginnings: "a écrit|a scris|a ecrit" as "a[ \\t\\xa0]++(?:écrit|scris|ecrit)".

    It matches what the flat alternation matches, and the same text first: phrases that branch apart at a character
    can never both match there, and where one phrase continues another the longer is tried first, as in the list. A
    regular expression tries every alternative of a flat list at every place it looks, and there are hundreds of
    phrases; the tree tries a handful. Phrases whose branches one character could enter twice (under IGNORECASE,
    "A" beside "a"; the long s beside "s") keep the flat list, whose order then decides."""
    root = _Node()
    for word in words:
        node = root
        for atom in _atoms(word):
            child = node.branches.get(atom)
            if child is None:
                if not node.may_branch(atom):
                    return _listed(words, blank)
                child = node.branches[atom] = _Node()
            node = child
        node.ends = True
    return root.written(blank)


class _Node:
    """A place in the tree: the next atoms (a character, or the blank between words) and whether a phrase ends."""

    __slots__ = ("branches", "cases", "ends")

    def __init__(self) -> None:
        self.branches: dict[str, _Node] = {}
        self.ends = False
        self.cases: set[str] | None = None  # the branches' letters in lower and upper case, once there are two

    def may_branch(self, atom: str) -> bool:
        """Whether no character could enter both this atom and a branch already here, ignoring case. Two letters
        are taken to be one when they are the same in lower or in upper case, which every equivalence of
        IGNORECASE is (the long s and "s" are both "S"), and a few more (the dotless i and "i"): those only cost
        the tree. A word never holds a blank, so the blank and a letter never meet."""
        if not self.branches:
            return True
        if self.cases is None:
            self.cases = {case for branch in self.branches for case in _cases(branch)}
        cases = _cases(atom)
        if not self.cases.isdisjoint(cases):
            return False
        self.cases.update(cases)
        return True

    def written(self, blank: str) -> str:
        branches = [
            (blank if a == _BLANK else re.escape(a)) + child.written(blank) for a, child in self.branches.items()
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if self.ends else body  # greedy: the longer phrase is tried first


def _cases(atom: str) -> tuple[str, str]:
    return "l" + atom.lower(), "u" + atom.upper()


_BLANK = "  "  # the blank between words, as an atom (two characters: never a character of a word)


def _atoms(phrase: str) -> list[str]:
    atoms: list[str] = []
    for part in phrase.split():
        atoms += [_BLANK] if atoms else []
        atoms += list(part)
    return atoms


def _listed(words: list[str], blank: str) -> str:
    """The flat alternation: each phrase escaped, `blank` between its words, in the order given."""
    return "|".join(blank.join(re.escape(part) for part in word.split()) for word in words)


_TABLES = _load()


def labels(*field_names: str) -> list[str]:
    """The phrases of these fields as the tables write them (a header label's own capitals), longest first."""
    seen = {p.strip() for table in _TABLES for name in field_names for p in getattr(table, name) if p.strip()}
    return sorted(seen, key=lambda p: (-len(p), p))


def label_alternation(*field_names: str, shortest: int = 1) -> str:
    """`alternation`, case kept, for matching labels where the capital tells a label from a word of text."""
    return _listed([word for word in labels(*field_names) if len(word) >= shortest], BLANKS)
