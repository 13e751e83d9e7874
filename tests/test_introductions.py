"""Introductions by email, double opt-in (the mentor first, privately), and joining by email."""

from __future__ import annotations

import email
import email.policy
import email.utils
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.clock import FixedClock
from assistant.mail.replies import reply
from tests.conftest import Program, at

GRACE = ("Grace Hopper", "grace@example.org")
DANA = ("Dana Okafor", "dana.okafor@example.org")
PRIYA = ("Priya Raman", "priya.raman@example.org")
MAYA = ("Maya Patel", "maya.patel@example.org")
ZOE = ("Zoe Mensah", "zoe.mensah@example.net")  # new to the program: added from the request
TRUSTED = "Authentication-Results: mx.example.org; dkim=pass header.d=example.org; dmarc=pass header.from=example.org"


@pytest.fixture
def trusting(tmp_path: Path) -> Iterator[Program]:
    """A program whose mail server (mx.example.org) vouches for DMARC in Authentication-Results."""
    program = Program(tmp_path, FixedClock(at("2026-11-30T12:00")))
    text = program.config_path.read_text().replace(
        "address: mentoring@example.org}", "address: mentoring@example.org, authserv_id: mx.example.org}"
    )
    program.config_path.write_text(text)
    from assistant.app import App
    from assistant.config import load_config

    program.config = load_config(program.config_path)
    program.app = App(program.config, program.clock, program.db)
    yield program
    program.app.close()


