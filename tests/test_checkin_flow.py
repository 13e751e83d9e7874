"""The monthly check-in, end to end through the Maildir transports: prompt, reply, answers, reminders, escalation."""

from __future__ import annotations

import email
import email.policy

import pytest

from assistant.mail.replies import out_of_office, reply
from tests.conftest import Program

DANA = ("Dana Okafor", "dana.okafor@example.org")
MAYA = ("Maya Patel", "maya.patel@example.org")
HELEN = ("Helen Cho", "helen.cho@example.org")
COORDINATOR = "grace@example.org"


def prompts(program: Program) -> list[dict]:
    return program.outbox(template="checkin_prompt")


def test_no_prompt_before_the_cycle_day_or_long_after_it(program: Program) -> None:
    program.run("2026-11-30T12:00")  # November's cycle day is long gone: wait for December's
    program.run("2026-12-01T08:59")
    assert prompts(program) == []
    program.run("2026-12-01T09:00")
    assert len(prompts(program)) == 8


def test_a_short_outage_on_the_cycle_day_is_caught_up(program: Program) -> None:
    program.run("2026-12-04T12:00")
    assert len(prompts(program)) == 8


def test_every_active_pair_gets_one_prompt_each_and_never_twice(program: Program) -> None:
    program.run("2026-12-01T09:05")
    first = prompts(program)
    assert sorted(row["to_addr"] for row in first) == sorted(
        [
            "dana.okafor@example.org",
            "maya.patel@example.org",
            "priya.raman@example.org",
            "lena.fischer@example.org",
            "helen.cho@example.org",
            "jo.nguyen@example.org",
            "sofia.marquez@example.org",
            "kim.larsen@example.org",
        ]
    )
    assert all(row["status"] == "sent" for row in first)
    program.run("2026-12-01T09:06")
    program.run("2026-12-02T10:00")
    assert len(prompts(program)) == 8
    assert len([m for m in program.sent() if "mentoring check-in" in str(m["Subject"])]) == 8


def test_paused_participant_gets_no_prompt(program: Program) -> None:
    program.db.execute("UPDATE participants SET status = 'paused' WHERE email = ?", [MAYA[1]])
    program.run("2026-12-01T09:05")
    assert MAYA[1] not in [row["to_addr"] for row in prompts(program)]
    assert DANA[1] in [row["to_addr"] for row in prompts(program)]


def test_prompt_is_numbered_threadable_and_carries_a_reply_token(program: Program) -> None:
    program.run("2026-12-01T09:05")
    message = next(m for m in program.sent() if MAYA[1] in str(m["To"]))
    text = message.get_body(("plain",)).get_content()
    assert "1. Did you meet in November?" in text and "4. How is it going" in text
    assert "answer after each number, or in your own words" in text
    reply_to = str(message["Reply-To"])
    assert "mentoring+" in reply_to and "@example.org" in reply_to
    assert message["Auto-Submitted"] == "auto-generated"


STYLES = {
    "gmail": ("1. Yes\n2. Twice\n3. My promotion case\n4. 4", {}),
    "outlook": ("1) yes\n2) 2\n3) My promotion case\n4) 4 out of 5", {}),
    "apple_inline": ("", {1: "Yes", 2: "twice", 3: "My promotion case", 4: "4"}),
    "iphone": ("Met: yes\nMeetings: two\nTopics: My promotion case\nRating: 4/5", {}),
    "html_only": ("1. yes\n2. 2\n3. My promotion case\n4. 4", {}),
    "plain": ("Yes, twice — we worked on my promotion case. I'd say 4/5.", {}),
}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_replies_from_every_client_are_recorded(program: Program, style: str) -> None:
    program.run("2026-12-01T09:05")
    text, inline = STYLES[style]
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, text, style, inline=inline))
    program.run("2026-12-01T18:00")
    answers = program.answers(MAYA[1])
    assert answers["met"] == "yes"
    assert answers["meetings"] == "2"
    assert answers["rating"] == "4"
    assert "promotion case" in answers["topics"].lower()
    assert program.checkin(MAYA[1])["status"] == "answered"
    confirmation = program.outbox(to_addr=MAYA[1], template="checkin_reply")
    assert len(confirmation) == 1
    assert b"Here is what I recorded" in confirmation[0]["raw"]


