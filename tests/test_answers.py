"""read_answers: every reply style we expect, and the rule that doubt means unclear, never a guess."""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path

import pytest

from assistant.forms.answers import Answer, Reading, read_answers
from assistant.forms.form import Form, Question, load_form
from tests.budget import cpu_budget

FORM = load_form(Path(__file__).parent.parent / "templates/forms/monthly.yaml")

PROMPT = """Hi Maya,

It's time for your November check-in about your mentoring with Dana. Just reply: answer after each number, \
or in your own words.

1. Did you meet this month? (yes/no)
2. How many times?
3. What did you work on?
4. How is it going, from 1 (poorly) to 5 (great)?
5. Anything I could help with? (This goes only to the coordinator.) (optional)

Thank you!
Ada, for the Example Mentoring Program"""

GMAIL_HEADER = "On Mon, 2 Nov 2026 at 09:00, Ada <ada@example.org> wrote:"
OUTLOOK_HEADER = "From: Ada <ada@example.org>\nSent: Monday, November 2, 2026 9:00 AM\nTo: Maya\nSubject: Check-in"
ALL = {"met": "yes", "meetings": "2", "topics": "My CV", "rating": "4"}


def quoted(text: str, prefix: str = "> ") -> str:
    return "\n".join(prefix + line if line else prefix.rstrip() for line in text.splitlines())


def under_questions(answers: dict[int, str], prefix: str = "> ", blank: bool = False) -> str:
    """The prompt quoted, with the person's answers typed below the questions (inline reply)."""
    out = []
    for line in PROMPT.splitlines():
        out.append(prefix + line if line else prefix.rstrip())
        number = line.split(".", 1)[0]
        if number.isdigit() and int(number) in answers:
            out.extend(["", answers[int(number)], ""] if blank else [answers[int(number)]])
    return "\n".join(out)


def values(reading: Reading) -> dict[str, str]:
    return {key: answer.value for key, answer in reading.answers.items()}


