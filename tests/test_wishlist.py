"""A mentee's mentor wish list (issue 16), through the real command line on Maildir folders: she names the mentors she
would like when she joins by mail, the digest offers the `intro:` line that follows her list, and a coordinator's
request that names only her asks her wished mentors in her order; a wish that names nobody for sure is shown
unresolved and never asked."""

from __future__ import annotations

import html
import json
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.program import wishlist
from assistant.program.introductions import requests
from tests.conftest import CONFIG, ROOT
from tests.program_cli import Cli, reply_at, written
from tests.test_handover import GRACE, PRIYA, SOFIA, TRUSTED

ZOE = ("Zoe Mensah", "zoe.mensah@example.net")
WISHES = "Wish list: Alex Stone, Sofia, priya.raman@example.org"  # Alex is in no program; Sofia: one mentor


class Program(Cli):
    """The example program with the weekly digest on (Mondays 08:00) and our own server's DMARC verdicts trusted."""

    def __init__(self, folder: Path):
        text = CONFIG.format(root=ROOT).replace(
            "address: mentoring@example.org}", "address: mentoring@example.org, authserv_id: mx.example.org}"
        )
        text = text.replace("digest: {enabled: false}", "digest: {enabled: true, weekday: mon, hour: 8}")
        super().__init__(folder, text, imported_at="2026-11-20T10:00")

    def coordinator_writes(self, body: str, when: str) -> None:
        self.deliver((TRUSTED + "\n").encode() + written(GRACE, "mentoring@example.org", "Introduction", body))
        self.run(when)

    def join(self, answers: str) -> EmailMessage:
        """Zoe joins by mail and answers the profile form (Sunday 29 November); the form she answered."""
        self.deliver(written(ZOE, "mentoring@example.org", "join", "Join"))
        self.run("2026-11-29T10:00")
        [form] = self.sent("a few questions", to=ZOE[1])
        assert "which mentors would you like to be introduced to?" in _text(form)
        self.deliver(reply_at(form, ZOE, answers, "2026-11-29T10:30"))
        self.run("2026-11-29T11:00")
        return form

    def wishes(self) -> list[tuple]:
        return self.sql(
            "SELECT w.position, w.wrote, m.email, w.unresolved FROM wishlist w LEFT JOIN participants m"
            " ON m.id = w.mentor_id ORDER BY w.position"
        )

    def asked(self) -> list[tuple]:
        return self.sql(
            "SELECT m.email, a.status FROM intro_asks a JOIN participants m ON m.id = a.mentor_id"
            " ORDER BY a.introduction_id, a.position"
        )


@pytest.fixture
def program(tmp_path: Path) -> Program:
    return Program(tmp_path)


def _text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def test_her_wish_list_is_kept_in_order_offered_in_the_digest_and_followed_by_a_request(program: Program) -> None:
    program.join(f"1. mentee\n2. building a design portfolio\n{WISHES}")
    # Kept in her order; only what is unmistakable resolves
    assert program.wishes() == [
        (1, "Alex Stone", None, "no mentor in the program has that name"),
        (2, "Sofia", SOFIA[1], ""),
        (3, "priya.raman@example.org", PRIYA[1], ""),
    ]
    [news] = program.sent("New in the program: Zoe Mensah", to=GRACE[1])
    assert '1. "Alex Stone" (not sure who: no mentor in the program has that name)' in _text(news)
    assert f"2. Sofia Marquez <{SOFIA[1]}>" in _text(news)

    # Monday's digest: her list, the unresolved wish shown as such, and the line that follows it
    program.run("2026-11-30T08:05")
    digest = program.sent("this week", to=GRACE[1])[-1]
    text = _text(digest)
    line = f"intro: {ZOE[1]} -> {SOFIA[1]}, {PRIYA[1]}"
    assert line in text
    assert '1. "Alex Stone" (not asked: not sure who she means: no mentor in the program has that name)' in text
    assert line in html.unescape(digest.get_body(("html",)).get_content())

    # Grace names only Zoe: Sofia, her first resolved wish, is asked; Alex never is
    program.coordinator_writes(f"intro: {ZOE[1]}", "2026-11-30T09:00")
    [ask] = program.sent("Would you mentor Zoe Mensah?")
    assert ask["To"].addresses[0].addr_spec == SOFIA[1]
    [ack] = program.sent("Asking Sofia Marquez about Zoe Mensah", to=GRACE[1])
    assert "following Zoe's own wish list: Sofia Marquez, then Priya Raman" in _text(ack)
    assert program.asked() == [(SOFIA[1], "asked"), (PRIYA[1], "waiting")]

    # Sofia declines: Priya, next on Zoe's list, is asked
    program.deliver(reply_at(ask, SOFIA, "No, sorry, I can't take anyone on right now.", "2026-11-30T10:00"))
    program.run("2026-11-30T10:30")
    asks = program.sent("Would you mentor Zoe Mensah?")
    assert [m["To"].addresses[0].addr_spec for m in asks] == [SOFIA[1], PRIYA[1]]
    assert program.asked() == [(SOFIA[1], "declined"), (PRIYA[1], "asked")]
    assert not program.sent(to="alex")