def test_reply_found_by_thread_when_the_token_address_was_lost(program: Program) -> None:
    program.run("2026-12-01T09:05")
    message = email.message_from_bytes(reply(program.last_to(MAYA[1]), MAYA, "1. yes\n2. 1\n3. goals\n4. 5"))
    message.replace_header("To", "mentoring@example.org")  # a client that answered From, not Reply-To
    program.deliver(message.as_bytes())
    program.run("2026-12-01T18:00")
    assert program.answers(MAYA[1])["rating"] == "5"


def test_unreadable_answer_gets_a_question_not_a_guess(program: Program) -> None:
    program.run("2026-12-01T09:05")
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, "1. yes\n2. a couple\n3. networking\n4. 3 or 4"))
    program.run("2026-12-01T18:00")
    answers = program.answers(MAYA[1])
    assert "meetings" not in answers and "rating" not in answers
    assert answers["met"] == "yes"
    asked = program.outbox(to_addr=MAYA[1], template="checkin_reply")[0]["raw"].decode()
    assert "could you reply" in asked
    assert "2. How many times?" in asked and "4. How is it going" in asked
    # The answer to the question comes back as a short reply, and is recorded.
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, "2. 2\n4. 4"))
    program.run("2026-12-02T18:00")
    assert program.answers(MAYA[1]) | {} == {**answers, "meetings": "2", "rating": "4"}


def test_we_ask_only_once(program: Program) -> None:
    program.run("2026-12-01T09:05")
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, "I will answer later, sorry!"))
    program.run("2026-12-01T18:00")
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, "Still busy, sorry"))
    program.run("2026-12-02T18:00")
    assert len(program.outbox(to_addr=MAYA[1], template="checkin_reply")) == 1
    outcomes = [row["outcome"] for row in program.db.query("SELECT outcome FROM messages ORDER BY id")]
    assert outcomes == ["asked_again", "held_unreadable"]


def test_a_later_reply_replaces_earlier_answers(program: Program) -> None:
    program.run("2026-12-01T09:05")
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, "1. yes\n2. 1\n3. goals\n4. 4"))
    program.run("2026-12-01T18:00")
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, "Correction, sorry:\n4. 5"))
    program.run("2026-12-02T18:00")
    assert program.answers(MAYA[1])["rating"] == "5"
    assert program.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 2  # both replies kept


def test_reminders_at_7_and_14_days_then_coordinator_at_21(program: Program) -> None:
    program.run("2026-12-01T09:05")
    for day in range(2, 29):
        program.run(f"2026-12-{day:02d}T15:00")  # 10:00 in New York, where Helen lives: inside her quiet window
        program.run(f"2026-12-{day:02d}T15:01")  # a second tick the same day adds nothing
    reminders = program.outbox(to_addr=HELEN[1], template="checkin_reminder")
    assert [row["created_at"][:10] for row in reminders] == ["2026-12-08", "2026-12-15"]
    # The coordinator's one list a day (the pairs' three-month notes came on other days): the 8 silent people in it.
    lists = {r["created_at"][:10]: r for r in program.outbox(to_addr=COORDINATOR, template="escalations")}
    assert len(lists) == len(program.outbox(to_addr=COORDINATOR, template="escalations"))  # never two a day
    message = email.message_from_bytes(lists["2026-12-22"]["raw"], policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()
    assert text.count("No November check-in yet from") == 8
    assert "Helen Cho <helen.cho@example.org>" in text and "Jo Nguyen" in text
    assert not program.outbox(template="checkin_escalation")  # never a mail of its own


def test_reminder_is_in_the_prompt_thread_and_answering_it_works(program: Program) -> None:
    program.run("2026-12-01T09:05")
    program.run("2026-12-08T10:00")  # 05:00 in New York: the reminder waits for Helen's morning
    assert not program.outbox(to_addr=HELEN[1], template="checkin_reminder")
    program.run("2026-12-08T13:00")
    reminder = next(m for m in program.sent() if HELEN[1] in str(m["To"]) and m["In-Reply-To"])
    prompt = program.checkin(HELEN[1])["prompt_message_id"]
    assert reminder["In-Reply-To"] == prompt
    assert "1. Did you meet in November?" in reminder.get_body(("plain",)).get_content()
    program.deliver(reply(program.last_to(HELEN[1], "checkin_reminder"), HELEN, "1. no\n4. 3"))
    program.run("2026-12-08T18:00")
    assert program.answers(HELEN[1]) == {"met": "no", "rating": "3"}


def test_nothing_after_an_answer(program: Program) -> None:
    program.run("2026-12-01T09:05")
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, "1. yes\n2. 1\n3. goals\n4. 4"))
    for day in range(1, 29):
        program.run(f"2026-12-{day:02d}T18:00")
    to_maya = [row["template"] for row in program.outbox(to_addr=MAYA[1])]
    assert to_maya == ["checkin_prompt", "checkin_reply"]
    assert not any(row["subject"].startswith("No November check-in yet from Maya") for row in program.outbox())