# --------------------------------------------------------------------------- whole replies


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "1. yes\n2. 2\n3. My CV\n4. 4\n\nThanks,\nMaya\n\n" + GMAIL_HEADER + "\n\n" + quoted(PROMPT),
            ALL,
            id="gmail-numbered-top-posted",
        ),
        pytest.param(
            "1) Yes\n2) twice\n3) My CV\n4) 4/5\n5) nothing, thanks!\n\nMaya\n\n"
            + GMAIL_HEADER
            + "\n"
            + quoted(PROMPT),
            ALL,
            id="parenthesis-numbers-and-name",
        ),
        pytest.param("#1 yes\n#2 2x\n#3 My CV\n#4 4 out of 5", ALL, id="hash-numbers"),
        pytest.param("Q1: yes\nQ2: 2 times\nQ3: My CV\nQ4: four", ALL, id="q-numbers"),
        pytest.param("1: yep\n2: two\n3: My CV\n4: 4 - great", ALL, id="colon-numbers"),
        pytest.param("1 - yes\n2 - 2\n3 - My CV\n4 - 4", ALL, id="dash-numbers"),
        pytest.param(
            "1. Did you meet this month? (yes/no) Yes\n2. How many times? 2\n3. What did you work on? My CV\n"
            "4. How is it going, from 1 (poorly) to 5 (great)? 4",
            ALL,
            id="numbered-repeating-questions",
        ),
        pytest.param(
            "1. Did you meet this month? Yes!\n2. How many times? twice\n3. What did you work on?\nMy CV\n"
            "4. How is it going, from 1 (poorly) to 5 (great)?\n4",
            ALL,
            id="repeated-questions-answer-on-next-line",
        ),
        pytest.param("Met: yes\nMeetings: 2\nTopics: My CV\nRating: 4/5", ALL, id="labelled"),
        pytest.param("met up: Yeah\ntimes: 2\nworked on: My CV\nscore: 4", ALL, id="labelled-with-labels"),
        pytest.param("MEET: y\nHow many: 2\nTopic: My CV\nGoing: 4", ALL, id="labels-case-insensitive"),
        pytest.param(
            GMAIL_HEADER + "\n" + under_questions({1: "Yes", 2: "twice", 3: "My CV", 4: "4"}, blank=True),
            ALL,
            id="gmail-inline-under-questions",
        ),
        pytest.param(
            "On 2 Nov 2026, at 09:00, Ada <ada@example.org> wrote:\n\n"
            + under_questions({1: "Yes", 2: "2", 3: "My CV", 4: "4"}),
            ALL,
            id="apple-mail-inline",
        ),
        pytest.param(under_questions({1: "Yes", 2: "2", 3: "My CV", 4: "4"}, prefix=">> "), ALL, id="double-quote"),
        pytest.param(under_questions({1: "Yes", 2: "2", 3: "My CV", 4: "4"}, prefix="> > "), ALL, id="spaced-quote"),
        pytest.param(
            OUTLOOK_HEADER + "\n\n" + under_questions({1: "Yes", 2: "2", 3: "My CV", 4: "4"}, prefix=""),
            ALL,
            id="outlook-inline-unquoted-history",
        ),
        pytest.param(
            "1. yes\n2. 2\n3. My CV\n4. 4\n\n" + OUTLOOK_HEADER + "\n\n" + PROMPT,
            ALL,
            id="outlook-top-posted",
        ),
        pytest.param(
            "1. yes\n2. 2\n3. My CV\n4. 4\n\nSent from my iPhone\n\nOn 2 Nov 2026, at 09:00, Ada <ada@example.org>"
            " wrote:\n\n" + quoted(PROMPT),
            ALL,
            id="iphone",
        ),
        pytest.param(
            "Sent from my iPhone\n\nOn 2 Nov 2026, at 09:00, Ada wrote:\n\n"
            + under_questions({1: "Yes", 2: "2", 3: "My CV", 4: "4"}),
            ALL,
            id="iphone-inline-footer-on-top",
        ),
        pytest.param(
            "Hi Ada,\n\n1. yes\n2. 2\n3. My CV\n4. 4\n\n-- \nMaya Cohen\n1. Senior Designer\n\n" + GMAIL_HEADER,
            ALL,
            id="greeting-and-signature-ignored",
        ),
        pytest.param(
            # What the HTML converter makes of an HTML reply: paragraphs apart, the quote as "> " lines.
            "1. Yes\n\n2. 2\n\n3. My CV\n\n4. 4\n\n" + GMAIL_HEADER + "\n\n> Hi Maya,\n>\n"
            "> 1. Did you meet this month? (yes/no)\n>\n> 2. How many times?\n>\n> Thank you!\n",
            ALL,
            id="html-converted",
        ),
        pytest.param(
            GMAIL_HEADER + "\n> 1. Did you meet this month? (yes/no)\n>\n\nYes\n\n>\n> 2. How many times?\n>\n\n2\n\n"
            ">\n> 3. What did you work on?\n>\n\nMy CV\n\n>\n> 4. How is it going, from 1 (poorly) to 5 (great)?"
            "\n>\n\n4\n\n>\n> Thank you!\n",
            ALL,
            id="html-converted-inline",
        ),
        pytest.param(
            "3. What did you work on?\nMy CV\n\n" + GMAIL_HEADER + "\n" + under_questions({1: "Yes", 2: "2", 4: "4"}),
            ALL,
            id="mixed-top-and-inline",
        ),
        pytest.param(
            "Hi Ada,\n\nYes, twice — we worked on my promotion case. I'd say 4/5.\n\nMaya\n\n"
            + GMAIL_HEADER
            + "\n"
            + quoted(PROMPT),
            {"met": "yes", "meetings": "2", "topics": "we worked on my promotion case", "rating": "4"},
            id="plain-words",
        ),
        pytest.param(
            "We haven't met yet, but it's going fine, 3 out of 5\n\n" + GMAIL_HEADER + "\n" + quoted(PROMPT),
            {"met": "no", "rating": "3"},
            id="plain-words-not-met",
        ),
        pytest.param("Yes we met once. Busy month!", {"met": "yes", "meetings": "1"}, id="plain-words-once"),
        pytest.param(
            "We talked about salary negotiation. It was great, 5/5",
            {"topics": "We talked about salary negotiation", "rating": "5"},
            id="plain-words-topics",
        ),
        pytest.param("It's going OK, we're still getting to know each other.", {}, id="plain-words-nothing-sure"),
        pytest.param("1. 👍\n2. 2 🎉\n3. My CV ✨\n4. 4 😀", {**ALL, "topics": "My CV ✨"}, id="emoji"),
        pytest.param("1. yes\r\n2. 2\r\n3. My CV\r\n4. 4\r\n", ALL, id="crlf"),
    ],
)
def test_reply_styles(text: str, expected: dict[str, str]) -> None:
    reading = read_answers(text, FORM)
    assert values(reading) == expected
    assert reading.unclear == {}


