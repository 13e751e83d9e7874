"""Several answers on one line, as typed on a phone: "Yes once - promotion case. 4/5", "Yep! Twice. Salary talk. 5".

The pieces (between dashes, full stops, commas, exclamation marks or lines) are read in the form's order, and
only when each one is unmistakable for the question it lands on:

- a yes/no piece is nothing but yes/no words ("Yep", "sí", "noch nicht"); a count piece nothing but a count said
  as one ("twice", "dos veces", "2x"); a rating piece a fraction whose top is the scale's ("4/5", "4 von 5");
- a yes and a count may share a piece ("Yes once", "ja zweimal");
- a bare number ("5") lands only where it is the one count or rating question left;
- words that are none of these ("promotion case") land only on the text question that comes right after the
  last answer, with another answer after them: placed by the order alone, and never a number or a yes/no;
- a question whose `only_if` was answered no is passed over ("No. 3": the 3 is the rating).

One piece that fits nowhere and nothing is read this way: the reply goes to the plain-words reader, which asks
about what it cannot place. The line is at most `_MAX_CHARS` long, so the splitting is bounded.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.forms import values
from assistant.forms.form import Form, Question
from assistant.forms.values import LEX

# Shorthand is a line or three typed on a phone; anything longer is prose, read by the plain-words reader.
_MAX_CHARS = 300
_MAX_LINES = 4
# Where one answer ends: punctuation before a blank or the end (not the dot of "4.5"), a dash between blanks,
# a long dash anywhere, a line break. "?" is kept in its piece: it makes the piece unsure.
_BREAK = re.compile(r"[.!;,]+(?=\s|$)|[ \t]+[-\u2013\u2014]+(?=[ \t])|[\u2013\u2014]|\n")


@dataclass(frozen=True)
class Piece:
    kind: str  # yes_no, count, scale, number (count or scale), text
    raw: str


def read(body: str, form: Form, asked_keys: list[str]) -> list[tuple[str, str]] | None:
    """(question key, raw answer) for every piece, in order; None unless every piece has its place."""
    if len(asked_keys) < 2 or len(body) > _MAX_CHARS or body.count("\n") >= _MAX_LINES:
        return None
    texts = [text.strip() for text in _BREAK.split(body) if text.strip()]
    # "Hi Ada! Yes, twice, CV, 4. Thanks!": a greeting or a thank-you at either end answers nothing.
    while texts and _pleasantry(texts[0]):
        texts.pop(0)
    while texts and _pleasantry(texts[-1]):
        texts.pop()
    pieces: list[Piece] = []
    for text in texts:
        if text:
            found = _classify(text)
            if found is None:
                return None
            pieces.extend(found)
    if len(pieces) < 2:
        return None
    return _place(pieces, [form.question(key) for key in asked_keys])


def _pleasantry(text: str) -> bool:
    return values.aside(text) and not any(c.isdigit() for c in text)


def _classify(text: str) -> list[Piece] | None:
    words = values.tokens(text)
    if not words:
        return None  # only punctuation or emoji we do not read
    kind = _kind(text, words)
    if kind:
        return [Piece(kind, text)]
    # "Yes once", "ja zweimal": a yes/no, then a count, in one piece.
    parts = text.split()
    for cut in range(1, len(parts)):
        head, tail = " ".join(parts[:cut]), " ".join(parts[cut:])
        if _kind(head, values.tokens(head)) == "yes_no" and _kind(tail, values.tokens(tail)) == "count":
            return [Piece("yes_no", head), Piece("count", tail)]
    if _plain_words(text, words):
        return [Piece("text", text)]
    return None


def _kind(text: str, words: list[str]) -> str | None:
    if values.unsure(text):
        return None
    if all(w in values.POLARITY_WORDS or w in LEX.fillers for w in words) and values.yes_no(text):
        return "yes_no"
    if values.is_count_phrase(words) and values.count(text):
        return "count"
    fractions = values.fractions(words)
    if len(fractions) == 1 and fractions[0].start == 0 and fractions[0].end == len(words):
        return "scale"
    if len(words) == 1 and values.number_at(words, 0, counts=False) is not None:
        return "number"
    return None


def _plain_words(text: str, words: list[str]) -> bool:
    """Words that can only be a text answer: no digit, number, vague count or yes/no word in them, and not a
    greeting, a thank-you or an aside ("sorry for the delay")."""
    if any(c.isdigit() for c in text) or values.vague(text) or values.aside(text):
        return False
    return not any(
        w in LEX.numbers or w in LEX.counts or w in LEX.times or (len(w) > 1 and w in values.POLARITY_WORDS)
        for w in words
    )


def _place(pieces: list[Piece], questions: list[Question]) -> list[tuple[str, str]] | None:
    placed: list[tuple[str, str]] = []
    said_no: set[str] = set()  # yes/no questions answered no here: their only_if questions are passed over
    at = 0
    for index, piece in enumerate(pieces):
        left = [q for q in questions[at:] if not (q.only_if and q.only_if in said_no)]
        target = _target(piece, left, last=index == len(pieces) - 1, first=not placed)
        if target is None:
            return None
        placed.append((target.key, piece.raw))
        if target.type == "yes_no" and values.yes_no(piece.raw) == "no":
            said_no.add(target.key)
        at = questions.index(target) + 1
    return placed


def _target(piece: Piece, left: list[Question], last: bool, first: bool) -> Question | None:
    if piece.kind == "number":
        numeric = [q for q in left if q.type in ("count", "scale")]
        return numeric[0] if len(numeric) == 1 else None
    if piece.kind == "text":
        # Placed by the order alone: right after an answer, before another, on the very next question.
        fits = left and left[0].type == "text" and not first and not last
        return left[0] if fits else None
    return next((q for q in left if q.type == piece.kind), None)