def test_report_shows_her_wish_list_and_its_line(program: Program, capsys: pytest.CaptureFixture[str]) -> None:
    program.join(f"1. mentee\n{WISHES}")
    capsys.readouterr()
    assert program("--now", "2026-11-29T12:00", "report") == 0
    out = capsys.readouterr().out
    assert "Wish list of Zoe Mensah" in out and "not sure who she means" in out
    assert f"intro: {ZOE[1]} -> {SOFIA[1]}, {PRIYA[1]}" in out


def test_a_forward_that_names_no_mentor_follows_her_wish_list(program: Program) -> None:
    program.join(f"1. mentee\n{WISHES}")
    forward = (
        "Zoe would love a mentor.\n\n---------- Forwarded message ---------\n"
        "From: Zoe Mensah <zoe.mensah@example.net>\n"
        "Date: Sun, 29 Nov 2026 at 20:14\nSubject: Looking for a mentor\nTo: Grace Hopper <grace@example.org>\n\n"
        "Hi Grace,\n\nI'd love a mentor for my design portfolio.\n\nZoe\n"
    )
    program.coordinator_writes(forward, "2026-11-29T12:00")
    assert program.asked() == [(SOFIA[1], "asked"), (PRIYA[1], "waiting")]


def test_the_line_leaves_out_who_has_no_room_is_paused_or_declined_her(program: Program) -> None:
    program.join("1. mentee\nWish list: Helen Cho, Sofia, Priya, dana.okafor@example.org")
    program.coordinator_writes(f"intro: {ZOE[1]} -> {SOFIA[1]}", "2026-11-29T12:00")
    [ask] = program.sent("Would you mentor Zoe Mensah?")
    program.deliver(reply_at(ask, SOFIA, "No, sorry.", "2026-11-29T12:30"))
    program.run("2026-11-29T13:00")  # Sofia was the whole list: the introduction is declined by all
    program.sql("UPDATE participants SET status = 'paused' WHERE email = ?", (PRIYA[1],))
    program.run("2026-11-30T08:05")
    text = _text(program.sent("this week", to=GRACE[1])[-1])
    assert "1. Helen Cho <helen.cho@example.org> (not asked: no room)" in text  # Helen mentors Jo, her only place
    assert f"2. Sofia Marquez <{SOFIA[1]}> (not asked: declined her, or did not answer)" in text
    assert f"3. Priya Raman <{PRIYA[1]}> (not asked: paused, not active)" in text
    assert f"intro: {ZOE[1]} -> dana.okafor@example.org\n" in text
    program.coordinator_writes(f"intro: {ZOE[1]}", "2026-11-30T09:00")
    assert program.asked()[-1:] == [("dana.okafor@example.org", "asked")]


def test_the_digest_line_pasted_into_a_mail_asks_in_her_order(program: Program) -> None:
    program.join(f"1. mentee\n{WISHES}")
    program.run("2026-11-30T08:05")
    digest = program.sent("this week", to=GRACE[1])[-1]
    [line] = [x.strip() for x in _text(digest).splitlines() if x.strip().startswith(f"intro: {ZOE[1]} -> {SOFIA[1]}")]
    program.coordinator_writes(f"Thanks!\n\n{line}", "2026-11-30T09:00")
    assert program.asked() == [(SOFIA[1], "asked"), (PRIYA[1], "waiting")]


def test_answering_again_replaces_her_list(program: Program) -> None:
    form = program.join(f"1. mentee\n{WISHES}")
    program.deliver(reply_at(form, ZOE, "Wish list: Dana Okafor", "2026-11-29T12:00"))
    program.run("2026-11-29T12:30")
    assert program.wishes() == [(1, "Dana Okafor", "dana.okafor@example.org", "")]
    program.deliver(reply_at(form, ZOE, "Wish list: priya.raman@example.org, then Helen Cho", "2026-11-29T13:00"))
    program.run("2026-11-29T13:30")
    assert program.wishes() == [(1, PRIYA[1], PRIYA[1], ""), (2, "Helen Cho", "helen.cho@example.org", "")]
    # "none" says nothing (the form reader drops it): her list stays as it was, never emptied by a shrug
    program.deliver(reply_at(form, ZOE, "2. design\nWish list: none", "2026-11-29T14:00"))
    program.run("2026-11-29T14:30")
    assert len(program.wishes()) == 2