def test_raw_is_what_was_written() -> None:
    reading = read_answers("1. Yep!\n2. twice\n4. 4 out of 5 :)", FORM)
    assert reading.answers["met"] == Answer("met", "yes", "Yep!")
    assert reading.answers["meetings"] == Answer("meetings", "2", "twice")
    assert reading.answers["rating"] == Answer("rating", "4", "4 out of 5 :)")


def test_multi_line_text_answer_runs_until_next_number() -> None:
    text = "1. yes\n2. 2\n3. We went through my CV,\nthen interview practice.\n\nAlso networking.\n4. 5\n"
    assert read_answers(text, FORM).answers["topics"].value == (
        "We went through my CV,\nthen interview practice.\n\nAlso networking."
    )


def test_help_is_kept_for_the_coordinator() -> None:
    reading = read_answers("1. yes\n2. 1\n3. CV\n4. 2\n5. Dana keeps cancelling.\nCould you talk to her?", FORM)
    assert reading.answers["help"].value == "Dana keeps cancelling.\nCould you talk to her?"


def test_question_wrapped_in_the_quote() -> None:
    text = (
        GMAIL_HEADER + "\n> 5. Anything I could help with? (This goes only to the\n> coordinator.) (optional)\n"
        "A room for our meetings\n>\n> Thank you!"
    )
    assert values(read_answers(text, FORM)) == {"help": "A room for our meetings"}


def test_follow_up_note_in_the_quote_is_not_an_answer() -> None:
    text = (
        "Thanks!\n\n" + GMAIL_HEADER + "\n> 4. How is it going, from 1 (poorly) to 5 (great)? "
        '(I read "3 or 4" and wasn\'t sure)\n'
    )
    reading = read_answers(text, FORM, asked=["rating"])
    assert reading.answers == {}
    assert reading.unclear == {}
    assert reading.missing == ("rating",)


def test_answer_typed_inside_the_quote_counts_when_nothing_else_answers() -> None:
    text = GMAIL_HEADER + "\n> 1. Did you meet this month? (yes/no) Yes\n> 2. How many times?\n"
    assert values(read_answers(text, FORM)) == {"met": "yes"}


def test_old_answers_in_an_older_message_are_ignored() -> None:
    text = (
        "4. 5\n\n" + OUTLOOK_HEADER + "\n\nHi Maya, one more thing:\n4. How is it going, from 1 (poorly) to 5 (great)?"
        "\n\n" + OUTLOOK_HEADER + "\n\n1. Did you meet this month? (yes/no)\nNo\n"
    )
    assert values(read_answers(text, FORM)) == {"rating": "5"}


# --------------------------------------------------------------------------- partial, unclear, only_if


def test_partial_answers_leave_the_rest_missing() -> None:
    reading = read_answers("1. yes\n4. 5", FORM)
    assert values(reading) == {"met": "yes", "rating": "5"}
    assert reading.missing == ("meetings", "topics")


def test_not_met_makes_meetings_and_topics_not_required() -> None:
    reading = read_answers("1. no\n4. 3", FORM)
    assert values(reading) == {"met": "no", "rating": "3"}
    assert reading.missing == ()


