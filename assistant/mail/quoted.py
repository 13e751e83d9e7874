"""Quoted-printable text parts: exactly the bytes `email.quoprimime.body_encode` writes, at a fraction of its cost.

`body_encode` quotes by `str.translate` over a 256-entry list, which costs a lookup per character and leaves its
ASCII fast path at the first "=" (every HTML attribute has one). Most of a mail's characters need no quoting, and
those that do are few kinds ("=", the bytes of a few accented letters), so here the kinds present are found at C
speed (`bytes.translate` deleting the safe ones, a set read from quoprimime's own table) and each is replaced in one
pass; the lines are then folded by the same steps as `body_encode` (tests/test_quoted.py holds the two equal on
random text).
"""

from __future__ import annotations

from email import quoprimime

# The bytes body_encode leaves as they are: printable ASCII but "=", space, tab, and the line breaks it splits on.
# Read from its own table, so the two cannot disagree.
_TABLE: list[str] = quoprimime._QUOPRI_BODY_ENCODE_MAP  # type: ignore[attr-defined]
_SAFE = bytes(c for c in range(256) if _TABLE[c] == chr(c))
_QUOTE: list[str] = quoprimime._QUOPRI_MAP  # type: ignore[attr-defined]  # byte → "=XX"
_EQUALS = ord("=")
_REPLACES = 16  # more kinds of bytes to quote than this (text in Greek, say): one translate is cheaper
_MAX_LINE = 76  # body_encode's default, RFC 2045's limit


def encode(text: str) -> str:
    """`quoprimime.body_encode` of the text's UTF-8 bytes read as Latin-1 (what `Charset("utf-8")` hands it),
    lines ending in "\\n"."""
    if not text:
        return text
    return _fold(_quoted(text))


def _quoted(text: str) -> str:
    """Every byte body_encode quotes written as "=XX", the rest as it is (one character per byte)."""
    data = text.encode("utf-8")
    kinds = set(data.translate(None, _SAFE))
    body = data.decode("latin-1")
    if len(kinds) > _REPLACES:
        return body.translate(_TABLE)
    if _EQUALS in kinds:  # first: each quote written after it starts with "="
        body = body.replace("=", "=3D")
        kinds.discard(_EQUALS)
    for byte in kinds:
        body = body.replace(chr(byte), _QUOTE[byte])
    return body


def _fold(body: str) -> str:
    """body_encode's line breaking, step for step: a line longer than 76 characters is cut with a soft break ("=")
    where no "=XX" is split, and a space or tab ending a line is quoted (or kept behind a soft break)."""
    lines = body.splitlines()
    spaced = " \n" in body or "\t\n" in body or " \r" in body or "\t\r" in body or body.endswith((" ", "\t"))
    if spaced or max(map(len, lines)) > _MAX_LINE:
        lines = _folded_lines(lines)
    if body[-1] in "\r\n":
        lines.append("")
    return "\n".join(lines)


def _folded_lines(lines: list[str]) -> list[str]:
    folded: list[str] = []
    for line in lines:
        if len(line) <= _MAX_LINE and line[-1:] not in (" ", "\t"):
            folded.append(line)  # the common line: nothing to do
        else:
            folded += _folded_line(line)
    return folded


def _folded_line(line: str) -> list[str]:
    pieces = []
    start = 0
    last_start = len(line) - 1 - _MAX_LINE
    while start <= last_start:
        stop = start + _MAX_LINE - 1
        if line[stop - 2] == "=":  # don't break up an escape sequence
            pieces.append(line[start : stop - 1])
            start = stop - 2
        elif line[stop - 1] == "=":
            pieces.append(line[start:stop])
            start = stop - 1
        else:
            pieces.append(line[start:stop] + "=")
            start = stop
    if line and line[-1] in " \t":
        room = start - last_start
        if room >= 3:
            end = _QUOTE[ord(line[-1])]
        elif room == 2:
            end = line[-1] + "=\n"
        else:
            end = "=\n" + _QUOTE[ord(line[-1])]
        pieces.append(line[start:-1] + end)
    else:
        pieces.append(line[start:])
    return pieces
