"""Marking the templates for translation changes nothing for an English program: every template, rendered with
every sample (the program's and each rule's) and each way of leaving, reads word for word as it did before the
marking (tests/fixtures/english_renders.json, whitespace-insensitive).

Every template is in it, the digest, the closing surveys and thanks, pay it forward, the warm wishes and the cohort
mails included (marked after the others: they read as before too). After a deliberate change of an English wording,
write the fixture again:
`.venv/bin/python -m tests.test_i18n_english`.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from assistant.app import program_rules
from assistant.config import load_config
from assistant.forms.form import load_forms
from assistant.program.samples import samples_for
from assistant.render import Renderer
from tests.conftest import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "english_renders.json"
LEAVE = "maya+t@example.org"
LEAVES = (None, {"address": LEAVE, "by_reply": True}, {"address": LEAVE, "by_reply": False})


def renders() -> dict[str, Any]:
    config = load_config(ROOT / "config.example.yaml")
    form = load_forms(config.templates / "forms", config.checkins.form).checkin
    rules, renderer, found = program_rules(config), Renderer(ROOT / "templates"), {}
    for name in renderer.names():
        for sender, context in samples_for(name, rules, form, config):
            for leave in LEAVES:
                mail = renderer.render(name, {**context, "leave": leave})
                where = sender.replace(f"{ROOT}/", "")  # the rule's file:line, whichever checkout runs the test
                key = f"{name} / {where} / {leave and leave['by_reply']}"
                found[key] = [" ".join(part.split()) for part in (mail.subject, mail.text, mail.html)]
    return found


@pytest.fixture(scope="module")
def english() -> dict[str, Any]:
    return renders()


def test_every_marked_template_reads_as_before_in_english(english: dict[str, Any]) -> None:
    before = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert set(english) == set(before)
    for key, parts in before.items():
        assert english[key] == parts, key


if __name__ == "__main__":
    FIXTURE.write_text(json.dumps(renders(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    sys.exit(0)
