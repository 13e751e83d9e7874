"""Read a participant's answers to a check-in form out of their email reply.

People answer the way they like: numbered ("1. yes"), labelled ("Rating: 4/5"), typed under each
quoted question, repeating the question, or in plain words. We take only values we are sure of:
anything doubtful goes to `Reading.unclear` and the question is asked again, because a wrong
answer in the records is worse than a second email.

Everything here is linear in the size of the reply and never raises on any text: replies can
be huge or garbage.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from assistant.forms import shorthand, values
from assistant.forms.form import MONTH, Form, Question, worded
from assistant.forms.values import LEX
from assistant.mail.reply_text import (
    history_start,
    is_footer,
    is_signature_start,
    new_line_flags,
    normalise_lines,
    split_quote,
)

# No real answer comes after this many characters; reading further would only spend time on garbage.
_MAX_CHARS = 200_000
_MAX_PLAIN = 50_000


@dataclass(frozen=True)
class Answer:
    key: str
    value: str  # yes_no: "yes"/"no"; count, scale: decimal integer; date: ISO; text: stripped text
    raw: str  # what the person wrote for it


@dataclass(frozen=True)
class Reading:
    answers: dict[str, Answer]  # only values we are sure about
    unclear: dict[str, str]  # key -> what we found but could not read with certainty
    missing: tuple[str, ...]  # still needed: required, asked, not answered, not excluded by only_if


def read_answers(text: str, form: Form, asked: Sequence[str] | None = None) -> Reading:
    """Read the answers in a reply's full plain-text body (quoted part included).

    `asked`: keys of the questions this message asked (None: the whole form); their numbers
    stay those of the form. Raises ValueError only for a key that is not in the form.
    """
    asked_keys = _asked_keys(form, asked)
    # NFC: "é" typed as e + accent is the same letter as "é" for labels, words and patterns alike.
    lines = normalise_lines(unicodedata.normalize("NFC", text[:_MAX_CHARS]))
    flags = new_line_flags(lines)
    found = [f for f in _structured(lines, flags, form) if f.key in asked_keys]
    if not any(f.raw for f in found):
        # No structure at all (or only the quoted prompt): read the new text as plain words.
        body = _body([line for line, new in zip(lines, flags, strict=True) if new])
        found = _plain_words(body, form, asked_keys)
    answers, unclear = _decide(found, form)
    _check_only_if(form, answers, unclear)
    return Reading(answers=answers, unclear=unclear, missing=_missing(form, asked_keys, answers))


def _asked_keys(form: Form, asked: Sequence[str] | None) -> list[str]:
    keys = [q.key for q in form.questions]
    if asked is None:
        return keys
    unknown = [key for key in asked if key not in keys]
    if unknown:
        raise ValueError(f"not questions of form {form.name!r}: {', '.join(unknown)}")
    return [key for key in keys if key in asked]


# --------------------------------------------------------------------------- finding answers


@dataclass(frozen=True)
class _Found:
    key: str
    raw: str
    quoted: bool = False  # typed inside the quote: used only when nothing else answers the question
    value: str | None = None  # already decided (plain words); None: parse `raw`
    decided: bool = False


@dataclass
class _Block:
    """An answer being collected: the lines after a question number, label or question."""

    key: str
    parts: list[str] = field(default_factory=list)
    history: bool = False  # under a question in Outlook's unquoted copy of our mail


# "1. yes", "1) yes", "1: yes", "#1 yes", "Q1: yes", "Q1 yes", "1 - yes" (group 3: the weak dash style).
_NUMBERED = re.compile(
    r"[ \t]*(?:[qQ#][ \t]?(\d{1,2})(?:[ \t]*[.):\-\u2013\u2014])?(?=[ \t]|$)"
    r"|(\d{1,2})[.):](?=[ \t]|$)"
    r"|(\d{1,2})[ \t]+[-\u2013\u2014](?=[ \t]))[ \t]*"
)
_LABEL = re.compile(r"[ \t]*([^\W\d_][\w '\u2019/-]{0,40}?)[ \t]*[:=][ \t]*")
# What our prompts add after a question: "(yes/no)", "(a date)", "(optional)", and in a follow-up
# '(I read "sort of" and wasn't sure)'.
_HINTS = (
    r"(?:\s*\((?:yes\s*/\s*no|yes or no|y/n|a date|optional|required"
    r"|I read\b[^\n]{0,100}?\band wasn['\u2019]t sure)\))*"
)
# A line that only signs off ("Thanks,", "Saludos", "Viele Grüße, Maya") or greets ("Hola Ada,"), in every language
# of `assistant/forms/language.py`.
_SIGN_OFF = re.compile(
    r"[ \t]*(?:" + values.alternation(LEX.sign_offs) + r")(?!\w)[\s,.!]*(?:[^\W\d_][\w'\u2019-]*[\s,.!]*){0,2}$",
    re.IGNORECASE,
)
_GREETING = re.compile(r"[ \t]*(?:" + values.alternation(LEX.greetings) + r")(?!\w).{0,40}$", re.IGNORECASE)
# A person's name alone on the last line ("Maya", "- Maya Cohen"), left after the last answer.
# Blanks on either side of the dash are matched once (`[ \t]*-?[ \t]*` was quadratic on a line of tabs).
_NAME = re.compile(r"[ \t]*(?:[-\u2013\u2014][ \t]*)?[A-Z][\w'\u2019-]{0,20}(?: [A-Z][\w'\u2019-]{0,20}){0,2}[ \t]*$")


# A month named in a question's text (lower case, as `_is_question_prefix` compares).
_MONTH_WORDS = re.compile(
    r"\b(january|february|march|april|may|june|july|august|september|october|november|december)\b"
)


@lru_cache(maxsize=64)
def _question_patterns(form: Form) -> tuple[tuple[Question, re.Pattern[str]], ...]:
    """For each question, a pattern matching its text as repeated by the person or the quote."""
    patterns = []
    for question in form.questions:
        words = question.text.split()
        last = words[-1]
        # The person may drop the final "?" or type ":" instead.
        tail = re.escape(last[:-1]) + r"\??" if last.endswith("?") else re.escape(last)
        text = r"\s+".join([*(re.escape(w) for w in words[:-1]), tail])
        # `{month}` is named in the prompt ("in November"); a prompt from before it was named said "this month".
        text = text.replace(r"in\s+" + re.escape(MONTH), r"(?:in\s+[^\W\d_]+|this\s+month)")
        text = text.replace(re.escape(MONTH), r"[^\W\d_]+(?:\s+month)?")
        pattern = re.compile(r"\s*" + text + _HINTS + r"[ \t]*[:\-\u2013\u2014]?[ \t]*", re.IGNORECASE)
        patterns.append((question, pattern))
    return tuple(patterns)


@lru_cache(maxsize=64)
def _any_question(form: Form) -> re.Pattern[str]:
    """The questions' patterns as one alternation, in the form's order, each its own group (they have none of
    their own): one match per line finds the first question whose pattern matches, as trying them in turn would."""
    return re.compile("|".join(f"({pattern.pattern})" for _, pattern in _question_patterns(form)), re.IGNORECASE)


# What a line is asked about (which question it repeats, whether it starts one) is remembered for lines up to this
# long: the quoted prompt is the same in every reply to it, and a line is asked about more than once.
_REMEMBERED_CHARS = 500


def _match_question(rest: str, form: Form) -> tuple[Question, str] | None:
    if len(rest) > _REMEMBERED_CHARS:
        return _question_in(rest, form)
    return _remembered_question_in(rest, form)


def _question_in(rest: str, form: Form) -> tuple[Question, str] | None:
    match = _any_question(form).match(rest)
    if match is None:
        return None
    return form.questions[match.lastindex - 1], rest[match.end() :]  # type: ignore[operator]


_remembered_question_in = lru_cache(maxsize=8192)(_question_in)


def _is_question_prefix(rest: str, form: Form) -> bool:
    """A question cut short by line wrapping ("5. Anything I could help with? (This goes only to the")."""
    return 15 <= len(rest) <= 300 and _starts_a_question(rest, form)


@lru_cache(maxsize=8192)
def _starts_a_question(rest: str, form: Form) -> bool:
    """`rest` is the start of a question's text, in any month's words."""
    words = " ".join(rest.lower().split())
    return any(
        text.startswith(words)
        for month in _MONTH_WORDS.findall(words) or [None]
        for text in _question_words(form, month)
    )


@lru_cache(maxsize=256)
def _question_words(form: Form, month: str | None) -> tuple[str, ...]:
    """Each question's text with `month` named, lower case and single-spaced: made once per form and month, not for
    every line of every reply."""
    return tuple(" ".join(worded(q.text, month).lower().split()) for q in form.questions)


def _strip_number(content: str, form: Form, weak_ok: bool) -> tuple[Question | None, str]:
    """The question a leading number points at (None if none) and the text after the number."""
    match = _NUMBERED.match(content)
    if not match or (match.group(3) and not weak_ok):
        return None, content
    number = int(match.group(1) or match.group(2) or match.group(3))
    question = form.questions[number - 1] if 1 <= number <= len(form.questions) else None
    return question, content[match.end() :]


def _label(content: str, form: Form) -> tuple[Question, str] | None:
    match = _LABEL.match(content)
    if not match:
        return None
    question = _labelled(match.group(1), form)
    return (question, content[match.end() :]) if question is not None else None


@lru_cache(maxsize=1024)
def _labelled(label: str, form: Form) -> Question | None:
    """The question a label names (its key or one of its labels, a plural too), the first in the form's order.
    Remembered: people and mail clients use the same few labels (the pattern bounds their length)."""
    label = " ".join(label.lower().replace("_", " ").split())
    for question in form.questions:
        names = {question.key.lower().replace("_", " "), *(name.lower() for name in question.labels)}
        if label in names or label.rstrip("s") in {name.rstrip("s") for name in names}:
            return question
    return None


def _marker(content: str, form: Form, weak_ok: bool, plain: bool) -> tuple[Question, str] | None:
    """Does this line start an answer? Quoted and old lines only count when they repeat a question."""
    numbered, rest = _strip_number(content, form, weak_ok)
    by_text = _match_question(rest, form)
    if by_text:
        return by_text
    if not plain:
        return None
    if numbered:
        return numbered, rest
    return _label(content, form)


def _question_at(lines: list[str], i: int, form: Form) -> tuple[Question | None, str, int]:
    """A question repeated at lines[i], joining up to two wrapped continuation lines: (question, rest, span).
    Read from those three lines alone, and remembered for them (as a quoted line's other checks are, up to
    _REMEMBERED_CHARS each): every reply to a prompt quotes its questions."""
    window = tuple(lines[i : i + 3])
    if all(len(line) <= _REMEMBERED_CHARS for line in window):
        return _remembered_question_at(window, form)
    return _question_in_window(window, form)


def _question_in_window(window: tuple[str, ...], form: Form) -> tuple[Question | None, str, int]:
    depth, content = split_quote(window[0])
    _, rest = _strip_number(content, form, weak_ok=True)
    for span in (1, 2, 3):
        found = _match_question(rest, form)
        if found:
            return found[0], found[1], span
        if span >= len(window) or not _is_question_prefix(rest, form):
            break
        next_depth, next_content = split_quote(window[span])
        if next_depth != depth:
            break
        rest = rest + " " + next_content.strip()
    return None, "", 1


_remembered_question_at = lru_cache(maxsize=2048)(_question_in_window)  # a prompt quotes a few dozen windows


def _structured(lines: list[str], flags: list[bool], form: Form) -> list[_Found]:
    """Answers given with some structure: numbers, labels, or under/after the questions."""
    weak_ok = sum(1 for line, new in zip(lines, flags, strict=True) if new and _NUMBERED.match(line)) >= 2
    found: list[_Found] = []
    block: _Block | None = None
    segments = 0  # earlier messages seen; answers typed into Outlook's unquoted copy are in the first
    i = 0
    while i < len(lines):
        depth, content = split_quote(lines[i])
        step = 1
        if depth and not content.strip() and block is not None and not any(p.strip() for p in block.parts):
            pass  # HTML quotes put empty ">" lines around a question; its answer may still follow
        elif depth:
            _close(block, found, final=False)
            question, rest, step = _question_at(lines, i, form)
            block = _Block(question.key) if question else None
            if question and depth == 1:
                _add_typed_in_quote(found, question, rest)
        elif flags[i]:
            block = _read_line(content, block, found, form, weak_ok, plain=True)
        else:
            kind, span = history_start(lines, i)
            if kind:
                _close(block, found, final=True)
                block, segments, step = None, segments + 1, span
            elif segments == 1 or (block is not None and segments == 0):
                block = _read_line(content, block, found, form, weak_ok, plain=False)
            else:  # an older message, or a signature: nothing there answers this mail
                _close(block, found, final=True)
                block = None
        i += step
    _close(block, found, final=True)
    return found


def _add_typed_in_quote(found: list[_Found], question: Question, rest: str) -> None:
    """Text after a question inside the quote: typed there (Outlook/Apple), or our own echo of an answer.

    It only counts when nothing outside the quote answers the question, and never when it is in
    parentheses: those are our notes ("(I read "sort of" and wasn't sure)").
    """
    rest = rest.strip()
    if rest and not rest.startswith("("):
        found.append(_Found(question.key, rest, quoted=True))


def _read_line(
    content: str, block: _Block | None, found: list[_Found], form: Form, weak_ok: bool, plain: bool
) -> _Block | None:
    """One unquoted line: start, continue or end an answer. Returns the block still open."""
    if not content.strip():  # fast path: blank lines only separate paragraphs of an answer
        if block is not None and block.history:
            # In our own mail a blank line follows the questions, then our text ("It takes a minute…"):
            # only lines typed right below a question are the person's.
            _close(block, found, final=False)
            return None
        if block is not None:
            block.parts.append("")
        return block
    if is_footer(content) or is_signature_start(content) or _SIGN_OFF.match(content):
        _close(block, found, final=True)
        return None
    marker = _marker(content, form, weak_ok, plain) if len(content) < 100_000 else None
    if marker:
        _close(block, found, final=False)
        question, rest = marker
        if plain:
            return _Block(question.key, [rest])
        # On the question's own line in a copy of our mail: most likely our "what I recorded" echo.
        _add_typed_in_quote(found, question, rest)
        return _Block(question.key, history=True)
    if block is not None:
        block.parts.append(content)
    return block


def _close(block: _Block | None, found: list[_Found], final: bool) -> None:
    """Record a finished answer. `final`: nothing follows it, so a trailing name line is a signature."""
    if block is None:
        return
    parts = block.parts
    while parts and not parts[-1].strip():
        parts.pop()
    if final and sum(1 for part in parts if part.strip()) > 1 and _NAME.match(parts[-1]):
        parts.pop()
    found.append(_Found(block.key, "\n".join(parts).strip()))


# --------------------------------------------------------------------------- plain words


def _is_pleasantry(line: str) -> bool:
    return not line.strip() or bool(_GREETING.match(line) or _SIGN_OFF.match(line))


_GREETING_END = re.compile(r"[,!:\u2014]")


def _after_greeting(line: str) -> str:
    """What follows a greeting on its own line ("Hola Ada, sí, dos veces" → "sí, dos veces"); "" if nothing."""
    if not _GREETING.match(line):
        return ""
    end = _GREETING_END.search(line)
    rest = line[end.end() :].strip() if end else ""
    return rest if any(c.isalnum() for c in rest) else ""


def _body(lines: list[str]) -> str:
    """The new text without greeting and sign-off, for reading plain words."""
    start = 0
    last = max((i for i, line in enumerate(lines) if line.strip()), default=-1)  # once: the loop stays linear
    # A first-line "Thanks!" is more likely "thanks for asking" than the end of the reply: skip it too.
    while start < len(lines) and _is_pleasantry(lines[start]):
        # A one-line reply "Hi Ada! Yes, twice, CV, 4": the greeting goes, the answers stay. With more lines
        # below, the greeting's line is only pleasantries ("Hallo Ada, wie geht's?").
        rest = _after_greeting(lines[start]) if start == last else ""
        if rest:
            lines = [rest, *lines[start + 1 :]]
            start = 0
            break
        start += 1
    lines = lines[start:]
    for i, line in enumerate(lines):
        if _SIGN_OFF.match(line):
            lines = lines[:i]
            break
    while lines and not lines[-1].strip():
        lines.pop()
    if len(lines) > 1 and _NAME.match(lines[-1]):
        lines.pop()
    return "\n".join(lines).strip()


def _plain_words(body: str, form: Form, asked_keys: list[str]) -> list[_Found]:
    """Answers in plain words. Conservative: each finder only looks for phrasings it cannot misread."""
    if not body:
        return []
    if len(asked_keys) == 1:
        return [_Found(asked_keys[0], body)]  # one question asked: the whole reply answers it
    placed = shorthand.read(body, form, asked_keys)
    if placed:  # "Yes once - promotion case. 4/5": every piece in its place, in the form's order
        return [_Found(key, raw) for key, raw in placed]
    asked = [form.question(key) for key in asked_keys]
    found: list[_Found] = []
    # Split once, for the count and the scale. Prose that answers a check-in is a few sentences: past
    # _MAX_PLAIN characters it is something else (a forwarded thread, garbage), not worth reading word by word.
    words = values.words_of(body[:_MAX_PLAIN])
    for qtype, finder in (("yes_no", _plain_yes_no), ("count", _plain_count), ("scale", _plain_scale)):
        questions = [q for q in asked if q.type == qtype]
        if len(questions) > 1:  # an optional question beside a required one ("recommended?" beside "met?")
            questions = [q for q in questions if q.required]  # is never answered by plain words alone
        if len(questions) == 1:  # with two such questions we could not tell which one a phrase answers
            found.extend(finder(body, words, questions[0]))
    texts = [q for q in asked if q.type == "text" and q.required]
    if len(texts) == 1:
        found.extend(_plain_text(body, texts[0]))
    return found


_MET_BEFORE = {"we", "i", "we've", "i've", "have", "has", "did", "already", "finally"}
# "we meet next week" has not happened yet.
_LATER = re.compile(r"\s+(?:up\s+)?(?:next|tomorrow|soon|later|tonight|in|this)\b")


def _plain_yes_no(body: str, _words: values.Words, question: Question) -> list[_Found]:
    found = []
    names = sorted({question.key, *question.labels}, key=len, reverse=True)
    # A reply opening with a bare "Yes," / "Not yet." answers the only yes/no question.
    sentence = re.split(r"[.!?\n]", body[:200], maxsplit=1)[0]
    first_clause, *others = re.split(r"[,;:\u2014\u2013-]", sentence)
    filler = LEX.fillers | {word for name in names for word in values.tokens(name)}
    words = values.tokens(first_clause)
    answer = values.yes_no(first_clause)
    if answer and all(w in filler or w in values.POLARITY_WORDS for w in words):
        both = _takes_back(body[:200], sentence, others, answer, filler)
        if both:
            found.append(_Found(question.key, both, value=None, decided=True))
        else:
            found.append(_Found(question.key, first_clause.strip()))
    # "we met", "we haven't met yet": the question's key or labels used as a verb.
    pattern = re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)
    lowered = body.lower().replace("\u2019", "'")
    for match in pattern.finditer(lowered):
        before = lowered[max(0, match.start() - 40) : match.start()].split()[-3:]
        if any(word in ("not", "never", "no") or word.endswith("n't") for word in before):
            found.append(_Found(question.key, " ".join([*before, match.group()]), value="no", decided=True))
        elif before and before[-1] in _MET_BEFORE and not _LATER.match(lowered, match.end()):
            found.append(_Found(question.key, " ".join([*before[-1:], match.group()]), value="yes", decided=True))
    return found


def _takes_back(start: str, sentence: str, others: list[str], answer: str, filler: frozenset[str]) -> str | None:
    """ "Non, enfin oui", "No, well yes", "Yes. No.": the opening yes or no is taken back, so ask.

    Returns the words that say both (to show the person), or None when nothing takes the answer back.
    """
    for clause in others:  # the rest of the first sentence: a hedge or the other polarity
        if values.unsure(clause) or values.polarities(values.tokens(clause)) - {answer}:
            return sentence.strip()
    # A bare yes or no later on ("Yes. No. 4").
    for match in re.finditer(r"[^,;:.!?\n\u2014\u2013-]+", start[len(sentence) :]):
        words = values.tokens(match.group())
        bare = words and all(w in filler or w in values.POLARITY_WORDS for w in words)
        if bare and values.polarities(words) - {answer}:
            return start[: len(sentence) + match.end()].strip()
    return None


def _plain_count(body: str, words: values.Words, question: Question) -> list[_Found]:
    """ "twice", "dos veces", "zweimal", "2x" in running text; "twice a week" is how often, so it is unclear."""
    found = []
    for first, end, frequency in values.count_phrases(words.folded):
        raw = words.raw(body, first, end)
        found.append(_Found(question.key, raw, value=None, decided=True) if frequency else _Found(question.key, raw))
    return found


def _plain_scale(body: str, words: values.Words, question: Question) -> list[_Found]:
    """ "4/5", "4 out of 5", "4 von 5", "4 sur 5" in running text (digits only: words there are too loose)."""
    return [
        _Found(question.key, words.raw(body, f.start, f.end)) for f in values.fractions(words.folded, digits_only=True)
    ]


_WHAT_WE_DID = re.compile(
    r"(?:^|(?<=[.!?\n,;:\u2014\u2013-])\s{0,8})((?:" + values.alternation(LEX.topic_openers) + r")(?!\w)[^.!?\n]*)",
    re.IGNORECASE,
)


def _plain_text(body: str, question: Question) -> list[_Found]:
    """Only an unambiguous "we worked on …" sentence answers a text question."""
    return [_Found(question.key, match.group(1).strip(" ,;")) for match in _WHAT_WE_DID.finditer(body)]


# --------------------------------------------------------------------------- reading values


_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"\b(\d{4})-(\d{1,2})-(\d{1,2})\b")
_NUMERIC = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4})\b")
_TIME = re.compile(r"\b\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm)\b|\b\d{1,2}[:.]\d{2}\b")
_MONTH_DAY = re.compile(r"\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")


def _date(raw: str) -> str | None:
    text = raw.lower()
    candidates: list[tuple[int, int, int] | None] = []
    candidates += [(int(y), int(m), int(d)) for y, m, d in _ISO.findall(text)]
    for first, second, year in _NUMERIC.findall(text):
        if int(first) <= 12 and int(second) <= 12 and first != second:
            candidates.append(None)  # 03/04/2026: March or April?
        else:
            day, month = (first, second) if int(first) > 12 else (second, first)
            candidates.append((int(year), int(month), int(day)))
    candidates += [(int(y), _MONTHS.get(m, 0), int(d)) for d, m, y in _DAY_MONTH.findall(text)]
    candidates += [(int(y), _MONTHS.get(m, 0), int(d)) for m, d, y in _MONTH_DAY.findall(text)]
    leftover = _TIME.sub(" ", _MONTH_DAY.sub(" ", _DAY_MONTH.sub(" ", _NUMERIC.sub(" ", _ISO.sub(" ", text)))))
    if any(c.isdigit() for c in leftover):
        return None  # "1 or 2 Dec 2026": another number we cannot place
    dates = set()
    for candidate in candidates:
        try:
            dates.add(date(*candidate).isoformat() if candidate else None)
        except ValueError:  # "31 Nov 2026", or a month name we do not know
            return None
    return dates.pop() if len(dates) == 1 else None


# Words around "nothing" that do not change it: "nothing for now, thanks!", "nada, gracias".
_FILLER = frozenset(
    {"thanks", "thank", "you", "thx", "for", "now", "at", "the", "moment", "currently", "right", "so", "far"}
    | {w for w in LEX.sign_offs if " " not in w}
)
_NOTHING_WORDS = re.compile(r"[^\W\d_]+(?:['/][^\W\d_]+)*|-+")


def _says_nothing(raw: str) -> bool:
    """ "nothing, thanks" for an optional question: no answer needed (not an unclear one)."""
    if len(raw) > 60:
        return False
    words = [w for w in _NOTHING_WORDS.findall(values.fold(raw)) if w not in _FILLER]
    return " ".join(words) in LEX.nothing


def _value(found: _Found, question: Question) -> str | None:
    if found.decided:
        return found.value
    if len(found.raw) > _REMEMBERED_CHARS:
        return _value_of(found.raw, question.type, question.min, question.max)
    return _remembered_value_of(found.raw, question.type, question.min, question.max)


def _value_of(raw: str, kind: str, low: int, high: int) -> str | None:
    """One answer's value read from its words, for a question of this type (and range)."""
    if kind == "yes_no":
        return values.yes_no(raw)
    if kind == "count":
        return values.count(raw)
    if kind == "scale":
        return values.scale(raw, low, high)
    if kind == "date":
        return _date(raw)
    return raw.strip()