def test_without_a_usable_wish_list_the_coordinator_is_asked_politely_and_nobody_is_guessed(program: Program) -> None:
    program.join("1. mentee\n2. design\nWish list: Alex Stone")
    program.coordinator_writes(f"intro: {ZOE[1]}", "2026-11-29T12:00")
    [question] = program.sent("About your introduction request", to=GRACE[1])
    assert "nobody on Zoe Mensah's wish list can be asked right now" in _text(question)
    assert "1. 'Alex Stone': not sure who she means" in _text(question)
    assert program.asked() == [] and not program.sent("Would you mentor")

    program.coordinator_writes("intro: maya.patel@example.org", "2026-11-29T13:00")  # Maya made no list
    [_, again] = program.sent("About your introduction request", to=GRACE[1])
    assert "Maya Patel has no wish list" in _text(again)
    assert program.asked() == []


def test_her_wish_list_is_in_my_data_and_goes_with_her(program: Program) -> None:
    program.join(f"1. mentee\n{WISHES}")
    program.deliver(written(ZOE, "mentoring@example.org", "my data", "my data"))
    program.run("2026-11-29T12:00")
    [data] = program.sent("", to=ZOE[1])[-1:]
    attached = next(part for part in data.iter_attachments() if part.get_filename() == "my-data.json")
    assert [w["you_wrote"] for w in json.loads(attached.get_content())["mentor_wish_list"]] == [
        "Alex Stone",
        "Sofia",
        PRIYA[1],
    ]
    program.deliver(written(ZOE, "mentoring@example.org", "delete me", "delete me"))
    program.run("2026-11-29T13:00")
    [confirm] = program.sent("", to=ZOE[1])[-1:]
    program.deliver(reply_at(confirm, ZOE, "Yes, delete everything.", "2026-11-29T13:30"))
    program.run("2026-11-29T14:00")
    assert program.sql("SELECT count(*) FROM participants WHERE email = ?", (ZOE[1],)) == [(0,)]  # erased
    assert program.wishes() == []


def test_an_intro_line_may_name_only_the_mentee_and_nothing_else() -> None:
    assert requests.intro_lines("intro: Maya Patel <maya@example.org>\nintroduce: zoe@example.net ->") == [
        ("Maya Patel <maya@example.org>", ""),
        ("zoe@example.net", ""),
    ]
    assert requests.intro_lines("intro: maya@example.org -> dana@example.org, priya@example.org") == [
        ("maya@example.org", "dana@example.org, priya@example.org")
    ]
    assert requests.intro_lines("intro: maya@example.org was lovely\nIntro: went well\nintro: a@x.org, b@x.org") == []


def test_a_wish_resolves_only_when_unmistakable(program: Program) -> None:
    program.sql(
        "INSERT INTO participants (email, name, role, status, created_at, updated_at) VALUES"
        " ('dana.smith@example.org', 'Dana Smith', 'mentor', 'active', '2026-11-20', '2026-11-20')"
    )
    program.join("1. mentee\nWish list: Dana, dana okafor, maya.patel@example.org, nobody@example.org, zoe@x")
    assert program.wishes() == [
        (
            1,
            "Dana",
            None,
            "2 mentors have that name: Dana Okafor <dana.okafor@example.org>, Dana Smith <dana.smith@example.org>",
        ),
        (2, "dana okafor", "dana.okafor@example.org", ""),
        (3, "maya.patel@example.org", None, "maya.patel@example.org is not a mentor in the program"),
        (4, "nobody@example.org", None, "no participant has the address nobody@example.org"),
        (5, "zoe@x", None, "not one clear email address"),
    ]


def test_a_wish_list_is_read_in_her_order() -> None:
    assert wishlist.read("1. Dana Okafor\n2) priya@example.org; then Sofia and Helen") == [
        "Dana Okafor",
        "priya@example.org",
        "Sofia",
        "Helen",
    ]
    assert wishlist.read("None.") == [] and wishlist.read("-") == []
    assert wishlist.read('"Dana Okafor" <dana@example.org>, Dana') == ['"Dana Okafor" <dana@example.org>', "Dana"]