def test_nothing_readable_everything_missing() -> None:
    reading = read_answers("Will reply properly tomorrow!", FORM)
    assert reading == Reading(answers={}, unclear={}, missing=("met", "meetings", "topics", "rating"))


@pytest.mark.parametrize(
    ("text", "unclear_key"),
    [
        pytest.param("1. yes and no", "met", id="yes-and-no"),
        pytest.param("1. sort of", "met", id="sort-of"),
        pytest.param("1. Yes, but not really", "met", id="contradictory-yes-no"),
        pytest.param("1. maybe", "met", id="maybe"),
        pytest.param("2. a couple", "meetings", id="a-couple"),
        pytest.param("2. a few times", "meetings", id="a-few"),
        pytest.param("2. once or twice", "meetings", id="once-or-twice"),
        pytest.param("2. 2.5", "meetings", id="fraction-count"),
        pytest.param("2. lots", "meetings", id="vague-count-word"),
        pytest.param("4. 3 or 4", "rating", id="two-numbers"),
        pytest.param("4. 3-4", "rating", id="range"),
        pytest.param("4. 3.5", "rating", id="decimal"),
        pytest.param("4. 7", "rating", id="out-of-range"),
        pytest.param("4. 0", "rating", id="below-range"),
        pytest.param("4. 8/10", "rating", id="other-denominator"),
        pytest.param("4. great", "rating", id="no-number"),
        pytest.param("1. yes\nMet: no", "met", id="numbered-and-labelled-disagree"),
        pytest.param("4. 4\nRating: 5", "rating", id="answered-twice-differently"),
        pytest.param("1. no\n2. 3", "met", id="not-met-but-met-three-times"),
        pytest.param("1. yes\n2. 0", "meetings", id="met-but-zero-times"),
    ],
)
def test_doubt_goes_to_unclear(text: str, unclear_key: str) -> None:
    reading = read_answers(text, FORM)
    assert unclear_key in reading.unclear
    assert unclear_key not in reading.answers
    if FORM.question(unclear_key).required:
        assert unclear_key in reading.missing


def test_unclear_keeps_the_raw_text() -> None:
    assert read_answers("2. a couple of times", FORM).unclear == {"meetings": "a couple of times"}


def test_same_answer_twice_is_fine() -> None:
    assert values(read_answers("1. yes\nMet: Yes!", FORM)) == {"met": "yes"}


@pytest.mark.parametrize(
    "help_text", ["no", "Nothing", "none", "n/a", "-", "All good", "nothing, thanks!", "No, all good :)"]
)
def test_optional_text_saying_nothing_is_no_answer(help_text: str) -> None:
    reading = read_answers(f"1. yes\n2. 2\n3. CV\n4. 4\n5. {help_text}", FORM)
    assert "help" not in reading.answers
    assert "help" not in reading.unclear
    assert reading.missing == ()


# --------------------------------------------------------------------------- value readers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *(
            (word, "yes")
            for word in [
                "yes",
                "Y",
                "yep",
                "Yeah!",
                "yup",
                "sure",
                "of course",
                "We did",
                "indeed",
                "Absolutely",
                "👍",
                "Yes, twice",
            ]
        ),
        *(
            (word, "no")
            for word in [
                "no",
                "N",
                "nope",
                "Not yet",
                "we didn't",
                "We did not",
                "haven't",
                "not really",
                "nah",
                "No, we didn\u2019t",
            ]
        ),
    ],
)
def test_yes_no_words(raw: str, expected: str) -> None:
    assert values(read_answers(f"1. {raw}", FORM)) == {"met": expected}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("3", "3"),
        ("zero", "0"),
        ("none", "0"),
        ("once", "1"),
        ("Twice!", "2"),
        ("thrice", "3"),
        ("twelve", "12"),
        ("2 times", "2"),
        ("2x", "2"),
        ("three times", "3"),
    ],
)
def test_counts(raw: str, expected: str) -> None:
    assert values(read_answers(f"Meetings: {raw}", FORM)) == {"meetings": expected}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("4", "4"), ("4/5", "4"), ("4 out of 5", "4"), ("four", "4"), ("4 - great", "4"), ("1", "1"), ("5!", "5")],
)
def test_scales(raw: str, expected: str) -> None:
    assert values(read_answers(f"4. {raw}", FORM)) == {"rating": expected}


