"""Coordinators as a role (issue 13, point 3), through the real command line with Maildir folders: a coordinator's
reply to our alerts is a note on that person or pair, acknowledged once, to her only; her commands by email are
authenticated as introduction requests are (DMARC pass, or a confirmation round-trip), and each is answered; she
never gets a participant's wording, and participants never hear hers."""

from __future__ import annotations

import email
import email.policy
import email.utils
import sqlite3
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.mail.replies import reply
from assistant.program.coordinators.commands import MAX_COMMANDS, command_lines
from tests.test_handover import DANA, GRACE, TRUSTED, Cli

LENA = ("Lena Fischer", "lena.fischer@example.org")
PRIYA = ("Priya Raman", "priya.raman@example.org")
MAYA = ("Maya Patel", "maya.patel@example.org")
PARTICIPANT_WORDING = ("command_done", "note_received", "help_reply", "confirm_command", "note_for_coordinator")


class Program(Cli):
    def db(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.folder / "program.db")
        connection.row_factory = sqlite3.Row
        return connection

    def status(self, address: str) -> tuple[str, str | None]:
        with self.db() as db:
            row = db.execute("SELECT status, paused_until FROM participants WHERE email = ?", [address]).fetchone()
            return row["status"], row["paused_until"]

    def templates(self, address: str) -> list[str]:
        """The templates of every mail queued to this address, oldest first."""
        with self.db() as db:
            found = db.execute("SELECT to_addr, template FROM outbox ORDER BY id").fetchall()
        return [t for to, t in found if address in [a.strip() for a in to.split(",")]]

    def explain(self, target: str, capsys: pytest.CaptureFixture[str]) -> str:
        capsys.readouterr()
        assert self("--now", "2026-12-23T13:00", "explain", target) == 0
        return capsys.readouterr().out


@pytest.fixture
def program(tmp_path: Path) -> Program:
    return Program(tmp_path)


def _mail(sender: tuple[str, str], body: str, auth: str | None = TRUSTED, subject: str = "A few things") -> bytes:
    message = EmailMessage()
    message["From"] = email.utils.formataddr(sender)
    message["To"] = "mentoring@example.org"
    message["Subject"] = subject
    message["Date"] = "Tue, 22 Dec 2026 12:30:00 +0000"
    message["Message-ID"] = email.utils.make_msgid(domain="example.org")
    message.set_content(body)
    return ((auth + "\n").encode() if auth else b"") + message.as_bytes()


def _reply(original: EmailMessage, sender: tuple[str, str], text: str, auth: str | None = TRUSTED) -> bytes:
    raw = reply(original.as_bytes(), sender, text, when=datetime.fromisoformat("2026-12-22T13:30+00:00"))
    return ((auth + "\n").encode() if auth else b"") + raw


def _escalated(program: Program) -> EmailMessage:
    """Three weeks of December silence: the escalation about Lena that went to Grace."""
    program.run("2026-12-01T09:00")
    program.run("2026-12-22T12:00")
    [escalation] = program.sent("4 pairs need a word from you", to=GRACE[1])  # the day's list: every pair is silent
    assert "No November check-in yet from Lena Fischer" in escalation.get_body(("plain",)).get_content()
    return escalation


