"""The reader on public fixtures it was not written alongside (tests/fixtures/public/<source>/, each with its
licence, repository, commit and path, and the expectation its own tests assert): per-source and per-language floors,
so a change that reads them worse fails. `python tests/public_fixtures.py --misses` prints the figures and misses."""

from __future__ import annotations

import json

import pytest

from tests.public_fixtures import PUBLIC, cases, scores

# The figures measured when each floor was set; raise them when the reader gets better, never lower them.
FLOORS = {
    "ALL": 42,
    "source:talon": 41,
    "source:crisp": 1,
    "language:en": 28,
    "language:de": 4,
}


def test_every_source_has_its_licence_and_provenance() -> None:
    for folder in sorted(p for p in PUBLIC.iterdir() if p.is_dir()):
        assert (folder / "LICENSE").read_text(encoding="utf-8").strip(), folder
        assert (folder / "SOURCE.md").exists(), folder
        for case in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["cases"]:
            assert case["license"] in {"MIT", "BSD-2-Clause", "BSD-3-Clause", "Apache-2.0"}, case["id"]
            assert case["source_repository"].startswith("https://github.com/"), case["id"]
            assert len(case["source_commit"]) == 40 and case["source_path"] and case["expected_from"], case["id"]
            assert (folder / case["input"]).exists() and (folder / case["expected"]).exists(), case["id"]
            # A variant is a difference of contract, and says so.
            assert not case["expected_variants"] or case.get("contract_note"), case["id"]


def test_no_fixture_comes_from_a_held_out_repository() -> None:
    held_out = {"edgetier/email-reply-parser", "hellogustav/elixir_email_reply_parser",
                "fiedl/extended_email_reply_parser", "web-ridge/email-reply-parser",
                "felipehertzer/email-forward-parser-py"}  # fmt: skip
    for case in cases():
        assert case["source_repository"].removeprefix("https://github.com/").lower() not in held_out


@pytest.mark.parametrize("group", sorted(FLOORS))
def test_public_fixture_scores_do_not_fall_below_their_floor(group: str) -> None:
    right, total = scores()[group]
    assert right >= FLOORS[group], f"{group}: {right}/{total}, floor {FLOORS[group]}"


def test_an_answer_on_the_attribution_line_is_kept() -> None:
    """talon's "reply On Wed, … wrote:": the line was dropped whole, and the answer with it."""
    from assistant.mail.reply_text import new_text

    quote = "\n> Hi"
    assert new_text("reply On Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:" + quote) == "reply"
    assert new_text("yes\nbla - bla--- On Wed, Apr 4, 2012 at 3:59 PM, me@x.com wrote:" + quote) == "yes\nbla - bla"
    # A sentence that only mentions a day is not split, and a whole attribution stays dropped.
    assert new_text("We met On Monday and it went well.") == "We met On Monday and it went well."
    assert new_text("4/5\nOn Wed, Apr 4, 2012 at 3:59 PM, bob@example.com wrote:" + quote) == "4/5"


def test_a_long_line_of_openers_is_read_in_linear_time() -> None:
    import time

    from assistant.mail.reply_text import new_text

    line = "x On " * 80 + "Wed, 2012 bob@example.com wrote:"
    start = time.perf_counter()
    new_text((line + "\n") * 20_000)
    assert time.perf_counter() - start < 5
