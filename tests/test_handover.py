"""Introductions that hand the pair over, requests that keep what they say, and consent read by its decisive
sentence (issue 13, points 1, 7 and 10), through the real command line: mail is dropped in the inbox Maildir,
`run --once` with `--now`, and what went out is read back from the sent Maildir as .eml files."""

from __future__ import annotations

import email
import email.policy
import email.utils
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.mail.replies import reply
from assistant.program.introductions.consent import read_consent
from assistant.program.introductions.words import her_words, split_note
from tests.conftest import CONFIG, ROOT
from tests.program_cli import Cli as ProgramCli

GRACE = ("Grace Hopper", "grace@example.org")
DANA = ("Dana Okafor", "dana.okafor@example.org")
PRIYA = ("Priya Raman", "priya.raman@example.org")
SOFIA = ("Sofia Marquez", "sofia.marquez@example.org")
ZOE = ("Zoe Mensah", "zoe.mensah@example.net")
TRUSTED = "Authentication-Results: mx.example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org"
FORWARD = (
    "Could you introduce her to Sofia? Zoe is building her first design portfolio.\n\n"
    "---------- Forwarded message ---------\nFrom: Zoe Mensah <zoe.mensah@example.net>\n"
    "Date: Sun, 29 Nov 2026 at 20:14\nSubject: Looking for a mentor\nTo: Grace Hopper <grace@example.org>\n\n"
    "Hi Grace,\n\nI'm a junior designer and I'd love a mentor who can help me put together a portfolio.\n\n"
    "Thanks so much,\nZoe\n"
)


class Cli(ProgramCli):
    """The example program, DMARC verdicts of our own server (mx.example.org) trusted."""

    def __init__(self, folder: Path):
        text = CONFIG.format(root=ROOT).replace(
            "address: mentoring@example.org}", "address: mentoring@example.org, authserv_id: mx.example.org}"
        )
        super().__init__(folder, text)

    def outcomes(self) -> list[tuple[str, str]]:
        return self.sql("SELECT from_addr, outcome FROM messages ORDER BY id")

    def goals(self, address: str) -> str:
        return self.sql("SELECT goals FROM participants WHERE email = ?", (address,))[0][0]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def _mail(sender: tuple[str, str], body: str, subject: str = "Introduction") -> bytes:
    message = EmailMessage()
    message["From"] = email.utils.formataddr(sender)
    message["To"] = "mentoring@example.org"
    message["Subject"] = subject
    message["Date"] = "Mon, 30 Nov 2026 12:30:00 +0000"
    message["Message-ID"] = email.utils.make_msgid(domain="example.org")
    message.set_content(body)
    return (TRUSTED + "\n").encode() + message.as_bytes()


WHEN = datetime.fromisoformat("2026-11-30T13:30+00:00")


def _answer(original: EmailMessage, sender: tuple[str, str], text: str) -> bytes:
    return reply(original.as_bytes(), sender, text, when=WHEN)


def _to_our_address(original: EmailMessage, sender: tuple[str, str], text: str, cc: str = "") -> bytes:
    """A reply written to the assistant's own address anyway (its From), in the thread of `original`."""
    message = email.message_from_bytes(_answer(original, sender, text), policy=email.policy.default)
    message.replace_header("To", "Ada <mentoring@example.org>")
    if cc:
        message["Cc"] = cc
    return message.as_bytes()


def _introduced(cli: Cli, mentor: tuple[str, str] = DANA) -> EmailMessage:
    """Grace asks for Zoe -> mentor; the mentor says yes; the introduction that went out."""
    cli.deliver(_mail(GRACE, f"intro: Zoe Mensah <{ZOE[1]}> -> {mentor[1]}\n\nZoe is preparing her promotion case."))
    cli.run("2026-11-30T13:00")
    [ask] = cli.sent("Would you mentor", to=mentor[1])
    cli.deliver(_answer(ask, mentor, "Yes, happy to!"))
    cli.run("2026-11-30T14:00")
    [introduction] = cli.sent("Introducing")
    return introduction


def _addresses(message: EmailMessage, header: str) -> set[str]:
    return {address for _, address in email.utils.getaddresses([str(message[header] or "")])}


def test_the_introduction_goes_to_both_with_reply_to_both(cli: Cli) -> None:
    introduction = _introduced(cli)
    assert _addresses(introduction, "To") == {DANA[1], ZOE[1]}
    assert _addresses(introduction, "Cc") == {GRACE[1]}
    assert _addresses(introduction, "Reply-To") == {DANA[1], ZOE[1]}  # the assistant is out of their conversation
    assert "mentoring" not in str(introduction["Reply-To"])
    assert "a reply to this email goes to you both" in introduction.get_body(("plain",)).get_content()


def test_a_plain_reply_to_the_introduction_reaches_the_other_person(cli: Cli) -> None:
    introduction = _introduced(cli)
    raw = _answer(introduction, DANA, "Lovely to meet you! Thursday at 5?")
    assert _addresses(email.message_from_bytes(raw, policy=email.policy.default), "To") == {DANA[1], ZOE[1]}


