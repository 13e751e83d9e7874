"""HTML mail → the text a person sees, with every client's quoted history as "> " lines, in bounded time and size.

The markup is parsed by libxml2 (lxml), whose HTML parser is linear whatever the shape (unclosed or deeply nested
tags, attributes without `>`, floods of `<`) and stops nesting at 256; the tree is then walked once, without
recursion. No regular expression ever runs over the raw markup. The bounds (RELIABILITY.md case 27):

- the parser is fed in chunks and the walk looks at the deadline every few hundred elements, so a message over its
  budget raises `TooSlow` in the middle of the work, not after it;
- the text is at most `max_chars` (the caller gives a small multiple of the HTML), quotes are drawn at most
  MAX_QUOTE_DEPTH deep, and runs of blank lines are kept to two, so no shape multiplies its input;
- at most MAX_ELEMENTS elements are read, so a flood of tags costs the parser's time and little more.

Quotes: `<blockquote>` (Apple's type=cite, Gmail's gmail_quote, Thunderbird's) is a quote; Gmail's attribution
(class gmail_attr) and Thunderbird's (moz-cite-prefix) are quoted with it. Outlook, Yahoo and Thunderbird's forward
quote without a blockquote, so everything from their marker on is quoted (id divRplyFwdMsg, appendonsend,
stopSpelling; class yahoo_quoted, OutlookMessageHeader, moz-forward-container).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from lxml import etree

from assistant.mail.deadline import Deadline

CHUNK_BYTES = 64 * 1024  # the parser is fed this much between two looks at the clock
CHECK_EVERY = 256  # tree events between two looks at the clock
# Elements read at most; the text of the rest is not read. Each costs a few microseconds of Python, and a tag flood
# is four bytes an element; a person's mail has hundreds, a long Outlook thread a few thousand (Gmail itself clips
# a message's HTML at 102 KB).
MAX_ELEMENTS = 50_000
MAX_QUOTE_DEPTH = 12  # deeper quotes are drawn this deep: the reader only asks whether a line is quoted
MAX_BLANK_LINES = 2

_SKIPPED = frozenset({"head", "title", "script", "style", "template"})  # never shown by a mail client
# Blocks set apart by a blank line, as html2text (which this replaced) did: line structure carries answers.
_PARAGRAPHS = frozenset(
    {"p", "dl", "table", "form", "fieldset", "figure", "address", "center", "section"}
    | {"article", "header", "footer", "main", "nav", "aside", "details", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_LINES = frozenset({"li", "tr", "dt", "dd", "summary", "caption", "figcaption"})  # blocks on a line of their own
_CELLS = frozenset({"td", "th"})
_QUOTE_CLASSES = frozenset({"gmail_attr", "moz-cite-prefix"})  # attributions quoted with what they introduce
_FROM_HERE_IDS = ("divrplyfwdmsg", "x_divrplyfwdmsg", "appendonsend", "stopspelling")
_FROM_HERE_CLASSES = frozenset({"yahoo_quoted", "outlookmessageheader", "moz-forward-container"})
_PREFIXES = ["> " * depth for depth in range(MAX_QUOTE_DEPTH + 1)]


class _Full(Exception):  # control flow, not an error
    """The text reached max_chars: what was written so far is the result."""


def html_to_text(html: str, max_chars: int, deadline: Deadline | None = None) -> str:
    """The text of `html`, at most `max_chars` long; raises TooSlow when `deadline` passes during the work."""
    root = _parse(html, deadline)
    if root is None:
        return ""
    writer = _Writer(max_chars)
    with contextlib.suppress(_Full):  # the cap was reached: what was written is the text
        _walk(root, writer, deadline)
    return writer.text()[:max_chars]


def _parse(html: str, deadline: Deadline | None) -> etree._Element | None:
    data = html.encode("utf-8", errors="replace")
    if not data.strip():
        return None
    # Declared encodings (a <meta charset> or an XML declaration) are ignored: the text is already Unicode.
    parser = etree.HTMLParser(
        encoding="utf-8", recover=True, no_network=True, remove_comments=True, remove_pis=True, huge_tree=False
    )
    for start in range(0, len(data), CHUNK_BYTES):
        parser.feed(data[start : start + CHUNK_BYTES])
        if deadline is not None:
            deadline.check("parsing HTML")
    try:
        return parser.close()
    except etree.LxmlError:  # nothing a parser could recover: no text
        return None


def _walk(root: etree._Element, writer: _Writer, deadline: Deadline | None) -> None:
    """One pass over the tree in document order: a tag's start and end do what its role says, text is written.

    This loop runs twice per tag of a tag flood, so it does little: tags with no role (b, span, font, a, ...) only
    have their text written, and the clock is looked at every CHECK_EVERY events."""
    walker = etree.iterwalk(root, events=("start", "end"))
    write, events = writer.write, 0
    for event, element in walker:
        events += 1
        if not events % CHECK_EVERY:
            if deadline is not None:
                deadline.check("converting HTML to text")
            if events > 2 * MAX_ELEMENTS:
                return
        if event == "start":
            role = _STARTS.get(element.tag)
            if role is not None:
                if role is _Writer.skip:
                    walker.skip_subtree()
                    continue
                role(writer, element)
            if element.text:
                write(element.text)
        else:
            role = _ENDS.get(element.tag)
            if role is not None:
                role(writer, element)
            if element.tail:
                write(element.tail)


def _is_quote(element: etree._Element) -> bool:
    """A div holding Gmail's or Thunderbird's attribution, quoted with what it introduces."""
    return not _QUOTE_CLASSES.isdisjoint((element.get("class") or "").split())


def _quotes_from_here(element: etree._Element) -> bool:
    """Outlook's (and others') start of the quoted original, which is not in a blockquote."""
    if (element.get("id") or "")[:40].lower().startswith(_FROM_HERE_IDS):
        return True
    return element.tag == "div" and not _FROM_HERE_CLASSES.isdisjoint((element.get("class") or "").lower().split())


class _Writer:
    """Text written as it comes, each line starting with its quote prefix, stopping past max_chars.

    Lines are pieces of one flat list (a line ends with its "\n"): a paragraph flood writes hundreds of thousands
    of lines, so each costs a few appends and no more."""

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.out: list[str] = []
        self.size = 0
        self.at_start = True  # no line is open: the next word starts one, with its prefix
        self.depth = 0  # quote depth from blockquotes and attributions (+1 after an Outlook-style marker)
        self.from_here = False  # an Outlook-style marker was seen: everything after it is quoted
        self.line_depth = 0  # the quote depth of the last line started: a blank line after it is no deeper
        self.breaks = 0  # line breaks owed before the next word (2: a blank line)
        self.space = False  # a space owed before the next word on this line
        self.blanks = 0  # blank lines written since the last line of text
        self.lists: list[list[int]] = []  # per open list: [ordered (0/1), next number]
        self.marker = ""  # a list item's "* " or "1. ", written before its first word
        self.pre = 0  # inside <pre>: whitespace is kept
        self.divs: list[bool] = []  # per open div: whether it opened a quote

    # ----------------------------------------------------------------- what each tag does (see _STARTS, _ENDS)

    def skip(self, element: etree._Element) -> None:
        """Never shown by a mail client: the walk skips it (this method is only its mark)."""

    def paragraph(self, element: etree._Element) -> None:
        self.breaks = 2

    def line_of_its_own(self, element: etree._Element) -> None:
        if not self.breaks:
            self.breaks = 1

    def cell(self, element: etree._Element) -> None:
        self.space = not self.at_start

    def br(self, element: etree._Element) -> None:
        """End the line; on an empty line, a blank line (at most MAX_BLANK_LINES in a row)."""
        if not self.at_start:
            self._put("\n")
            self.at_start = True
        elif self.out:
            self._blank_lines(1)
        self.breaks = 0

    def hr(self, element: etree._Element) -> None:
        self.marker_from_here(element)
        self.breaks = 2
        self._word("* * *")
        self.breaks = 2

    def marker_from_here(self, element: etree._Element) -> None:
        if not self.from_here and _quotes_from_here(element):
            self.from_here = True
            self.depth += 1
            self.breaks = 2

    def quote_start(self, element: etree._Element) -> None:
        self.depth += 1
        self.breaks = 2

    def quote_end(self, element: etree._Element) -> None:
        self.depth -= 1
        self.breaks = 2

    def div_start(self, element: etree._Element) -> None:
        self.marker_from_here(element)
        quote = _is_quote(element)
        self.divs.append(quote)
        self.depth += quote
        self.breaks = 2

    def div_end(self, element: etree._Element) -> None:
        self.depth -= self.divs.pop() if self.divs else 0
        self.breaks = 2

    def list_start(self, element: etree._Element) -> None:
        self.lists.append([element.tag == "ol", _list_start(element)])
        self.breaks = 2

    def list_end(self, element: etree._Element) -> None:
        if self.lists:
            self.lists.pop()
        self.breaks = 2

    def item(self, element: etree._Element) -> None:
        self.marker = self._list_marker()
        self.line_of_its_own(element)

    def pre_start(self, element: etree._Element) -> None:
        self.pre += 1
        self.breaks = 2

    def pre_end(self, element: etree._Element) -> None:
        self.pre -= 1
        self.breaks = 2

    def _list_marker(self) -> str:
        if not self.lists:
            return "* "
        current = self.lists[-1]
        indent = "  " * (len(self.lists) - 1)
        if not current[0]:
            return indent + "* "
        current[1] += 1
        return f"{indent}{current[1] - 1}. "

    # ----------------------------------------------------------------- text

    def write(self, text: str) -> None:
        """Text from the tree: whitespace collapsed to single spaces, except inside <pre>."""
        if self.pre:
            self._write_pre(text)
            return
        words = " ".join(text.split())
        if not words:
            self.space = not self.at_start
            return
        if text[0].isspace() and not self.at_start:
            self.space = True
        self._word(words)
        self.space = text[-1].isspace()

    def _write_pre(self, text: str) -> None:
        for n, part in enumerate(text.split("\n")):
            if n:
                self.br(None)
            if part:
                self._word(part)

    def _word(self, words: str) -> None:
        """Words on the open line, or on a new one after the breaks owed."""
        if self.breaks:
            self._pay_breaks()
        if self.at_start:
            self.line_depth = depth = min(self.depth, MAX_QUOTE_DEPTH)
            self._put(_PREFIXES[depth] + self.marker)
            self.at_start, self.marker, self.blanks = False, "", 0
        elif self.space:
            self._put(" ")
        self._put(words)

    def _pay_breaks(self) -> None:
        if self.out:
            if not self.at_start:
                self._put("\n")
                self.at_start = True
            self._blank_lines(self.breaks - 1)
        self.breaks = 0

    def _blank_lines(self, count: int) -> None:
        count = min(count, MAX_BLANK_LINES - self.blanks)
        if count > 0:
            self._put((">" * min(self.line_depth, self.depth, MAX_QUOTE_DEPTH) + "\n") * count)
            self.blanks += count

    def _put(self, piece: str) -> None:
        self.out.append(piece)
        self.size += len(piece)
        if self.size > self.max_chars:
            raise _Full

    def text(self) -> str:
        text = "".join(self.out).strip("\n")
        return text + "\n" if text else ""


def _list_start(element: etree._Element) -> int:
    value = (element.get("start") or "1").strip()
    return int(value) if value.isdigit() and len(value) < 6 else 1


# What a tag's start and end do; a tag in neither only has its text written.
_STARTS: dict[object, Callable[[_Writer, etree._Element], None]] = {
    **dict.fromkeys(_SKIPPED, _Writer.skip),
    **dict.fromkeys(_PARAGRAPHS, _Writer.paragraph),
    **dict.fromkeys(_LINES, _Writer.line_of_its_own),
    **dict.fromkeys(_CELLS, _Writer.cell),
    "li": _Writer.item,
    "ul": _Writer.list_start,
    "ol": _Writer.list_start,
    "pre": _Writer.pre_start,
    "div": _Writer.div_start,
    "blockquote": _Writer.quote_start,
    "br": _Writer.br,
    "hr": _Writer.hr,
    "span": _Writer.marker_from_here,
}
_ENDS: dict[object, Callable[[_Writer, etree._Element], None]] = {
    **dict.fromkeys(_PARAGRAPHS, _Writer.paragraph),
    **dict.fromkeys(_LINES, _Writer.line_of_its_own),
    "ul": _Writer.list_end,
    "ol": _Writer.list_end,
    "pre": _Writer.pre_end,
    "div": _Writer.div_end,
    "blockquote": _Writer.quote_end,
}