DATE_FORM = Form(
    name="dates",
    title="Dates",
    questions=(Question(key="next", text="When do you meet next?", type="date", labels=("next meeting",)),),
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-11-30", "2026-11-30"),
        ("30 Nov 2026", "2026-11-30"),
        ("30th November 2026", "2026-11-30"),
        ("November 30, 2026", "2026-11-30"),
        ("Sept 3, 2026", "2026-09-03"),
        ("30/11/2026", "2026-11-30"),
        ("11/30/2026", "2026-11-30"),
        ("05/05/2026", "2026-05-05"),
    ],
)
def test_dates(raw: str, expected: str) -> None:
    assert values(read_answers(f"1. {raw}", DATE_FORM)) == {"next": expected}


@pytest.mark.parametrize("raw", ["03/04/2026", "31 Nov 2026", "next Tuesday", "30 Nov", "1 or 2 Dec 2026"])
def test_unreadable_dates_are_unclear(raw: str) -> None:
    reading = read_answers(f"Next meeting: {raw}", DATE_FORM)
    assert reading.unclear == {"next": raw}
    assert reading.missing == ("next",)


# --------------------------------------------------------------------------- asked subsets


@pytest.mark.parametrize(
    ("asked", "text", "expected"),
    [
        pytest.param(["rating"], "4", {"rating": "4"}, id="bare-number"),
        pytest.param(["rating"], "Hi Ada,\n\n4/5\n\nThanks,\nMaya", {"rating": "4"}, id="bare-with-greeting"),
        pytest.param(["rating"], "4.\n\n" + GMAIL_HEADER + "\n> 4. How is it going?", {"rating": "4"}, id="number-dot"),
        pytest.param(["met"], "Not yet", {"met": "no"}, id="bare-yes-no"),
        pytest.param(["meetings"], "We met twice", {"meetings": "2"}, id="bare-count"),
        pytest.param(["topics"], "Mostly my CV.", {"topics": "Mostly my CV."}, id="bare-text"),
        pytest.param(["meetings", "rating"], "2. three\n4. 5", {"meetings": "3", "rating": "5"}, id="original-numbers"),
        pytest.param(["rating"], "1. yes\n4. 5", {"rating": "5"}, id="not-asked-ignored"),
    ],
)
def test_asked_subset(asked: list[str], text: str, expected: dict[str, str]) -> None:
    reading = read_answers(text, FORM, asked=asked)
    assert values(reading) == expected
    assert reading.missing == ()


def test_asked_subset_missing_only_among_asked() -> None:
    reading = read_answers("Will check my calendar", FORM, asked=["meetings"])
    assert reading.missing == ("meetings",)


def test_bare_two_numbers_for_one_question_is_unclear() -> None:
    reading = read_answers("3 or 4", FORM, asked=["rating"])
    assert reading.unclear == {"rating": "3 or 4"}


def test_unknown_asked_key_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="nope"):
        read_answers("1. yes", FORM, asked=["nope"])


def test_a_changed_form_is_read_by_its_own_wording() -> None:
    questions = (*FORM.questions, Question(key="goal", text="What is your next goal?", type="text", required=False))
    form = replace(FORM, questions=questions)
    reading = read_answers(f"{len(questions)}. Get promoted\n1. yes", form)
    assert values(reading) == {"met": "yes", "goal": "Get promoted"}


# --------------------------------------------------------------------------- robustness


