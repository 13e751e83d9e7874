"""Check-in forms: the questions a monthly check-in asks, loaded from templates/forms/<name>.yaml.

A coordinator edits the YAML to change wording or add questions; nothing here needs to change.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant import yamlfile
from assistant.yamlfile import Located, YamlError

QUESTION_TYPES = ("yes_no", "count", "scale", "text", "date")


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


@dataclass(frozen=True)
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


_QUESTION_KEYS = {"key", "text", "type", "required", "labels", "min", "max", "only_if"}


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
    return Question(
        key=key,
        text=str(item["text"]).strip(),
        type=qtype,
        required=bool(item.get("required", True)),
        labels=tuple(str(label) for label in labels),
        min=int(item.get("min", 1)),
        max=int(item.get("max", 5)),
        only_if=item.get("only_if"),
    )


def numbered(form: Form, keys: list[str] | None = None) -> list[dict[str, Any]]:
    """Questions as templates show them, each keeping its number in the full form."""
    return [
        {"number": i, "key": q.key, "text": q.text, "type": q.type, "required": q.required, "hint": hint(q.type, q)}
        for i, q in enumerate(form.questions, start=1)
        if keys is None or q.key in keys
    ]


def hint(kind: str, question: Any) -> str:
    return {"yes_no": "yes/no", "date": "a date"}.get(kind, "")  # a scale says its range in its wording
