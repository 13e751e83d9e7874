"""The reader on public fixtures it was not written alongside (tests/fixtures/public/<source>/, each with its
licence, repository, commit and path, and the expectation its own tests assert): per-source and per-language floors,
so a change that reads them worse fails. `python tests/public_fixtures.py --misses` prints the figures and misses."""

from __future__ import annotations

import json
import re

import pytest

from tests.public_fixtures import PUBLIC, cases, scores

# The figures measured when each floor was set; raise them when the reader gets better, never lower them.
FLOORS = {
    "ALL": 86,
    "source:talon": 45,
    "source:crisp": 3,
    "source:github": 21,
    "source:willdurand": 17,
    "language:en": 45,
    "language:de": 8,
    "language:fr": 7,
    "language:es": 3,
    "language:it": 2,
    "language:pl": 3,
    "language:da": 4,
    "language:nb": 2,
    "language:und": 3,
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


def test_a_long_line_of_openers_is_read_with_one_search_per_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """The work is bounded, not timed: however many openers a line repeats, splitting it looks once (a possessive
    pattern, so that one look cannot backtrack), never once per opener."""
    from assistant.mail import reply_text

    class Counted:
        def __init__(self, pattern: re.Pattern[str]) -> None:
            self.pattern, self.searches = pattern, 0

        def search(self, text: str, pos: int = 0) -> re.Match[str] | None:
            self.searches += 1
            return self.pattern.search(text, pos)

    counted = Counted(reply_text._MID_OPENER)
    monkeypatch.setattr(reply_text, "_MID_OPENER", counted)
    tail = "Wed, 2012 bob@example.com wrote:"
    openers = (reply_text._MAX_MARKER_LINE - len(tail)) // len("x On ")
    line = "x On " * openers + tail  # as many openers as a line that may be an attribution holds
    lines = 2_000
    reply_text.new_text((line + "\n") * lines)
    assert 0 < counted.searches <= lines
    counted.searches = 0  # a longer line is no attribution: it is not looked into at all
    reply_text.new_text(("x On " + line + "\n") * lines)
    assert counted.searches == 0


def test_quoted_printable_leftovers_do_not_hide_an_attribution() -> None:
    """github's quote_reply_*_multiline: "escribi=C3=B3:" and a soft break inside the address ("exampl=" / "e.com")."""
    from assistant.mail.reply_text import new_text

    es = "Sí\n\nEl mi=C3=A9, 29 jun 2022 a las 11:08, Rick (<rick@exampl=\ne.com>)\nescribi=C3=B3:\n\n> Hello\n>"
    fr = "Oui\n\nLe mer. 29 juin 2022 =C3=A0 12:32, Rick <rick@example.com=\n> a =C3=A9crit :\n\n> Hello\n>"
    assert new_text(es) == "Sí"
    assert new_text(fr) == "Oui"
    # A person's own "=" is text: "4=5" or "a = b" stays.
    assert new_text("4=5 and a = b\nyes") == "4=5 and a = b\nyes"


def test_header_blocks_of_other_shapes_end_the_reply() -> None:
    from assistant.mail.reply_text import new_text

    # One line (github's email_from_name_in_quote_header), Date and To only (talon), a lone From above a quote.
    run = "Date: Tue, 2 Oct 2012 02:35:10 +0000 From: john@example.com To: Smith, Shelly Subject: Tell us"
    assert new_text(f"Yes, twice.\n\n{run}\n\nThank you for participating.") == "Yes, twice."
    assert new_text("Blah\n\nDate: Wed, 16 May 2012 00:15:02 -0600\nTo: klizhentas@example.com") == "Blah"
    assert new_text("4/5\n\nFrom: somebody@example.com\n\n<http://x.example/c/a\n>  <bob@example.com>") == "4/5"
    # Near misses are kept: a sentence naming fields, a Date/To pair with no address, a From line with no quote.
    kept = [
        "The form asks for the Date: and To: fields, and From: too.",
        "Date: next Friday\nTo: the whole group",
        "From: maria@example.com\nI moved, this is my new address.",
    ]
    for text in kept:
        assert new_text(text) == text


def test_a_mailing_list_footer_under_a_short_rule_is_dropped() -> None:
    from assistant.mail.reply_text import new_text

    footer = "__\nriak-users mailing list\nriak-users@lists.basho.com\nhttp://lists.basho.com/mailman/listinfo/riak"
    assert new_text(f"Oh thanks.\n\n-Abhishek\n\n{footer}") == "Oh thanks.\n\n-Abhishek"
    # "__" above anything else is kept (an emphasis, a blank to fill in).
    assert new_text("Yes\n__\nthe rest of my answer") == "Yes\n__\nthe rest of my answer"


def test_a_link_broken_out_of_a_quote_does_not_end_it() -> None:
    """talon's test_link_breaks_quotation_markers_sequence: the rest of a quoted link is not an inline answer."""
    from assistant.mail.reply_text import new_text

    one = "Blah\n\nOn Thursday, October 25, 2012 at 3:03 PM, Bob wrote:\n\n>\n> Post\n (http://ex.com/c/Yz) >\n> x"
    two = (
        "Blah\n\nOn Monday, 24 September, 2012 at 3:46 PM, bob wrote:\n\n> View ticket (http://ex.com/a\n_nonce=3d)\n>"
    )
    assert new_text(one) == "Blah"
    assert new_text(two) == "Blah"
    # An answer between quoted lines, even in brackets, is still an answer.
    inline = "On Mon, 1 Jan 2024 at 10:00, Bob <b@ex.com> wrote:\n> How many?\n(twice)\n> Rating?\n4/5"
    assert "(twice)" in new_text(inline) and "4/5" in new_text(inline)