def test_a_mentors_reply_to_the_assistant_in_the_thread_reaches_the_mentee_and_is_not_held(cli: Cli) -> None:
    introduction = _introduced(cli)
    cli.deliver(_to_our_address(introduction, DANA, "Lovely to meet you! Thursday at 5?"))
    cli.run("2026-11-30T15:00")
    assert cli.outcomes()[-1] == (DANA[1], "pair_message_passed")
    [passed] = cli.sent(to=ZOE[1], subject="Re: Introducing")
    assert passed["To"] and _addresses(passed, "To") == {ZOE[1]} and _addresses(passed, "Cc") == {DANA[1]}
    assert _addresses(passed, "Reply-To") == {DANA[1], ZOE[1]}
    assert "Thursday at 5?" in passed.get_body(("plain",)).get_content()
    assert not [m for m in cli.sent() if GRACE[1] in str(m["To"]) and "Thursday" in str(m.get_body(("plain",)))]

    # Her answer, also to the assistant, goes back to Dana: the thread stays theirs.
    cli.deliver(_to_our_address(passed, ZOE, "Thursday works, see you then!"))
    cli.run("2026-11-30T16:00")
    assert cli.outcomes()[-1] == (ZOE[1], "pair_message_passed")
    assert [m for m in cli.sent(to=DANA[1]) if "see you then" in m.get_body(("plain",)).get_content()]


def test_a_reply_all_that_already_reached_the_other_person_is_not_passed_twice(cli: Cli) -> None:
    introduction = _introduced(cli)
    cli.deliver(_to_our_address(introduction, ZOE, "Thank you both!", cc=f"{DANA[0]} <{DANA[1]}>"))
    cli.run("2026-11-30T15:00")
    assert cli.outcomes()[-1] == (ZOE[1], "pair_reply_seen")
    assert not cli.sent(to=DANA[1], subject="Re: Introducing")


def test_a_forwarded_request_keeps_her_goals_and_leaves_the_instruction_out(cli: Cli) -> None:
    cli.deliver(_mail(GRACE, FORWARD, subject="Fwd: Looking for a mentor"))
    cli.run("2026-11-30T13:00")
    goals = cli.goals(ZOE[1])
    assert "junior designer" in goals and "portfolio" in goals
    assert "Hi Grace" not in goals and "Thanks" not in goals
    [ask] = cli.sent("Would you mentor", to=SOFIA[1])
    ask_text = ask.get_body(("plain",)).get_content()
    assert "put together a portfolio" in ask_text
    assert "Zoe will never know that you were asked" in ask_text
    assert "she was asked about you" not in ask_text
    assert "Could you introduce" not in ask_text

    cli.deliver(_answer(ask, SOFIA, "Yes, I'd be happy to!"))
    cli.run("2026-11-30T14:00")
    [introduction] = cli.sent("Introducing")
    text = " ".join(introduction.get_body(("plain",)).get_content().split())
    assert "I'm a junior designer and I'd love a mentor who can help me put together a portfolio." in text
    assert "Why this match, in Grace's words: Zoe is building her first design portfolio." in text
    assert "Could you introduce" not in text and "introduce her to Sofia" not in text


def test_an_instruction_alone_leaves_no_why_this_match(cli: Cli) -> None:
    cli.deliver(_mail(GRACE, FORWARD.replace(" Zoe is building her first design portfolio.", " Thanks!")))
    cli.run("2026-11-30T13:00")
    [ask] = cli.sent("Would you mentor", to=SOFIA[1])
    assert "note" not in ask.get_body(("plain",)).get_content()
    cli.deliver(_answer(ask, SOFIA, "Yes!"))
    cli.run("2026-11-30T14:00")
    [introduction] = cli.sent("Introducing")
    assert "Why this match" not in introduction.get_body(("plain",)).get_content()


def _asked_dana_then_priya(cli: Cli, answer: str) -> None:
    cli.deliver(_mail(GRACE, f"intro: Zoe Mensah <{ZOE[1]}> -> {DANA[1]}, {PRIYA[1]}"))
    cli.run("2026-11-30T13:00")
    [ask] = cli.sent("Would you mentor", to=DANA[1])
    cli.deliver(_answer(ask, DANA, answer))
    cli.run("2026-11-30T14:00")


def test_an_apology_before_a_yes_is_a_yes(cli: Cli) -> None:
    _asked_dana_then_priya(cli, "Sorry for the slow reply! Yes, I'd be glad to.")
    assert cli.outcomes()[-1] == (DANA[1], "introduced")
    [introduction] = cli.sent("Introducing")
    assert _addresses(introduction, "To") == {DANA[1], ZOE[1]}
    assert not cli.sent("Thank you", to=DANA[1]) and not cli.sent(to=PRIYA[1])


