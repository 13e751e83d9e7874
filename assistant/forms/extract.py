"""The forms' words for translation: a Babel extractor over templates/forms/*.yaml (named in babel.cfg), and the
same messages with their file:line for `check`.

A form's question texts, as the YAML writes them (`{month}` kept: the renderer names the month in the reader's
language), and the words shown beside them (the "yes/no" hint, "this month"). The YAML itself is never rewritten:
its English is the message id.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from assistant import yamlfile
from assistant.forms.form import HINTS, MONTH, THIS_MONTH
from assistant.yamlfile import Located, YamlError


def extract_form(
    fileobj: IO[bytes], keywords: Any = (), comment_tags: Any = (), options: Any = None
) -> Iterator[tuple[int, str, str, list[str]]]:
    """Babel's extractor interface: (line, function, message, comments) for each of the form's words. A form that
    does not load yields nothing (`check` says why)."""
    try:
        data = yamlfile.loads(fileobj.read().decode("utf-8"), str(getattr(fileobj, "name", "form.yaml")))
    except (YamlError, UnicodeDecodeError):
        return
    questions = data.get("questions") if isinstance(data, Located) else None
    if not isinstance(questions, list):
        return
    for index, item in enumerate(questions):
        if not isinstance(item, Located) or not item.get("text"):
            continue
        line = questions.line_of(index)
        text = str(item["text"]).strip()
        yield line, "gettext", text, []
        if MONTH in text:
            yield line, "gettext", THIS_MONTH, ["when a form is shown outside a check-in, {month} reads this"]
        hint = HINTS.get(str(item.get("type", "")))
        if hint:
            yield line, "gettext", hint, ["after a question, in brackets"]


def form_messages(folder: Path) -> Iterator[tuple[str, Path, int]]:
    """(message, file, line) for every form in `folder`, for `check`."""
    for path in sorted(Path(folder).glob("*.yaml")):
        with path.open("rb") as source:
            for line, _function, message, _comments in extract_form(source):
                yield message, path, line
