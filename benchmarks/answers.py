"""How long reading a check-in's answers takes (`assistant.forms.answers.read_answers`), in every language and style.

  replies   the replies of tests/test_answers.py and tests/test_answers_languages.py (English; Spanish, French,
            German, Portuguese, Italian, Dutch in five styles each): CPU per reply, best of 5 rounds
  hostile   a megabyte of shapes that could make word-by-word reading slow (slashes, dashes, hedges, fractions,
            articles, numbered lines): CPU seconds for one read, best of 3; reading stops at 200,000 characters
            (plain words at 50,000), so these stay flat however large the mail

Usage: python benchmarks/answers.py
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.forms.answers import read_answers
from tests import test_answers, test_answers_languages

FORM = test_answers.FORM


def _best(rounds: int, work: Callable[[], None]) -> float:
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def _replies() -> list[str]:
    english = [case.values[0] for case in test_answers.test_reply_styles.pytestmark[0].args[1]]
    return english + [case.values[0] for case in test_answers_languages.STYLE_CASES]


HOSTILE = {
    "random": "".join(random.Random(7).choice("ab 1./:>\n😀yes") for _ in range(1_000_000)),
    "slashes": "4 / " * 250_000,
    "dashes": " - " * 330_000,
    "hedges": "zweimal? eher einmal " * 50_000,
    "fractions": "vier von fünf / " * 60_000,
    "articles": "una " * 250_000,
    "shorthand": "sí, dos veces - 4 von 5. " * 40_000,
    "numbered lines": "1. yes\n" * 150_000,
}


def main() -> None:
    replies = _replies()
    seconds = _best(5, lambda: [read_answers(text, FORM) for text in replies])
    print(f"replies: {len(replies)}, {seconds / len(replies) * 1000:.3f} ms of CPU each (best of 5)")
    print("hostile, 1 MB each: CPU seconds for one read (best of 3)")
    for name, text in HOSTILE.items():
        print(f"  {name:15} {_best(3, lambda text=text: read_answers(text, FORM)):.3f} s")


if __name__ == "__main__":
    main()
