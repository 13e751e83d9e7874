"""Hostile HTML shapes (RELIABILITY.md case 27): the tests read them under a budget, benchmarks/reading.py times
them at 100 KB to 2 MB. Each is a unit repeated to the size wanted: the shapes of issue 12 and their kin."""

from __future__ import annotations

SHAPES = {
    "unclosed gmail_attr": '<div class="gmail_attr"',
    "nested gmail_attr": '<div class="gmail_quote"><div class="gmail_attr">On Mon, Ada <a@b.org> wrote:<br>',
    "moz-cite-prefix": '<div class="moz-cite-prefix">On 1/2/26 Ada wrote:</div><blockquote type="cite">1. Met?',
    "outlook markers": '<div id="divRplyFwdMsg"><hr id="stopSpelling"><b>From:</b> Ada<br>',
    "nested blockquotes": "<blockquote>q<div>",
    "deep unclosed inline": "<span><b><i><font>x",
    "attribute without >": '<a href="mailto:x@y.org" title=z ',
    "< flood": "<",
    "<br> flood": "<br>",
    "closed tag flood": "<b>x</b>",
    "paragraph flood": "<p>a",
    "list flood": "<ol><li>1<li>2",
}


def shaped(shape: str, size: int) -> str:
    unit = SHAPES[shape]
    return (unit * (size // len(unit) + 1))[:size]