def _garbage(seed: int) -> str:
    rnd = random.Random(seed)
    pieces = [
        *("1.", "2)", "#3", "Q4:", "> ", ">>", "\n", " ", "\t", "\r\n", "\x00", "(", ")", "\u2014", "\u2019", "\u200b"),
        *("yes", "no", "twice", "4/5", "3.5", "999999999999", "30/11/2026", "Met:", "wrote:", "On ", "😀", "é"),
        *("From: x\nSent: y\nTo: z\n", "-- \n", "Sent from my iPhone", "Did you meet this month?", "(yes/no)"),
    ]
    return "".join(rnd.choice(pieces) for _ in range(rnd.randrange(0, 400)))


@pytest.mark.parametrize("seed", range(200))
def test_never_raises(seed: int) -> None:
    text = _garbage(seed)
    reading = read_answers(text, FORM)
    for answer in reading.answers.values():
        assert answer.value  # whatever we record has a value
    read_answers(text, FORM, asked=["rating"])


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param("".join(random.Random(7).choice("ab 1./:>\n😀yes") for _ in range(1_000_000)), id="random"),
        pytest.param("1. yes\n" * 150_000, id="numbered-lines"),
        pytest.param("\n" * 1_000_000, id="blank-lines"),
        pytest.param("9" * 1_000_000, id="digits"),
        pytest.param("> 1. Did you meet this month?\nyes\n" * 25_000, id="inline"),
        pytest.param("we met twice 4/5 " * 60_000, id="plain-words"),
    ],
)
def test_one_megabyte_of_garbage_is_quick(garbage: str) -> None:
    with cpu_budget(10):
        read_answers(garbage, FORM)
        read_answers(garbage, FORM, asked=["rating"])


# --------------------------------------------------------------------------- our own mails in the history

REAL_PROMPT_TAIL = (
    "5. Anything I could help with? (This goes only to the coordinator.) (optional)\n\n"
    "It takes a minute, and it helps Ada keep the program working for you. If you haven't met yet, this is a good "
    "moment to suggest a time to Dana: you set the pace.\n\nThank you!\nAda\nExample Mentoring Program"
)


def test_our_text_after_the_questions_is_not_an_answer() -> None:
    text = "1. yes\n2. 2\n3. My CV\n4. 4\n\n" + OUTLOOK_HEADER + "\n\nHi Maya,\n\n" + REAL_PROMPT_TAIL
    reading = read_answers(text, FORM)
    assert values(reading) == ALL
    assert "help" not in reading.unclear


def test_answer_typed_right_below_the_last_question_in_outlook() -> None:
    text = "Done!\n\n" + OUTLOOK_HEADER + "\n\n" + REAL_PROMPT_TAIL.replace("(optional)\n", "(optional)\nA room\n")
    assert values(read_answers(text, FORM)) == {"help": "A room"}


@pytest.mark.parametrize("as_quote", [True, False], ids=["gmail", "outlook"])
def test_correcting_what_we_recorded(as_quote: bool) -> None:
    echo = (
        "Thank you! Here is what I recorded for November:\n\n1. Did you meet this month? yes\n"
        "2. How many times? 2\n4. How is it going, from 1 (poorly) to 5 (great)? 4\n\n"
        "If anything is wrong, just reply with the right answer and I'll replace it."
    )
    history = GMAIL_HEADER + "\n" + quoted(echo) if as_quote else OUTLOOK_HEADER + "\n\n" + echo
    reading = read_answers("Sorry, it's more like 3.\n4. 3\n\n" + history, FORM)
    assert reading.answers["rating"].value == "3"
    assert reading.unclear == {}


@pytest.mark.parametrize(
    "text",
    ["We meet next week, finally!", "We haven't met, we meet next week", "I'd like to meet more often."],
)
def test_plain_words_about_a_future_meeting_are_not_a_yes(text: str) -> None:
    assert read_answers(text, FORM).answers.get("met", Answer("met", "no", "")).value == "no"


def test_numbered_list_inside_a_text_answer_is_never_misread() -> None:
    reading = read_answers("1. yes\n2. 2\n3. Two things:\n1. my CV\n2. interviews\n4. 4", FORM)
    assert reading.answers.get("met") is None and reading.answers.get("meetings") is None
    assert {"met", "meetings"} <= set(reading.unclear)
    assert values(reading)["rating"] == "4"
