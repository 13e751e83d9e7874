"""Forms: the questions a check-in, the profile and the closing surveys ask, loaded from templates/forms/<name>.yaml.

A coordinator edits the YAML to change wording or add questions; nothing here needs to change. Every form is loaded
and validated once, when the program starts (and by `check`), never per message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant import yamlfile
from assistant.yamlfile import Located, YamlError

QUESTION_TYPES = ("yes_no", "count", "scale", "text", "date")
ROLES = ("mentor", "mentee")  # whom a question may be asked of alone (`only_for`)


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    type: str
    required: bool = True
    labels: tuple[str, ...] = ()  # other words people use as a label ("Met: yes")
    min: int = 1  # scale only
    max: int = 5  # scale only
    only_if: str | None = None  # ask only when this yes_no question was answered yes
    only_for: str | None = None  # ask only the mentor or only the mentee (None: everyone)


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a form is loaded once, and caches key on it
class Form:
    name: str
    title: str
    questions: tuple[Question, ...]

    def question(self, key: str) -> Question:
        for question in self.questions:
            if question.key == key:
                return question
        raise KeyError(key)

    def number_of(self, key: str) -> int:
        return [q.key for q in self.questions].index(key) + 1

    def keys_for(self, role: str | None) -> list[str]:
        """The questions asked of this role (mentor, mentee), in form order: `only_for` another role left out.
        Their numbers stay those of the full form, so a question only for mentees is best put last."""
        return [q.key for q in self.questions if q.only_for is None or role is None or q.only_for == role]


@dataclass(frozen=True)
class Forms:
    """Every form the program asks people to answer by email."""

    checkin: Form  # the monthly check-in (config `checkins.form`)
    profile: Form  # joining, and a new mentor's questions after pay it forward
    closing_mentor: Form
    closing_mentee: Form


# The forms besides the check-in, by their file name in templates/forms/.
FIXED_FORMS = ("profile", "closing_mentor", "closing_mentee")


def load_forms(folder: Path, checkin: str) -> Forms:
    """Load and validate every form in `folder` (templates/forms). Raises YamlError (file:line) for the first problem;
    `form_problems` lists them all."""
    return Forms(
        checkin=load_form(folder / f"{checkin}.yaml"), **{n: load_form(folder / f"{n}.yaml") for n in FIXED_FORMS}
    )


def form_problems(folder: Path, checkin: str) -> list[str]:
    """Every form's problem as `file:line: message`, for `check`."""
    problems = []
    for name in (checkin, *FIXED_FORMS):
        try:
            load_form(folder / f"{name}.yaml")
        except YamlError as exc:
            problems.append(str(exc))
    return problems


_QUESTION_KEYS = {"key", "text", "type", "required", "labels", "min", "max", "only_if", "only_for"}


def load_form(path: Path | str) -> Form:
    """Load and validate a form file. Raises YamlError with file:line."""
    path = Path(path)
    data = yamlfile.load(path)
    if not isinstance(data, Located):
        raise YamlError(path, None, "a form is a mapping with `title` and `questions`")
    yamlfile.check_keys(data, {"title", "questions"}, "a form")
    items = data.get("questions")
    if not isinstance(items, list) or not items:
        raise YamlError(path, data.line_of("questions"), "`questions` must be a non-empty list")
    questions = tuple(_question(path, item, items.line_of(i)) for i, item in enumerate(items))
    keys = [q.key for q in questions]
    for i, key in enumerate(keys):
        if key in keys[:i]:
            raise YamlError(path, items.line_of(i), f"question key {key!r} is used twice")
    for i, q in enumerate(questions):
        if q.only_if and q.only_if not in keys[:i]:
            raise YamlError(path, items.line_of(i), f"only_if names {q.only_if!r}, which is not an earlier question")
        parent = questions[keys.index(q.only_if)] if q.only_if else None
        if parent and parent.only_for and parent.only_for != q.only_for:
            # Asked of someone who is never asked the question it depends on: it could never be asked.
            raise YamlError(
                path, items.line_of(i), f"only_if names {q.only_if!r}, which is only for {parent.only_for}s"
            )
    return Form(name=path.stem, title=str(data.get("title", "Monthly check-in")), questions=questions)