# Remembered: a few words ("yes", "twice", "4") answer most check-ins.
_remembered_value_of = lru_cache(maxsize=8192)(_value_of)


# --------------------------------------------------------------------------- deciding

_MAX_ANSWERS = 10


def _decide(found: list[_Found], form: Form) -> tuple[dict[str, Answer], dict[str, str]]:
    by_key: dict[str, list[_Found]] = {}
    for f in found:
        if f.raw:
            by_key.setdefault(f.key, []).append(f)
    answers: dict[str, Answer] = {}
    unclear: dict[str, str] = {}
    for question in form.questions:
        mine = by_key.get(question.key, [])
        if question.type == "text" and not question.required:
            mine = [f for f in mine if not _says_nothing(f.raw)]
        # What was typed inside the quote counts only when nothing outside it answers the question.
        candidates = [f for f in mine if not f.quoted] or mine
        if not candidates:
            continue
        raw = "\n".join(dict.fromkeys(f.raw for f in candidates[:_MAX_ANSWERS]))
        if len(candidates) > _MAX_ANSWERS:  # the same question answered over and over: garbage, not a reply
            unclear[question.key] = raw
            continue
        values = [_value(f, question) for f in candidates]
        if None in values or len({_comparable(v) for v in values}) != 1:
            unclear[question.key] = raw
        else:
            answers[question.key] = Answer(question.key, values[0] or "", candidates[0].raw)
    return answers, unclear


def _comparable(value: str | None) -> str | None:
    return " ".join(value.lower().split()) if value is not None else None


def _check_only_if(form: Form, answers: dict[str, Answer], unclear: dict[str, str]) -> None:
    """ "No, we did not meet" with "2 meetings" contradict each other: trust neither."""
    for question in form.questions:
        parent = answers.get(question.only_if or "")
        child = answers.get(question.key)
        if parent is None or child is None or question.type != "count":
            continue
        if (parent.value == "no") == (child.value != "0"):
            for answer in (parent, child):
                unclear[answer.key] = answer.raw
                answers.pop(answer.key, None)


def _missing(form: Form, asked_keys: list[str], answers: dict[str, Answer]) -> tuple[str, ...]:
    missing = []
    for key in asked_keys:
        question = form.question(key)
        parent = answers.get(question.only_if or "")
        if question.required and key not in answers and not (parent and parent.value == "no"):
            missing.append(key)
    return tuple(missing)
