"""new_text keeps what the person newly wrote, in the styles of the common mail clients."""

from __future__ import annotations

import pytest

from assistant.mail.reply_text import new_line_flags, new_text, split_quote
from tests.budget import cpu_budget

QUOTE = "> Hi Maya,\n>\n> 1. Did you meet this month? (yes/no)\n> 2. How many times?\n>\n> Thank you!"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Yes, twice.\n\nOn Mon, 2 Nov 2026 at 09:00, Ada <ada@example.org> wrote:\n\n" + QUOTE,
            "Yes, twice.",
            id="gmail",
        ),
        pytest.param(
            "Yes.\n\nOn Mon, 2 Nov 2026 at 09:00, Ada Lovelace <\nada@example.org> wrote:\n" + QUOTE,
            "Yes.",
            id="gmail-wrapped-attribution",
        ),
        pytest.param(
            "Yes.\n\n> On 1 Nov 2026, Bob wrote:\n>> earlier\n" + QUOTE,
            "Yes.",
            id="nested-quotes",
        ),
        pytest.param(
            "Yes.\n\nOn 2 Nov 2026, at 09:00, Ada <ada@example.org> wrote:\n\n" + QUOTE,
            "Yes.",
            id="apple-mail",
        ),
        pytest.param(
            "Yes\n\nSent from my iPhone\n\nOn 2 Nov 2026, at 09:00, Ada <ada@example.org> wrote:\n\n" + QUOTE,
            "Yes",
            id="iphone",
        ),
        pytest.param("Yes\n\nGet Outlook for Android<https://aka.ms/ghei36>\n", "Yes", id="outlook-mobile"),
        pytest.param("Yes\n\nSent from Yahoo Mail on Android", "Yes", id="yahoo-mobile"),
        pytest.param(
            "We met.\n\n-----Original Message-----\nFrom: Ada\nSent: Monday\n\nHi Maya,\n1. Did you meet?",
            "We met.",
            id="outlook-original-message",
        ),
        pytest.param(
            "We met.\n\n________________________________\nFrom: Ada <ada@example.org>\nSent: Monday, November 2, 2026"
            "\nTo: Maya\nSubject: Check-in\n\nHi Maya,",
            "We met.",
            id="outlook-underscores",
        ),
        pytest.param(
            "We met.\n\nFrom: Ada <ada@example.org>\nSent: Monday, November 2, 2026 9:00 AM\nTo: Maya"
            "\nSubject: Check-in\n\nHi Maya,\n1. Did you meet?",
            "We met.",
            id="outlook-bare-headers",
        ),
        pytest.param(
            "We met.\n\n**From:** Ada <ada@example.org>\n**Sent:** Monday\n**To:** Maya\n\nHi Maya,",
            "We met.",
            id="outlook-html-converted",
        ),
        pytest.param("Yes, twice.\n\n-- \nMaya Cohen\nProduct Manager", "Yes, twice.", id="signature"),
        pytest.param("Yes, twice.\n--\nMaya Cohen", "Yes, twice.", id="signature-no-space"),
        pytest.param(
            "On Mon, 2 Nov 2026 at 09:00, Ada <ada@example.org> wrote:\n> 1. Did you meet this month? (yes/no)\n"
            "\nYes\n\n> 2. How many times?\ntwice\n>\n> Thank you!\n",
            "Yes\n\ntwice",
            id="inline-answers-kept",
        ),
        pytest.param("On Monday we met.\nIt went well.", "On Monday we met.\nIt went well.", id="not-attribution"),
        pytest.param("From: my side, all good.\nThanks", "From: my side, all good.\nThanks", id="not-a-header"),
        pytest.param("\r\n\r\nYes   \r\n\r\n\r\n\r\nTwice\r\n\r\n", "Yes\n\nTwice", id="whitespace-normalised"),
        pytest.param("", "", id="empty"),
        pytest.param("> only a quote\n> nothing new", "", id="quote-only"),
    ],
)
def test_new_text(text: str, expected: str) -> None:
    assert new_text(text) == expected


@pytest.mark.parametrize(
    "attribution",
    [
        "Le lun. 2 nov. 2026 à 09:00, Ada <ada@example.org> a écrit :",
        "Am Mo., 2. Nov. 2026 um 09:00 Uhr schrieb Ada <ada@example.org>:",
        "El lun, 2 nov 2026 a las 9:00, Ada (<ada@example.org>) escribió:",
        "Op ma 2 nov. 2026 om 09:00 schreef Ada <ada@example.org>:",
        "Il giorno lun 2 nov 2026 alle 09:00 Ada <ada@example.org> ha scritto:",
    ],
    ids=["fr", "de", "es", "nl", "it"],
)
def test_translated_attributions(attribution: str) -> None:
    assert new_text(f"Oui, deux fois.\n\n{attribution}\n{QUOTE}") == "Oui, deux fois."


@pytest.mark.parametrize(
    ("line", "expected"),
    [("> yes", (1, "yes")), (">> yes", (2, "yes")), ("> > yes", (2, "yes")), ("yes > no", (0, "yes > no"))],
)
def test_split_quote(line: str, expected: tuple[int, str]) -> None:
    assert split_quote(line) == expected


@pytest.mark.parametrize(
    "garbage",
    ["a" * 1_000_000, "\n" * 1_000_000, "> " * 500_000, ("On " + "x" * 300 + " wrote\n") * 3000, "1" * 1_000_000],
)
def test_large_input_is_fast(garbage: str) -> None:
    with cpu_budget(10):
        new_text(garbage)


def test_a_text_read_twice_reads_the_same_and_each_caller_gets_its_own_flags() -> None:
    """A reply is read for a command and then for answers; the second reading is remembered, never shared."""
    lines = ["Yes, twice.", "", "On Mon, 2 Nov 2026 at 09:00, Ada <ada@example.org> wrote:", "> 1. Did you meet?"]
    first = new_line_flags(lines)
    assert first == [True, True, False, False]
    first[0] = False
    assert new_line_flags(list(lines)) == [True, True, False, False]
