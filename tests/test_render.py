"""The renderer's shortcuts say exactly what the long way says: an English render skips `localized` because every
value that can say itself in a language says its own text in English, and `_tidy` folds blank lines as the regex
it replaced did."""

from __future__ import annotations

import gettext
import re
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from assistant.clock import local_day, month_name
from assistant.forms.form import worded
from assistant.render import _tidy, localized


def test_in_english_every_value_that_says_itself_in_a_language_is_its_own_text() -> None:
    translate = gettext.NullTranslations().gettext
    month = month_name("2026-11")
    values = [
        month,
        local_day(date(2027, 3, 12), "12 March", skeleton="MMMMd"),
        local_day(date(2027, 3, 12), "Friday", pattern="EEEE"),
        worded("Did you meet in {month}?", month),
        worded("How is it going in {month}?", None),
        worded("What did you work on?", month),
    ]
    for value in values:
        assert value.localized("en", translate) == str(value)
    context = {"month": month, "rows": [{"text": v, "n": 1} for v in values], "pair": ("a", values[0])}
    assert localized(context, "en", translate) == context


@given(st.lists(st.sampled_from(["\n", "\n\n\n", "a", " ", "\r", "\t", "b\n"]), max_size=60).map("".join))
def test_tidy_folds_blank_lines_as_the_regex_did(text: str) -> None:
    assert _tidy(text) == re.sub(r"\n{3,}", "\n\n", text).strip()