def test_low_rating_or_help_tells_the_coordinator_only(program: Program) -> None:
    program.run("2026-12-01T09:05")
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, "1. yes\n2. 1\n3. goals\n4. 2\n5. Dana keeps cancelling"))
    program.run("2026-12-01T18:00")
    program.run("2026-12-01T18:01")
    alerts = [row for row in program.outbox(template="coordinator_alert")]
    assert len(alerts) == 1
    assert alerts[0]["to_addr"] == COORDINATOR
    assert b"Dana keeps cancelling" in alerts[0]["raw"]
    assert not any(b"cancelling" in row["raw"] for row in program.outbox(to_addr=DANA[1]))


def test_out_of_office_is_not_recorded_and_not_answered(program: Program) -> None:
    program.run("2026-12-01T09:05")
    program.deliver(out_of_office(program.last_to(MAYA[1]), MAYA))
    program.run("2026-12-01T18:00")
    assert program.answers(MAYA[1]) == {}
    assert program.checkin(MAYA[1])["status"] == "awaiting"
    assert [row["template"] for row in program.outbox(to_addr=MAYA[1])] == ["checkin_prompt"]
    outcome = program.db.execute("SELECT outcome FROM messages").fetchone()[0]
    assert outcome == "automatic"


def test_someone_else_answering_with_a_token_is_held_not_recorded(program: Program) -> None:
    program.run("2026-12-01T09:05")
    program.deliver(reply(program.last_to(MAYA[1]), DANA, "1. yes\n2. 1\n3. goals\n4. 1"))
    program.run("2026-12-01T18:00")
    assert program.answers(MAYA[1]) == {}
    assert program.db.execute("SELECT outcome FROM messages").fetchone()[0] == "sender_mismatch"
    assert program.outbox(to_addr=DANA[1], template="checkin_reply") == []


def test_processing_twice_changes_nothing(program: Program) -> None:
    program.run("2026-12-01T09:05")
    raw = reply(program.last_to(MAYA[1]), MAYA, "1. yes\n2. 1\n3. goals\n4. 4")
    program.deliver(raw)
    program.deliver(raw)  # delivered twice: same Message-ID
    program.run("2026-12-01T18:00")
    program.run("2026-12-01T18:00")
    assert program.db.execute("SELECT count(*) FROM messages").fetchone()[0] == 1
    assert len(program.outbox(to_addr=MAYA[1], template="checkin_reply")) == 1


def test_a_reply_to_a_nudge_goes_to_the_coordinator(program: Program) -> None:
    program.db.execute("UPDATE pairings SET started_at = '2026-10-01T00:00:00+00:00', created_at = started_at")
    program.run("2026-11-30T12:00")
    nudge = program.last_to(MAYA[1], "mentee_nudge")
    program.deliver(reply(nudge, MAYA, "Dana moved to Berlin, we are trying to find a time zone that works."))
    program.run("2026-11-30T18:00")
    [note] = program.outbox(template="note_for_coordinator")
    assert note["to_addr"] == COORDINATOR and b"Dana moved to Berlin" in note["raw"]
    assert b"Reply-To: Maya Patel <maya.patel@example.org>" in note["raw"]
    assert program.outbox(to_addr=MAYA[1], template="note_received")