def _question(path: Path, item: object, line: int) -> Question:
    if not isinstance(item, Located):
        raise YamlError(path, line, "each question is a mapping with key, text and type")
    yamlfile.check_keys(item, _QUESTION_KEYS, "a question")
    for needed in ("key", "text", "type"):
        if not item.get(needed):
            raise YamlError(path, item.line, f"question is missing `{needed}`")
    key = str(item["key"])
    if not key.isidentifier():
        raise YamlError(path, item.line_of("key"), f"question key {key!r} must be a short word like `met`")
    qtype = str(item["type"])
    if qtype not in QUESTION_TYPES:
        raise YamlError(path, item.line_of("type"), f"type {qtype!r} is not one of {', '.join(QUESTION_TYPES)}")
    labels = item.get("labels", [])
    if not isinstance(labels, list):
        raise YamlError(path, item.line_of("labels"), "`labels` must be a list of words")
    only_for = item.get("only_for")
    if only_for is not None and only_for not in ROLES:
        raise YamlError(path, item.line_of("only_for"), f"only_for {only_for!r} is not one of {', '.join(ROLES)}")
    return Question(
        key=key,
        text=str(item["text"]).strip(),
        type=qtype,
        required=bool(item.get("required", True)),
        labels=tuple(str(label) for label in labels),
        min=int(item.get("min", 1)),
        max=int(item.get("max", 5)),
        only_if=item.get("only_if"),
        only_for=only_for,
    )


MONTH = "{month}"  # in a question's text: the month the check-in asks about ("Did you meet in {month}?")


def worded(text: str, month: str | None) -> Worded:
    """A question's text as a person reads it: `{month}` named ("November"), or "this month" when no month is
    known (a form shown outside a check-in). English here; the renderer says it in the reader's language."""
    return Worded(_in_english(text, month), text, month)


def _in_english(text: str, month: str | None) -> str:
    if MONTH not in text:
        return text
    return text.replace(f"in {MONTH}", f"in {month}" if month else "this month").replace(MONTH, month or "this month")


class Worded(str):
    """A form's words as English reads them, which keep their message id (the YAML's text, `{month}` and all) to be
    said in another language through the templates' catalogs (`localized`, called by the renderer)."""

    msgid: str
    month: str | None

    def __new__(cls, english: str, msgid: str, month: str | None = None) -> Worded:
        worded = super().__new__(cls, english)
        worded.msgid, worded.month = msgid, month
        return worded

    def localized(self, language: str, translate: Callable[[str], str]) -> str:
        if language == "en":
            return str(self)
        text = translate(self.msgid)
        if MONTH not in text:
            return text
        say = getattr(self.month, "localized", None)
        month = say(language) if say is not None else self.month
        return text.replace(MONTH, month or translate(THIS_MONTH))


THIS_MONTH = "this month"  # a question's {month} when a form is shown outside a check-in
HINTS = {"yes_no": "yes/no", "date": "a date"}  # said after a question of these types


def numbered(form: Form, keys: list[str] | None = None, month: str | None = None) -> list[dict[str, Any]]:
    """Questions as templates show them, each keeping its number in the full form; `{month}` in a question's text
    names the month the check-in asks about. Each a new dict, made from the form's questions worded once per
    month (every confirmation and prompt of a cycle shows the same)."""
    attributes = tuple(sorted(vars(month).items())) if hasattr(month, "__dict__") else ()
    return [dict(q) for q in _numbered(form, type(month), month, attributes) if keys is None or q["key"] in keys]


@functools.lru_cache(maxsize=64)
def _numbered(form: Form, kind: type, month: str | None, attributes: tuple[Any, ...]) -> tuple[dict[str, Any], ...]:
    """The whole form `numbered`; `kind` and `attributes` tell two months of the same words apart (a MonthName
    keeps its period), so the words kept are those a month of this very kind and value says."""
    return tuple(
        {
            "number": i,
            "key": q.key,
            "text": worded(q.text, month),
            "type": q.type,
            "required": q.required,
            "hint": hint(q.type, q),
        }
        for i, q in enumerate(form.questions, start=1)
    )


def hint(kind: str, question: Any) -> str:
    words = HINTS.get(kind, "")  # a scale says its range in its wording
    return Worded(words, words) if words else ""