def test_a_reply_to_an_escalation_is_a_note_on_that_pair_acknowledged_to_her_only(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    escalation = _escalated(program)
    before = {who[1]: program.templates(who[1]) for who in (LENA, PRIYA)}
    program.deliver(_reply(escalation, GRACE, "I'll call Lena tomorrow, she mentioned a busy month."))
    program.run("2026-12-22T14:00")

    assert program.outcomes()[-1] == (GRACE[1], "coordinator_note")
    with program.db() as db:
        [note] = db.execute("SELECT * FROM notes").fetchall()
        lena = db.execute("SELECT id FROM participants WHERE email = ?", [LENA[1]]).fetchone()["id"]
        pair = db.execute("SELECT pairing_id FROM checkins WHERE participant_id = ?", [lena]).fetchone()[0]
    assert (note["author"], note["participant_id"], note["pairing_id"]) == (GRACE[1], lena, pair)
    assert note["text"].startswith("I'll call Lena tomorrow") and note["message_id"]
    [ack] = program.sent("Noted", to=GRACE[1])
    assert str(ack["To"]) == "Grace Hopper <grace@example.org>" and not ack["Cc"]
    body = ack.get_body(("plain",)).get_content()
    assert "Lena Fischer, in the pairing of Lena Fischer and Priya Raman" in body and "I've told" not in body
    assert {who[1]: program.templates(who[1]) for who in (LENA, PRIYA)} == before  # nothing to the pair
    assert not set(program.templates(GRACE[1])) & set(PARTICIPANT_WORDING)
    assert "I'll call Lena tomorrow" in program.explain(LENA[1], capsys)  # explain shows the note


def test_a_reply_to_a_forwarded_note_is_a_note_on_that_pair_not_forwarded_again(program: Program) -> None:
    program.run("2026-12-01T09:00")
    [prompt] = program.sent(to=LENA[1])
    program.deliver(_reply(prompt, LENA, "1. yes\n2. once\n3. my first team offsite\n4. 5", auth=None))
    program.run("2026-12-02T09:00")
    program.run("2026-12-22T12:00")  # three months together, and they met: the milestone
    [milestone] = program.sent("Three months of mentoring", to=LENA[1])
    program.deliver(_reply(milestone, LENA, "Thank you! We're meeting every other week now."))
    program.run("2026-12-22T14:00")
    [forwarded] = program.sent('Lena Fischer replied to "Three months of mentoring', to=GRACE[1])
    sent_before = len(program.sent())
    answer = email.message_from_bytes(_reply(forwarded, GRACE, "Lovely news, thanks."), policy=email.policy.default)
    answer.replace_header("To", "Ada <mentoring@example.org>")  # she wrote to the assistant, not (only) to Lena
    program.deliver(answer.as_bytes())
    program.run("2026-12-22T15:00")
    assert program.outcomes()[-1] == (GRACE[1], "coordinator_note")
    with program.db() as db:
        [note] = db.execute(
            "SELECT n.text, n.pairing_id, p.mentor_id FROM notes n JOIN pairings p ON p.id = n.pairing_id"
        )
    assert note["text"] == "Lovely news, thanks."
    [ack] = program.sent("Noted: the pairing of Lena Fischer and Priya Raman", to=GRACE[1])
    assert str(ack["To"]) == "Grace Hopper <grace@example.org>"
    assert len(program.sent()) == sent_before + 1  # the ack, and nothing else: not back to her, not to Lena


def test_intro_lines_and_commands_in_one_mail(program: Program) -> None:
    body = (
        "intro: Zoe Mensah <zoe.mensah@example.net> -> sofia.marquez@example.org\n"
        "pause dana.okafor@example.org\n"
        "Zoe is building her first design portfolio.\n"
    )
    program.deliver(_mail(GRACE, body))
    program.run("2026-11-30T12:00")
    assert program.status(DANA[1])[0] == "paused"
    [ask] = program.sent("Would you mentor", to="sofia.marquez@example.org")
    text = ask.get_body(("plain",)).get_content()
    assert "portfolio" in text and "pause" not in text.lower()  # the pair never reads the command
    assert program.sent("Done: your command", to=GRACE[1])


def test_a_reply_to_the_digest_is_a_note_about_nobody_and_says_so(program: Program) -> None:
    program.deliver(_mail(GRACE, "Lovely, thank you, I'll look at this on Monday."))  # answers nothing of ours
    program.run("2026-12-22T14:00")
    assert program.outcomes()[-1] == (GRACE[1], "coordinator_note")
    with program.db() as db:
        [note] = db.execute("SELECT participant_id, pairing_id FROM notes").fetchall()
    assert tuple(note) == (None, None)
    [ack] = program.sent("Noted, about nobody in particular", to=GRACE[1])
    assert "note about nobody rather than guess" in ack.get_body(("plain",)).get_content()


@pytest.mark.parametrize("fresh", [False, True], ids=["reply to an escalation", "fresh mail"])
def test_a_coordinators_stop_gets_no_participant_answer(program: Program, fresh: bool) -> None:
    escalation = _escalated(program)
    program.deliver(_mail(GRACE, "stop") if fresh else _reply(escalation, GRACE, "Stop"))
    program.run("2026-12-22T14:00")
    assert program.outcomes()[-1] == (GRACE[1], "coordinator_commands")
    assert not set(program.templates(GRACE[1])) & set(PARTICIPANT_WORDING)
    [answer] = program.sent("About your command", to=GRACE[1])
    assert "participant's command, and you're a coordinator" in answer.get_body(("plain",)).get_content()
    assert program.status(LENA[1])[0] == "active"


def test_pause_with_a_dmarc_pass_acts_at_once_and_the_next_cycle_leaves_her_out(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    program.deliver(_mail(GRACE, "Hi Ada,\n\npause dana.okafor@example.org until 2027-02-01\n\nThanks, Grace"))
    program.run("2026-11-30T12:00")
    assert program.status(DANA[1]) == ("paused", "2027-02-01T00:00:00+00:00")
    [answer] = program.sent("Done: your command", to=GRACE[1])
    assert "Paused Dana Okafor <dana.okafor@example.org> until 1 February 2027" in str(answer.get_body(("plain",)))
    assert program.templates(DANA[1]) == []  # she never hears the coordinator's wording
    program.run("2026-12-01T09:00")
    assert program.sent("check-in", to=DANA[1]) == [] and program.sent(to=MAYA[1])  # Maya is prompted, Dana not
    assert "coordinator_pause" in program.explain(DANA[1], capsys)


def test_pause_without_dmarc_waits_for_her_confirmation(program: Program) -> None:
    program.deliver(_mail(GRACE, "pause dana.okafor@example.org", auth=None))
    program.run("2026-11-30T12:00")
    assert program.status(DANA[1])[0] == "active"
    [confirm] = program.sent("Please confirm: pause dana.okafor@example.org", to=GRACE[1])
    assert "coordinator_commands_done" not in program.templates(GRACE[1])
    program.deliver(_reply(confirm, GRACE, "Yes", auth=None))
    program.run("2026-11-30T13:00")
    assert program.outcomes()[-1] == (GRACE[1], "coordinator_commands")
    assert program.status(DANA[1]) == ("paused", None)
    [answer] = program.sent("Done: your command", to=GRACE[1])
    assert "until you write `resume`" in answer.get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    "sender, auth",
    [
        (GRACE, "Authentication-Results: mx.attacker.example; dmarc=pass header.from=example.org"),
        (("Mallory", "mallory@attacker.example"), TRUSTED),
    ],
    ids=["forged From, someone else's server", "outsider"],
)
def test_a_forged_command_does_nothing(program: Program, sender: tuple[str, str], auth: str) -> None:
    program.deliver(_mail(sender, "pause dana.okafor@example.org\nclose 1", auth=auth))
    program.run("2026-11-30T12:00")
    assert program.status(DANA[1])[0] == "active"
    with program.db() as db:
        assert db.execute("SELECT status FROM pairings WHERE id = 1").fetchone()[0] == "active"
    assert "coordinator_commands_done" not in program.templates(GRACE[1]) and program.templates(DANA[1]) == []
    if sender == GRACE:  # only her configured address is asked, and nothing happens unless she confirms
        assert [m["Subject"] for m in program.sent(to=GRACE[1])] == ["Please confirm: 2 commands?"]


def test_close_resume_note_and_status_in_one_mail(program: Program, capsys: pytest.CaptureFixture[str]) -> None:
    program.deliver(_mail(GRACE, "pause dana.okafor@example.org"))
    program.run("2026-12-01T08:00")
    program.run("2026-12-01T09:00")
    body = (
        "close priya.raman@example.org lena.fischer@example.org - Lena changed teams\n"
        "resume dana.okafor@example.org\n"
        "note maya.patel@example.org: Moving to Berlin in March; ask about remote meetings\n"
        "status\n"
    )
    program.deliver(_mail(GRACE, body))
    program.run("2026-12-02T10:00")
    with program.db() as db:
        pairing = db.execute(
            "SELECT p.* FROM pairings p JOIN participants m ON m.id = p.mentor_id WHERE m.email = ?", [PRIYA[1]]
        ).fetchone()
    assert (pairing["status"], pairing["close_reason"], pairing["close_note"]) == (
        "closed",
        "moved_on",  # "changed teams", unmistakable: mapped onto the reasons, her words kept
        "Lena changed teams",
    ) and pairing["ended_at"] == "2026-12-02T10:00:00+00:00"
    assert program.status(DANA[1]) == ("active", None)
    [answer] = program.sent("Done: your commands", to=GRACE[1])
    text = answer.get_body(("plain",)).get_content()
    assert "Closed pair 2 (Lena Fischer and Priya Raman), because: Lena changed teams (reason: moved on)" in text
    assert "Resumed Dana Okafor" in text and "Noted on Maya Patel" in text
    assert "November 2026: 7 check-ins sent, 0 answered (0%), 7 still awaited." in text  # Dana was paused at 9:00
    assert "Not done" not in text
    assert not set(program.templates(LENA[1])) - {"checkin_prompt"}  # nobody in the pair hears the wording
    explained = program.explain(MAYA[1], capsys)
    assert "Moving to Berlin in March" in explained
    assert "Lena changed teams" in program.explain(LENA[1], capsys)


def test_hostile_commands_get_a_bounded_polite_answer(tmp_path: Path) -> None:
    program = Program(tmp_path)
    pairs = tmp_path / "more-pairs.csv"
    pairs.write_text(
        "mentor_email,mentee_email,status,started_at\n" + f"{DANA[1]},amara.diallo@example.org,active,2026-10-01\n"
    )
    assert program("import", "pairs", str(pairs)) == 0
    lines = [
        "pause nobody@example.org",
        "pause dana.okafor@example.org until someday soon",
        "pause dana.okafor@example.org until 2026-01-01",
        "pause Dana, she is on leave",
        "pause dana.okafor@example.org for two weeks",
        "close dana.okafor@example.org",
        "close 999",
        "resume jo.nguyen@example.org",
        "note maya.patel@example.org",
        "move maya.patel@example.org lena.fischer@example.org",
        "move maya.patel@example.org",
    ]
    program.deliver(_mail(GRACE, "\n".join(lines)))
    program.run("2026-11-30T12:00")
    [answer] = program.sent("About your commands", to=GRACE[1])
    text = answer.get_body(("plain",)).get_content()
    for expected in (
        "I don't know anyone at nobody@example.org",
        "I couldn't read 'someday soon' as a date",
        "1 January 2026 is not in the future",
        "Did you mean dana.okafor@example.org?",
        "couldn't read 'for two weeks'. Write it like `pause dana.okafor@example.org until 2027-02-01`",
        "is in more than one pair",
        "There is no pair 999",
        "Jo Nguyen <jo.nguyen@example.org> is already active",
        "There was nothing after the address to note",
        "lena.fischer@example.org belongs to someone else in the program",
        "I need her old and her new address",
    ):
        assert expected in text, expected
    assert program.status(DANA[1])[0] == "active"
    with program.db() as db:
        assert db.execute("SELECT count(*) FROM pairings WHERE status = 'closed'").fetchone()[0] == 0

    program.deliver(_mail(GRACE, "\n".join(f"pause nobody{i}@example.org" for i in range(1000))))
    program.deliver(_mail(GRACE, "\n".join(f"line {i} of nothing much" for i in range(1000))))
    program.run("2026-11-30T13:00")
    [_, many] = program.sent("About your commands", to=GRACE[1])
    text = many.get_body(("plain",)).get_content()
    assert text.count("I don't know anyone at") == MAX_COMMANDS and "980 more commands" in text
    assert len(text) < 10_000
    assert program.sent("Noted, about nobody in particular", to=GRACE[1])  # plain lines: a note, not commands
    assert program.outcomes()[-2:] == [(GRACE[1], "coordinator_commands"), (GRACE[1], "coordinator_note")]


def test_what_counts_as_a_command_line() -> None:
    commands, more = command_lines(
        "Note that Lena is away.\nStatus update: they met.\nstatus please\nPause dana@example.org\n"
        "Close call, but fine.\nnote dana@example.org on leave\nStop.\ndelete me"
    )
    assert [(c.verb, c.args) for c in commands] == [
        ("status", ""),
        ("pause", "dana@example.org"),
        ("close", "call, but fine."),  # a short line starting with the word is read, then answered politely
        ("note", "dana@example.org on leave"),
        ("participant", ""),
        ("participant", ""),
    ]
    assert more == 0


def test_move_carries_her_to_a_new_address_with_her_history(program: Program) -> None:
    program.run("2026-12-01T09:00")
    program.deliver(_mail(GRACE, "move maya.patel@example.org maya@new.example"))
    program.run("2026-12-02T10:00")
    [answer] = program.sent("Done: your command", to=GRACE[1])
    assert (
        "Moved Maya Patel from maya.patel@example.org to maya@new.example" in answer.get_body(("plain",)).get_content()
    )
    [told] = program.sent(to="maya@new.example")
    assert "maya.patel@example.org" in told.get_body(("plain",)).get_content()
    with program.db() as db:
        moved = db.execute("SELECT old_email, by FROM address_changes").fetchone()
        checkins = db.execute(
            "SELECT count(*) FROM checkins c JOIN participants p ON p.id = c.participant_id WHERE p.email = ?",
            ["maya@new.example"],
        ).fetchone()[0]
    assert tuple(moved) == (MAYA[1], f"coordinator {GRACE[1]}") and checkins == 1


@pytest.mark.parametrize(
    "text, about",
    [
        ("lena.fischer@example.org is on holiday until the 5th.", LENA[1]),
        ("I'll call Lena Fischer and Maya Patel this week.", None),  # two pairs of the list: nobody, never a guess
        ("Thanks, I'll look at these tomorrow.", None),
    ],
)
def test_a_reply_to_the_days_list_is_a_note_on_the_one_pair_she_names(program: Program, text: str, about: str) -> None:
    escalation = _escalated(program)
    program.deliver(_reply(escalation, GRACE, text))
    program.run("2026-12-22T14:00")
    with program.db() as db:
        [note] = db.execute(
            "SELECT p.email FROM notes n LEFT JOIN participants p ON p.id = n.participant_id"
        ).fetchall()
    assert note[0] == about
