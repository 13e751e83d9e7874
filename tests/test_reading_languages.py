"""The reader on our own fixtures (tests/fixtures/replies, tests/fixtures/forwards): every client, many languages,
top- and bottom-posted, interleaved, HTML-only; and the phrase tables that make it so (issue 15)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from assistant.mail.forwarded import unwrap
from assistant.mail.phrases import LANGUAGES, alternation, tables
from assistant.mail.reply_text import is_footer, new_text, reply_text

FIXTURES = Path(__file__).parent / "fixtures"
REPLIES = json.loads((FIXTURES / "replies" / "manifest.json").read_text(encoding="utf-8"))["cases"]
FORWARDS = json.loads((FIXTURES / "forwards" / "manifest.json").read_text(encoding="utf-8"))["cases"]


def _same(text: str | None) -> str:
    """Compared as the shared corpus's scorer compares: whitespace runs are one space."""
    return " ".join((text or "").split())


@pytest.mark.parametrize("case", REPLIES, ids=lambda c: c["id"])
def test_each_reply_fixture_reads_as_expected(case: dict) -> None:
    from assistant.mail.reply_text import extract_reply

    raw = (FIXTURES / "replies" / case["input"]).read_bytes()
    expected = (FIXTURES / "replies" / case["expected"]).read_text(encoding="utf-8")
    assert _same(extract_reply(raw)) == _same(expected)


@pytest.mark.parametrize("case", FORWARDS, ids=lambda c: c["id"])
def test_each_forward_fixture_has_every_field_right(case: dict) -> None:
    got = unwrap((FIXTURES / "forwards" / case["input"]).read_bytes())
    expected = json.loads((FIXTURES / "forwards" / case["expected"]).read_text(encoding="utf-8"))
    assert {k: _same(v) if isinstance(v, str) else v for k, v in got.items() if k in expected} == {
        k: _same(v) if isinstance(v, str) else v for k, v in expected.items()
    }


def test_the_fixtures_cover_every_client_and_many_languages() -> None:
    clients = {c["client"] for c in REPLIES}
    assert {"gmail", "outlook", "apple", "iphone", "android", "thunderbird", "yahoo", "html"} <= clients
    assert len({c["language"] for c in REPLIES}) >= 25
    assert {"top", "bottom", "inline"} <= {c["style"] for c in REPLIES}


def test_at_least_25_languages_have_footers_and_headers_including_right_to_left_and_cjk() -> None:
    full = [t for t in tables() if (t.footers or t.footer_endings) and t.header_from and t.header_subject]
    assert len(full) >= 25
    assert {"ar", "he", "fa", "zh", "ja", "ko", "pl", "el", "tr", "ru", "uk", "cs", "hu", "ro"} <= {
        t.language for t in full
    }
    assert len(LANGUAGES) == len(set(LANGUAGES))


def test_phrases_are_text_not_patterns() -> None:
    """A contributor writes phrases as they appear: dots and brackets are matched literally."""
    assert re.fullmatch(f"(?:{alternation('wrote')})", "napisał(a)")  # brackets, not a group
    assert re.fullmatch(f"(?:{alternation('header_cc')})", "Kopie \t(CC)")  # a blank stands for any run of blanks


@pytest.mark.parametrize(
    "line",
    ["Az iPhone-omról küldve", "Trimis de pe iPhone-ul meu", "iPhone'umdan gönderildi", "내 iPhone에서 보냄",
     "נשלח מה-iPhone שלי", "أرسلت من الـ iPhone", "Στάλθηκε από το iPhone μου", "Wysłane z iPhone'a"],
)  # fmt: skip
def test_mobile_footers_in_other_languages(line: str) -> None:
    assert is_footer(line)


def test_a_sentence_ending_in_a_footer_word_is_not_a_footer() -> None:
    assert not is_footer("A levelet tegnap küldve")  # no device named: kept


def test_a_short_paragraph_starting_like_a_disclaimer_is_kept() -> None:
    assert new_text("Yes, twice.\n\nDisclaimer: 4/5") == "Yes, twice.\n\nDisclaimer: 4/5"


def test_a_name_and_one_phone_line_after_a_sign_off_are_kept() -> None:
    text = "Yes, twice.\n\nMvh,\nPerson A\n070-0000000\n\nOn Thu, 20 Jun 2024, A <a@b.example> wrote:\n> Q"
    assert new_text(text) == "Yes, twice.\n\nMvh,\nPerson A\n070-0000000"


def test_a_signature_block_with_prose_is_kept() -> None:
    text = "Yes.\n\nBest regards,\nKlara\nI will call you at +49 30 1234567.\nSee you then"
    assert new_text(text) == text


def test_bottom_posted_answer_below_the_quote_is_read() -> None:
    text = "On 20/06/2024 16:20, A <a@b.example> wrote:\n> Did you meet?\n\nYes, twice.\n\n-- \nKlara"
    assert reply_text(text) == "Yes, twice."


def test_a_wrapped_attribution_does_not_swallow_the_answer_above_it() -> None:
    text = "Ja.\n4/5\n\nczw., 20 cze 2024 o 16:20 A <a@b.example> napisał(a):\n\n> Pytanie"
    assert new_text(text) == "Ja.\n4/5"