def test_a_yes_with_a_condition_is_a_yes_and_the_condition_is_passed_on(cli: Cli) -> None:
    _asked_dana_then_priya(cli, "Yes, but not until March - I'm travelling until then.")
    [introduction] = cli.sent("Introducing")
    assert 'Dana added: "Yes, but not until March"' in introduction.get_body(("plain",)).get_content()


def test_mixed_signals_are_asked_about_again(cli: Cli) -> None:
    _asked_dana_then_priya(cli, "Yes! Actually no, I can't this term. Maybe later?")
    assert cli.outcomes()[-1] == (DANA[1], "intro_mixed")
    assert not cli.sent("Introducing") and not cli.sent(to=PRIYA[1])
    [question] = cli.sent(to=DANA[1], subject="Re: Would you mentor")
    body = question.get_body(("plain",)).get_content()
    assert "both a yes and a no" in body and "would you like to mentor Zoe?" in body
    assert "mentoring+" in str(question["Reply-To"])  # her answer to the question is read as her answer to the ask

    cli.deliver(_answer(question, DANA, "Yes, let's do it."))
    cli.run("2026-11-30T15:00")
    assert cli.outcomes()[-1] == (DANA[1], "introduced")


def test_no_sorry_is_a_no(cli: Cli) -> None:
    _asked_dana_then_priya(cli, "No, sorry.")
    assert cli.outcomes()[-1] == (DANA[1], "intro_declined")
    assert cli.sent(to=PRIYA[1], subject="Would you mentor")
    assert not cli.sent("Introducing")


@pytest.mark.parametrize(
    ("text", "answer", "note"),
    [
        ("Sorry for the slow reply! Yes, I'd be glad to", "yes", ""),
        ("Yes, but not until March", "yes", "Yes, but not until March"),
        ("I'd love to but I can't", "no", ""),
        ("I'd love to. But I can't right now.", "no", ""),
        ("No, sorry", "no", ""),
        ("Sorry, not this time - I'm travelling a lot.", "no", ""),
        ("Yes, no problem!", "yes", ""),
        ("Yes. No, actually I can't.", "mixed", ""),
        ("I'd love to help, though I'm not sure I can", "mixed", ""),
        ("Sorry!", "unclear", ""),
        ("Tell me more - what stage is she at?", "more", ""),
        ("I can't right now, but yes from March", "yes", "I can't right now, but yes from March"),
        # A program in Madrid, Lyon, Berlin or São Paulo asks in its language, and is answered in it.
        ("¡Sí, encantada!", "yes", ""),
        ("Sí, pero no hasta marzo.", "yes", "Sí, pero no hasta marzo."),
        ("No, lo siento, ahora no puedo.", "no", ""),
        ("Quizás, no estoy segura", "unclear", ""),
        ("Cuéntame más sobre ella", "more", ""),
        ("Oui, avec plaisir", "yes", ""),
        ("Non, désolée.", "no", ""),
        ("Ja, gerne!", "yes", ""),
        ("Leider habe ich keine Zeit.", "no", ""),
        ("Sim, claro!", "yes", ""),
        ("Não posso agora, desculpe.", "no", ""),
    ],
)
def test_consent_is_read_by_its_decisive_sentence(text: str, answer: str, note: str) -> None:
    consent = read_consent(text)
    assert (consent.answer, consent.note) == (answer, note)


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (
            FORWARD.split("<grace@example.org>\n\n", 1)[1],
            "I'm a junior designer and I'd love a mentor who can help me put together a portfolio.",
        ),
        (
            "Hello! I'm a designer.\nBest part of my job is the craft.\nBest,\nZoe",
            "I'm a designer. Best part of my job is the craft.",
        ),
        ("Dear Ms Hopper:\nI lead a team of four.\nThank you for your time!\nZoe Mensah", "I lead a team of four."),
        ("Hi Grace I'm a junior designer.", "Hi Grace I'm a junior designer."),  # no comma: nothing is cut
    ],
)
def test_her_words_leave_out_greeting_and_sign_off_only(body: str, words: str) -> None:
    assert her_words(body, "Zoe Mensah") == words


@pytest.mark.parametrize(
    ("note", "for_pair"),
    [
        (
            "Could you introduce her to Sofia? Zoe is building her first design portfolio.",
            "Zoe is building her first design portfolio.",
        ),
        ("Could you introduce her to Sofia? Thanks!\nGrace", ""),
        (
            "Hi Ada,\nPlease introduce Zoe to Dana. They both moved from engineering into product.\nThanks,\nGrace",
            "They both moved from engineering into product.",
        ),
        (
            "Best match I can think of: both moved into product. Thanks, Grace",
            "Best match I can think of: both moved into product.",
        ),
    ],
)
def test_the_note_keeps_only_the_words_meant_for_the_pair(note: str, for_pair: str) -> None:
    assert split_note(note, "Grace Hopper")[0] == for_pair