def _mail(sender: tuple[str, str], body: str, subject: str = "Introduction", headers: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = f"{sender[0]} <{sender[1]}>"
    message["To"] = "mentoring@example.org"
    message["Subject"] = subject
    message["Message-ID"] = email.utils.make_msgid(domain="example.org")
    message.set_content(body)
    return (headers + "\n").encode() + message.as_bytes() if headers else message.as_bytes()


def _sent_templates(program: Program, address: str) -> list[str]:
    """What the introduction flow sent to this address (the monthly check-ins go on beside it)."""
    return [
        r["template"] for r in program.outbox() if address in r["to_addr"] and not r["template"].startswith("checkin")
    ]


def test_the_whole_flow_decline_then_yes_after_a_reminder(trusting: Program) -> None:
    program = trusting
    program.deliver(
        _mail(
            GRACE,
            "intro: Zoe Mensah <zoe.mensah@example.net> -> dana.okafor@example.org, priya.raman@example.org\n\n"
            "Zoe is preparing her promotion case.",
            headers=TRUSTED,
        )
    )
    program.run("2026-11-30T13:00")
    assert _sent_templates(program, DANA[1]) == ["intro_ask"]
    assert _sent_templates(program, ZOE[1]) == []  # the mentee hears nothing until a yes
    assert "intro_request_ack" in _sent_templates(program, GRACE[1])
    ask = program.last_to(DANA[1], "intro_ask")
    assert b"promotion case" in ask

    program.deliver(reply(ask, DANA, "Sorry, not this time - I'm travelling a lot."))
    program.run("2026-11-30T15:00")
    assert "intro_decline_thanks" in _sent_templates(program, DANA[1])
    assert _sent_templates(program, PRIYA[1]) == ["intro_ask"]
    assert _sent_templates(program, ZOE[1]) == []

    program.run("2026-12-05T16:00")  # five days of silence: one reminder
    assert _sent_templates(program, PRIYA[1]) == ["intro_ask", "intro_ask_reminder"]
    program.deliver(reply(program.last_to(PRIYA[1], "intro_ask_reminder"), PRIYA, "Yes, happy to!"))
    program.run("2026-12-06T10:00")
    [intro] = [r for r in program.outbox(template="introduction")]
    assert PRIYA[1] in intro["to_addr"] and ZOE[1] in intro["to_addr"] and GRACE[1] in intro["to_addr"]
    assert b"you drive the relationship" in intro["raw"]
    assert not any(b"Dana" in r["raw"] for r in program.outbox() if ZOE[1] in r["to_addr"])
    pairing = program.db.execute(
        "SELECT p.status FROM pairings p JOIN participants m ON m.id = p.mentor_id WHERE m.email = ?"
        " AND p.mentee_id = (SELECT id FROM participants WHERE email = ?)",
        [PRIYA[1], ZOE[1]],
    ).fetchone()
    assert pairing[0] == "active"
    program.run("2027-01-01T09:05")
    prompts = program.outbox(template="checkin_prompt")
    [zoe] = [r["raw"] for r in prompts if r["to_addr"] == ZOE[1]]
    text = email.message_from_bytes(zoe, policy=email.policy.default).get_body(("plain",)).get_content()
    assert "mentoring with Priya Raman" in text


def test_no_answer_moves_on_and_declined_by_everyone_tells_the_coordinator(trusting: Program) -> None:
    program = trusting
    program.deliver(_mail(GRACE, "intro: maya.patel@example.org -> dana.okafor@example.org", headers=TRUSTED))
    program.run("2026-11-30T13:00")
    program.run("2026-12-05T13:00")
    program.run("2026-12-10T13:00")
    assert "intro_declined_all" in _sent_templates(program, GRACE[1])
    assert _sent_templates(program, MAYA[1]) == []


def test_tell_me_more_goes_to_the_coordinator(trusting: Program) -> None:
    program = trusting
    program.deliver(_mail(GRACE, "intro: maya.patel@example.org -> dana.okafor@example.org", headers=TRUSTED))
    program.run("2026-11-30T13:00")
    program.deliver(reply(program.last_to(DANA[1], "intro_ask"), DANA, "Tell me more - what stage is she at?"))
    program.run("2026-11-30T14:00")
    [more] = program.outbox(template="intro_tell_me_more")
    assert more["to_addr"] == GRACE[1] and b"what stage is she at" in more["raw"]
    assert b"Reply-To: Dana Okafor <dana.okafor@example.org>" in more["raw"]


def test_a_mentor_at_capacity_is_skipped(trusting: Program) -> None:
    program = trusting
    program.db.execute("UPDATE participants SET capacity = 1 WHERE email = ?", [DANA[1]])  # already mentors Maya
    program.deliver(
        _mail(
            GRACE,
            "intro: lena.fischer@example.org -> dana.okafor@example.org, priya.raman@example.org",
            headers=TRUSTED,
        )
    )
    program.run("2026-11-30T13:00")
    assert _sent_templates(program, DANA[1]) == []
    assert _sent_templates(program, PRIYA[1]) == ["intro_ask"]


def _pairing_of(program: Program, mentor: tuple[str, str], mentee: tuple[str, str]) -> str:
    sql = """SELECT p.status FROM pairings p JOIN participants m ON m.id = p.mentor_id
        JOIN participants e ON e.id = p.mentee_id WHERE m.email = ? AND e.email = ?"""
    return program.db.execute(sql, [mentor[1], mentee[1]]).fetchone()[0]


@pytest.mark.parametrize("status", ["paused", "proposed"])
def test_a_pairing_in_hand_uses_the_mentors_capacity_as_the_suggestions_count_it(
    trusting: Program, status: str
) -> None:
    """Paused or proposed, her pairing with Maya is hers (matching.TAKEN): the asks count it as the digest does."""
    program = trusting
    program.db.execute("UPDATE participants SET capacity = 1 WHERE email = ?", [DANA[1]])
    program.db.execute(
        "UPDATE pairings SET status = ? WHERE mentor_id = (SELECT id FROM participants WHERE email = ?)",
        [status, DANA[1]],
    )
    assert _pairing_of(program, DANA, MAYA) == status
    program.deliver(_mail(GRACE, f"intro: lena.fischer@example.org -> {DANA[1]}, {PRIYA[1]}", headers=TRUSTED))
    program.run("2026-11-30T13:00")
    assert _sent_templates(program, DANA[1]) == []
    assert _sent_templates(program, PRIYA[1]) == ["intro_ask"]
    [reason] = program.db.execute("SELECT reason FROM intro_asks WHERE status = 'skipped'").fetchone()
    assert reason == "no capacity (1 of 1 mentees)"


def test_a_paused_pair_introduced_again_takes_up_its_own_pairing(trusting: Program) -> None:
    """The pairing in hand with this very mentee is not counted against her: a yes takes it up again, no second."""
    program = trusting
    program.db.execute("UPDATE participants SET capacity = 1 WHERE email = ?", [DANA[1]])
    program.db.execute(
        "UPDATE pairings SET status = 'paused' WHERE mentor_id = (SELECT id FROM participants WHERE email = ?)",
        [DANA[1]],
    )
    program.deliver(_mail(GRACE, f"intro: {MAYA[1]} -> {DANA[1]}", headers=TRUSTED))
    program.run("2026-11-30T13:00")
    ask = program.last_to(DANA[1], "intro_ask")
    text = email.message_from_bytes(ask, policy=email.policy.default).get_body(("plain",)).get_content()
    assert "you mentor 0 now" in " ".join(text.split())
    program.deliver(reply(ask, DANA, "Yes, happy to!"))
    program.run("2026-11-30T15:00")
    assert _pairing_of(program, DANA, MAYA) == "active"
    count = "SELECT count(*) FROM pairings WHERE mentor_id = (SELECT id FROM participants WHERE email = ?)"
    assert program.db.execute(count, [DANA[1]]).fetchone()[0] == 1


FORWARDS = {
    "gmail": "---------- Forwarded message ---------\nFrom: Zoe Mensah <zoe.mensah@example.net>\n"
    "Date: Mon, 30 Nov 2026 at 09:12\nSubject: Looking for a mentor\nTo: Grace Hopper <grace@example.org>\n",
    "outlook": "________________________________\nFrom: Zoe Mensah <zoe.mensah@example.net>\n"
    "Sent: Monday, November 30, 2026 9:12 AM\nTo: Grace Hopper <grace@example.org>\nSubject: Looking for a mentor\n",
    "apple_mail": "Begin forwarded message:\n\nFrom: Zoe Mensah <zoe.mensah@example.net>\n"
    "Subject: Looking for a mentor\nDate: 30 November 2026 at 09:12:00 GMT\nTo: Grace Hopper <grace@example.org>\n",
    # Yahoo writes the original's headers run together on the separator line.
    "yahoo": "----- Forwarded Message ----- From: Zoe Mensah <zoe.mensah@example.net>To: Grace Hopper"
    " <grace@example.org>Sent: Monday, November 30, 2026, 09:12:00 AM GMTSubject: Looking for a mentor\n",
    "thunderbird": "-------- Forwarded Message --------\nSubject: \tLooking for a mentor\n"
    "Date: \tMon, 30 Nov 2026 09:12:00 +0000\nFrom: \tZoe Mensah <zoe.mensah@example.net>\n"
    "To: \tGrace Hopper <grace@example.org>\n\n",
}


@pytest.mark.parametrize("client", sorted(FORWARDS))
def test_a_forwarded_request_adds_the_new_mentee(trusting: Program, client: str) -> None:
    program = trusting
    body = (
        "Could you introduce her to Dana? She's moving into product.\n\n"
        + FORWARDS[client]
        + "\nHi Grace, I'd love a mentor who has moved from engineering into product management.\n"
    )
    program.deliver(_mail(GRACE, body, subject="Fwd: Looking for a mentor", headers=TRUSTED))
    program.run("2026-11-30T13:00")
    row = program.db.execute("SELECT name, role FROM participants WHERE email = 'zoe.mensah@example.net'").fetchone()
    assert tuple(row) == ("Zoe Mensah", "mentee")
    assert _sent_templates(program, DANA[1]) == ["intro_ask"]


def test_an_ambiguous_request_gets_a_question_not_a_guess(trusting: Program) -> None:
    program = trusting
    program.deliver(_mail(GRACE, "intro: maya.patel@example.org -> someone good in product", headers=TRUSTED))
    program.run("2026-11-30T13:00")
    [question] = program.outbox(template="intro_request_unclear")
    assert b"an email address for a mentor" in question["raw"]
    assert program.db.execute("SELECT count(*) FROM introductions").fetchone()[0] == 0


def test_an_unclear_request_lists_the_mentors_with_room_the_digest_would(trusting: Program) -> None:
    """The question's "mentors with room right now" are the digest's (matching.mentors_with_room): capacity against
    the pairings in hand, a mentor who gave none taking one mentee at a time, an address that bounced left out."""
    program = trusting
    program.db.execute("UPDATE participants SET bounced_at = '2026-11-29T10:00:00+00:00' WHERE email = ?", [PRIYA[1]])
    program.db.execute("UPDATE participants SET capacity = NULL WHERE email = 'sofia.marquez@example.org'")  # has one
    program.deliver(_mail(GRACE, "intro: maya.patel@example.org -> someone good in product", headers=TRUSTED))
    program.run("2026-11-30T13:00")
    [question] = program.outbox(template="intro_request_unclear")
    text = email.message_from_bytes(question["raw"], policy=email.policy.default).get_body(("plain",)).get_content()
    listed = text.split("Mentors with room right now:")[1].split("\n")[0]
    assert listed == (
        " Dana Okafor <dana.okafor@example.org> (product strategy, negotiating promotions, leading teams);"
        " Ruth Adeyemi <ruth.adeyemi@example.org> (data science, hiring)."
    )
    assert "Priya" not in listed and "Sofia" not in listed and "Helen" not in listed  # bounced; full; full


def test_a_spoofed_coordinator_executes_nothing_and_the_real_one_is_asked(program: Program) -> None:
    program.deliver(_mail(GRACE, "intro: maya.patel@example.org -> priya.raman@example.org"))
    program.run("2026-11-30T13:00")
    assert program.db.execute("SELECT count(*) FROM introductions").fetchone()[0] == 0
    confirm = program.last_to(GRACE[1], "confirm_intro_request")
    program.deliver(reply(confirm, GRACE, "yes"))
    program.run("2026-11-30T14:00")
    assert _sent_templates(program, PRIYA[1]) == ["intro_ask"]


def test_a_forged_authentication_results_below_ours_is_ignored(trusting: Program) -> None:
    forged = "Authentication-Results: mx.example.org; dmarc=fail header.from=example.org\n" + TRUSTED
    trusting.deliver(_mail(GRACE, "intro: maya.patel@example.org -> priya.raman@example.org", headers=forged))
    trusting.run("2026-11-30T13:00")
    assert trusting.db.execute("SELECT count(*) FROM introductions").fetchone()[0] == 0
    assert trusting.outbox(template="confirm_intro_request")


def test_dmarc_pass_inside_another_methods_property_value_is_not_a_pass(trusting: Program) -> None:
    """The issue's forgery: our server says dmarc=fail, and the sender chose a MAIL FROM that reads dmarc=pass."""
    forged = (
        "Authentication-Results: mx.example.org; spf=pass smtp.mailfrom=dmarc=pass@attacker.example;\n"
        " dmarc=fail (p=none dis=none) header.from=example.org"
    )
    trusting.deliver(_mail(GRACE, "intro: maya.patel@example.org -> priya.raman@example.org", headers=forged))
    trusting.run("2026-11-30T13:00")
    assert trusting.db.execute("SELECT count(*) FROM introductions").fetchone()[0] == 0
    assert _sent_templates(trusting, PRIYA[1]) == []
    assert _sent_templates(trusting, GRACE[1]) == ["confirm_intro_request"]


def test_a_tricky_from_never_authenticates_as_the_coordinator(trusting: Program) -> None:
    raw = _mail(("x", "x@example.net"), "intro: maya.patel@example.org -> priya.raman@example.org", headers=TRUSTED)
    raw = raw.replace(b"From: x <x@example.net>", b"From: grace@example.org)<evil@attacker.example>")
    trusting.deliver(raw)
    trusting.run("2026-11-30T13:00")
    assert trusting.db.execute("SELECT count(*) FROM introductions").fetchone()[0] == 0
    assert trusting.outbox(template="confirm_intro_request") == []


def test_joining_by_email(program: Program) -> None:
    program.deliver(_mail(("Zoe Mensah", "zoe.mensah@example.net"), "Join", subject="join"))
    program.run("2026-11-30T13:00")
    form = program.last_to("zoe.mensah@example.net", "join_form")
    assert b"1. Would you like to be a mentor, a mentee, or both?" in form
    program.deliver(
        reply(
            form,
            ("Zoe Mensah", "zoe.mensah@example.net"),
            "1. mentee\n2. moving from engineering into product\n4. software\n5. Europe/Paris",
        )
    )
    program.run("2026-11-30T14:00")
    row = program.db.execute(
        "SELECT role, status, goals, timezone FROM participants WHERE email = 'zoe.mensah@example.net'"
    ).fetchone()
    assert tuple(row) == ("mentee", "active", "moving from engineering into product", "Europe/Paris")
    [news] = program.outbox(template="new_participant")
    assert news["to_addr"] == GRACE[1] and b"moving from engineering into product" in news["raw"]


def test_a_time_zone_that_is_a_folder_of_zones_is_not_one(program: Program) -> None:
    program.deliver(_mail(("Zoe Mensah", "zoe.mensah@example.net"), "Join", subject="join"))
    program.run("2026-11-30T13:00")
    form = program.last_to("zoe.mensah@example.net", "join_form")
    program.deliver(reply(form, ("Zoe Mensah", "zoe.mensah@example.net"), "1. mentee\n2. product\n5. America"))
    program.run("2026-11-30T14:00")
    handled = program.db.execute("SELECT status, error FROM messages ORDER BY id DESC").fetchone()
    assert tuple(handled) == ("processed", None)  # was IsADirectoryError, tried again until quarantined
    row = program.db.execute("SELECT role, timezone FROM participants WHERE email = 'zoe.mensah@example.net'")
    assert tuple(row.fetchone()) == ("mentee", None)


def test_paying_it_forward_records_the_lineage_and_asks_for_a_mentor_profile(program: Program) -> None:
    program.db.execute("UPDATE pairings SET started_at = '2026-06-05T10:00:00+00:00', created_at = started_at")
    program.run("2026-12-01T09:05")
    for who in (MAYA, DANA):  # they met in three months, and rated them 5
        prompt = program.last_to(who[1], "checkin_prompt")
        program.deliver(reply(prompt, who, "1. yes\n2. 2\n3. my CV\n4. 5"))
    program.run("2026-12-01T18:00")
    checkins = program.db.execute("SELECT id FROM checkins WHERE period != 'closing'").fetchall()
    for period in ("2026-09", "2026-10"):  # the months before, copied from December's answers
        for (checkin_id,) in checkins:
            program.db.execute(
                "INSERT INTO checkins (pairing_id, participant_id, period, status, sent_at, answered_at)"
                " SELECT pairing_id, participant_id, ?, status, sent_at, answered_at FROM checkins WHERE id = ?",
                [period, checkin_id],
            )
            program.db.execute(
                "INSERT INTO answers (checkin_id, question, value, raw, recorded_at) SELECT"
                " (SELECT max(id) FROM checkins), question, value, raw, recorded_at FROM answers WHERE checkin_id = ?",
                [checkin_id],
            )
    # Its cycle ended well (the closing thanks closed it as completed a week ago).
    program.db.execute(
        "UPDATE pairings SET status = 'closed', ended_at = '2026-12-01T10:00:00+00:00', close_reason = 'completed'"
        " WHERE mentee_id = (SELECT id FROM participants WHERE email = ?)",
        [MAYA[1]],
    )
    program.run("2026-12-08T13:00")  # a week after it ended, and after her last program mail
    invitation = program.last_to(MAYA[1], "pay_it_forward")
    program.deliver(reply(invitation, MAYA, "Yes, I'd love to!"))
    program.run("2026-12-08T18:00")
    maya = program.db.execute(
        "SELECT p.role, m.email FROM participants p JOIN participants m ON m.id = p.mentored_by WHERE p.email = ?",
        [MAYA[1]],
    ).fetchone()
    assert tuple(maya) == ("both", DANA[1])  # the lineage: Dana mentored Maya, who now mentors too
    questions = program.last_to(MAYA[1], "pay_it_forward_yes")
    assert b"What can you offer" in questions or b"what can you offer" in questions
    assert program.outbox(template="note_for_coordinator")  # the coordinator hears her words
    program.deliver(reply(questions, MAYA, "3. product discovery, interviewing\n4. software\n6. 1"))  # as numbered
    program.run("2026-12-09T10:00")
    row = program.db.execute("SELECT skills, capacity, status FROM participants WHERE email = ?", [MAYA[1]]).fetchone()
    assert tuple(row) == ("product discovery, interviewing", 1, "active")


def test_closing_survey_answers_are_recorded_sponsorship_included(program: Program) -> None:
    program.db.execute("UPDATE pairings SET started_at = '2026-06-06T10:00:00+00:00', created_at = started_at")
    program.run("2026-12-01T09:05")
    for who in (MAYA, DANA):
        program.deliver(reply(program.last_to(who[1], "checkin_prompt"), who, "1. yes\n2. 1\n3. wrap-up\n4. 3"))
    program.run("2026-12-01T18:00")
    program.run("2026-12-10T13:00")  # the end of the pairing's cycle: each gets a survey of their own
    survey = program.last_to(MAYA[1], "closing_survey_mentee")
    answers = "1. I got promoted to senior PM!\n2. Yes: Dana recommended me for the lead role\n3. yes\n4. yes"
    program.deliver(reply(survey, MAYA, answers))
    program.run("2026-12-10T18:00")
    recorded = dict(
        program.db.execute(
            "SELECT a.question, a.value FROM answers a JOIN checkins c ON c.id = a.checkin_id"
            " JOIN participants p ON p.id = c.participant_id WHERE p.email = ? AND c.period = 'closing'",
            [MAYA[1]],
        ).fetchall()
    )
    assert recorded["sponsorship"] == "Yes: Dana recommended me for the lead role"
    assert recorded["recommend"] == "yes" and recorded["mentor_later"] == "yes"
    assert program.outbox(template="note_for_coordinator")  # the coordinator reads her words too
