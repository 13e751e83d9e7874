"""One answer's value read from its words, in any language of `assistant/forms/language.py`.

A yes or a no, a count ("twice", "dos veces", "zweimal", "2x") or a rating ("4", "4/5", "4 von 5"). Every
reader returns None when it is not sure: two polarities ("sí pero no"), a hedge ("eher", "peut-être", "?"),
two numbers ("4 o 5"), a vague count ("plusieurs"), a scale with another top ("5 von 10"). Text is split
into words once, by one regular expression that cannot backtrack, so every reader is linear in its input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.forms.language import Lexicon, fold, lexicon
from assistant.mail.phrases import phrase_tree

LEX: Lexicon = lexicon()

# A word (letters, inner apostrophes), a number (with a decimal part, so "3.5" is seen whole), a slash, an emoji
# answer. Each alternative consumes what it matches: no backtracking.
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+(?:'[^\W\d_]+)*|/|[\U0001f44d\U0001f44e\u2705\u274c]")


def alternation(phrases: frozenset[str]) -> str:
    """Phrases as one regex alternative, longest first, blanks as any run of blanks (bounded); written as a tree
    of their shared beginnings (`phrase_tree`), which matches the same."""
    blank = r"[ \t]{1,4}"
    escaped = {phrase: blank.join(re.escape(word) for word in phrase.split()) for phrase in phrases}
    return phrase_tree(sorted(phrases, key=lambda phrase: len(escaped[phrase]), reverse=True), blank)


# Hedges are phrases ("más o menos", "peut-être"), so they are searched for in the folded text, between word
# boundaries; a "?" anywhere is a hedge too ("zweimal? eher einmal").
_UNSURE = re.compile(r"\?|(?<!\w)(?:" + alternation(LEX.unsure) + r")(?!\w)")
# A piece of text that greets, signs off or remarks ("Thanks for asking", "sorry for the delay"): not an answer.
_ASIDE = re.compile(r"(?:" + alternation(LEX.greetings | LEX.sign_offs | LEX.asides) + r")(?!\w)")
_VAGUE = re.compile(r"(?<!\w)(?:" + alternation(LEX.vague) + r")(?!\w)")

# Yes/no phrases as token tuples, longest first, and "no" before "yes" at equal length ("we did not", "we did").
_PHRASES: list[tuple[tuple[str, ...], str]] = sorted(
    [(tuple(p.split()), "no") for p in LEX.no] + [(tuple(p.split()), "yes") for p in LEX.yes],
    key=lambda item: (-len(item[0]), item[1] != "no"),
)
POLARITY_WORDS = frozenset(word for phrase, _ in _PHRASES for word in phrase)
_LONGEST = max(len(phrase) for phrase, _ in _PHRASES)
_BY_FIRST: dict[str, list[tuple[tuple[str, ...], str]]] = {}
for _phrase, _value in _PHRASES:
    _BY_FIRST.setdefault(_phrase[0], []).append((_phrase, _value))
_CONNECTORS = sorted((tuple(c.split()) for c in LEX.out_of), key=len, reverse=True)
_CONNECTOR_START = frozenset({"/"} | {connector[0] for connector in _CONNECTORS})
_NUMBER_WORDS = frozenset(LEX.numbers) | frozenset(LEX.before_times)


def tokens(text: str) -> list[str]:
    """The folded words of `text`."""
    return _TOKEN.findall(fold(text))


@dataclass(frozen=True)
class Words:
    """The words of a text with their places: `spans` in the text as written, `folded` as compared."""

    spans: list[re.Match[str]]
    folded: list[str]

    def raw(self, text: str, start: int, end: int) -> str:
        """What was written from word `start` to the word before `end`."""
        return text[self.spans[start].start() : self.spans[end - 1].end()]


def words_of(text: str) -> Words:
    spans = list(_TOKEN.finditer(text))
    return Words(spans, [_fold_word(span.group()) for span in spans])


@lru_cache(maxsize=8192)
def _fold_word(word: str) -> str:
    return fold(word)  # words repeat: folding each one once is most of the saving on a long text


def unsure(text: str) -> bool:
    return bool(_UNSURE.search(fold(text)))


def aside(text: str) -> bool:
    return bool(_ASIDE.match(fold(text).lstrip()))


def vague(text: str) -> bool:
    return bool(_VAGUE.search(fold(text)))


def polarities(words: list[str]) -> set[str]:
    """Every polarity said by a yes/no phrase in `words`."""
    seen: set[str] = set()
    i = 0
    while i < len(words):
        step = 1
        for phrase, value in _BY_FIRST.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                seen.add(value)
                step = len(phrase)
                break
        i += step
    return seen


def yes_no(raw: str) -> str | None:
    if unsure(raw):
        return None
    seen = polarities(tokens(raw))
    return seen.pop() if len(seen) == 1 else None


def number_at(words: list[str], i: int, counts: bool) -> tuple[int, int] | None:
    """The whole number that starts at words[i], and how many words it takes; None if there is none.

    Digits are read by themselves only up to 3 of them; a decimal ("3.5") is no whole number, so the caller
    must treat it as unreadable (see `numbers`). `counts`: also words that are a count ("twice").
    """
    word = words[i]
    following = words[i + 1] if i + 1 < len(words) else ""
    if word in LEX.before_times and following in LEX.times:
        return LEX.before_times[word], 1
    if word.isdigit() and len(word) <= 3:
        return int(word), 1
    if word in LEX.numbers:
        return LEX.numbers[word], 1
    if counts and word in LEX.counts:
        return LEX.counts[word], 1
    return None


def numbers(words: list[str], counts: bool) -> set[int] | None:
    """Every number in `words`; None when one is not a whole number ("3.5", "2,5") or too long to be an answer."""
    found: set[int] = set()
    for i, word in enumerate(words):
        if word[0].isdigit() and not (word.isdigit() and len(word) <= 3):
            return None
        number = number_at(words, i, counts)
        if number is not None:
            found.add(number[0])
    return found


def count(raw: str) -> str | None:
    if vague(raw) or unsure(raw):
        return None
    words = tokens(raw)
    if LEX.periods & set(words):
        return None  # "twice a week", "dos veces por semana": how often, not this month's count
    found = numbers(words, counts=True)
    return str(found.pop()) if found and len(found) == 1 else None


@dataclass(frozen=True)
class Fraction:
    value: int
    top: int
    start: int  # word index of the first word
    end: int  # word index after the last word


def _connector_at(words: list[str], i: int) -> int:
    """How many words the "out of" at words[i] takes ("/", "von", "out of"); 0 if none."""
    if i < len(words) and words[i] == "/":
        return 1
    for connector in _CONNECTORS:
        if tuple(words[i : i + len(connector)]) == connector:
            return len(connector)
    return 0


def fractions(words: list[str], digits_only: bool = False) -> list[Fraction]:
    """Every "4/5", "4 out of 5", "vier von fünf" in `words`, left to right, not overlapping."""
    found: list[Fraction] = []
    # Only the words after which an "out of" starts can begin a fraction: found in one pass, then looked at.
    starts = [
        at - 1
        for at, word in enumerate(words)
        if word in _CONNECTOR_START and at and (words[at - 1].isdigit() or words[at - 1] in _NUMBER_WORDS)
    ]
    for i in starts:
        if found and i < found[-1].end:
            continue  # inside the fraction before
        fraction = _fraction_at(words, i, digits_only)
        if fraction:
            found.append(fraction)
    return found


def _fraction_at(words: list[str], i: int, digits_only: bool) -> Fraction | None:
    width = _connector_at(words, i + 1)
    top_at = i + 1 + width
    if not width or top_at >= len(words):
        return None
    if digits_only and not (words[i].isdigit() and words[top_at].isdigit()):
        return None
    first = number_at(words, i, counts=False)
    top = number_at(words, top_at, counts=False)
    return Fraction(first[0], top[0], i, top_at + 1) if first and top else None


def scale(raw: str, low: int, high: int) -> str | None:
    if unsure(raw):
        return None
    words = tokens(raw)
    found: set[int] = set()
    kept: list[str] = []
    at = 0
    # "4/5", "4 von 5": the second number must be the top of this scale, and is not an answer itself.
    for fraction in fractions(words):
        if fraction.top != high:
            return None
        found.add(fraction.value)
        kept.extend(words[at : fraction.start])
        at = fraction.end
    kept.extend(words[at:])
    others = numbers(kept, counts=False)
    if others is None:
        return None
    found |= others
    if len(found) != 1:
        return None
    value = found.pop()
    return str(value) if low <= value <= high else None


def is_count_phrase(words: list[str]) -> bool:
    """Nothing but a count said as one ("twice", "dos veces", "2x", "zweimal"): not a bare number."""
    if not words or len(words) > 4:
        return False
    allowed = LEX.numbers.keys() | LEX.counts.keys() | LEX.before_times.keys() | LEX.times
    if not all(w in allowed or (w.isdigit() and len(w) <= 2) for w in words):
        return False
    return any(w in LEX.counts or w in LEX.times for w in words)


def count_phrases(words: list[str]) -> list[tuple[int, int, bool]]:
    """Counts said in running text: (first word, end word, is a frequency such as "twice a week")."""
    found: list[tuple[int, int, bool]] = []
    # Only a count word, or a word before "times", can begin a count: found in one pass, then looked at.
    starts = [
        i for i, word in enumerate(words) if word in _COUNT_START or (i + 1 < len(words) and words[i + 1] in LEX.times)
    ]
    for i in starts:
        if found and i < found[-1][1]:
            continue
        end = _count_end(words, i)
        if end:
            # "twice a week", "dos veces por semana": how often, not this month's count.
            found.append((i, end, bool(LEX.periods & set(words[end : end + 3]))))
    return found


_COUNT_START = frozenset(LEX.counts) | LEX.vague


def _count_end(words: list[str], i: int) -> int | None:
    word = words[i]
    following = words[i + 1] if i + 1 < len(words) else ""
    if word in LEX.counts and not (word in LEX.before_times and following in LEX.times):
        return i + 1
    if following in LEX.times and (
        (word.isdigit() and len(word) <= 2) or word in LEX.numbers or word in LEX.before_times
    ):
        return i + 2
    if word in LEX.vague and LEX.times & set(words[i + 1 : i + 3]):
        return i + 1  # "a few times", "a couple of times": a count, but not a number
    return None
