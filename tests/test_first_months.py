"""Two months of a real program, from the participants' and the coordinator's side (issue 13's "done when").

The example program (4 pairs, a coordinator) runs from 30 November to 5 January through the real command line on
Maildir folders: mail is dropped in the inbox, `run --once` runs at a given moment, and what went out is read back
from the sent folder. One story, each of the issue's numbered points checked where it happens: what people get,
and what they never get.
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import itertools
import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.mail.replies import reply
from tests.conftest import ROOT
from tests.test_handover import DANA, FORWARD, GRACE, PRIYA, SOFIA, TRUSTED, ZOE, Cli, _mail, _to_our_address

MAYA = ("Maya Patel", "maya.patel@example.org")
LENA = ("Lena Fischer", "lena.fischer@example.org")
HELEN = ("Helen Cho", "helen.cho@example.org")
JO = ("Jo Nguyen", "jo.nguyen@example.org")
KIM = ("Kim Larsen", "kim.larsen@example.org")
KIM_NEW = "kim@larsen.example"
# What only a participant is ever sent: a coordinator must never get these.
PARTICIPANT_WORDING = {"checkin_reply", "command_done", "help_reply", "note_received", "unknown_sender_reply"}


class Program(Cli):
    def prompt(self, who: tuple[str, str]) -> EmailMessage:
        return [m for m in self.sent("mentoring check-in", to=who[1]) if not str(m["Subject"]).startswith("Re:")][-1]

    def answer(self, original: EmailMessage, who: tuple[str, str], text: str, when: str) -> str:
        """`who` replies to `original`; the reply's Message-ID."""
        raw = reply(original.as_bytes(), who, text, when=datetime.fromisoformat(when + "+00:00"))
        self.deliver(raw)
        return str(email.message_from_bytes(raw, policy=email.policy.default)["Message-ID"])

    def explain(self, target: str, capsys: pytest.CaptureFixture[str]) -> str:
        capsys.readouterr()
        assert self("--now", "2027-01-05T12:00", "explain", target) == 0
        return capsys.readouterr().out

    def program_mail(self, address: str) -> list[datetime]:
        """When program mail (prompts and rules' mail, what the pace counts) was queued to this address."""
        found = self.sql(
            "SELECT created_at, to_addr FROM outbox WHERE dedupe_key LIKE 'rule:%' OR template = 'checkin_prompt'"
        )
        return sorted(datetime.fromisoformat(at) for at, to in found if address in [a.strip() for a in to.split(",")])


def _text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def _addresses(message: EmailMessage, header: str) -> set[str]:
    return {address for _, address in email.utils.getaddresses([str(message[header] or "")])}


def test_two_months_of_a_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = Program(tmp_path)

    # --- 30 November: Grace forwards Zoe's request; Sofia apologises and says yes --------------------------------
    program.deliver(_mail(GRACE, FORWARD, subject="Fwd: Looking for a mentor"))
    program.run("2026-11-30T13:00")
    [ask] = program.sent("Would you mentor Zoe Mensah?", to=SOFIA[1])
    # (7) the request keeps what it says: her goals are saved, Grace's instruction is not pasted to anyone
    assert "portfolio" in program.goals(ZOE[1])
    assert "Could you introduce" not in _text(ask) and "that you were asked" in _text(ask)
    program.answer(ask, SOFIA, "Sorry for the slow reply! Yes, I'd be glad to.", "2026-11-30T13:30")
    program.run("2026-11-30T14:00")
    # (10) an apology before a yes is a yes; (1) the introduction goes to both, Grace in Cc, Reply-To both
    [introduction] = program.sent("Introducing Zoe Mensah and Sofia Marquez")
    assert not program.sent("Thank you for letting me know")
    assert _addresses(introduction, "To") == {SOFIA[1], ZOE[1]} and _addresses(introduction, "Cc") == {GRACE[1]}
    assert _addresses(introduction, "Reply-To") == {SOFIA[1], ZOE[1]}

    # --- 1 December: the prompts ask about November, by name; Zoe writes to the assistant anyway ------------------
    program.deliver(_to_our_address(introduction, ZOE, "Lovely to meet you, Sofia! Thursday at 5?"))
    program.run("2026-12-01T09:00")
    # (1) a reply that still reaches the assistant from the introduction's thread is passed on, never held
    assert program.outcomes()[-1] == (ZOE[1], "pair_message_passed")
    [passed] = program.sent("Introducing", to=SOFIA[1])[1:]
    assert "Thursday at 5?" in _text(passed)
    # (5) the prompt goes out at the month's turn and asks about the month just ended, by name
    prompts = {who: program.prompt(who) for who in (MAYA, DANA, LENA, PRIYA, HELEN, JO, KIM, SOFIA, ZOE)}
    assert all("November" in str(p["Subject"]) and "Did you meet in November?" in _text(p) for p in prompts.values())
    # (11) Sofia mentors Kim and Zoe: one prompt, not two
    assert len(program.sent("mentoring check-in", to=SOFIA[1])) == 1
    # (8) each prompt carries its recipient's own token, and the line to leave
    for who, prompt in prompts.items():
        token = re.search(r"mentoring\+([^@]+)@", str(prompt["List-Unsubscribe"])).group(1)
        [(owner,)] = program.sql(
            "SELECT p.email FROM reply_tokens t JOIN participants p ON p.id = t.participant_id WHERE t.token = ?",
            (token,),
        )
        assert owner == who[1] and "stop" in _text(prompt).lower()

    # --- 2 and 3 December: answers, a correction, a pause by email, an address change ----------------------------
    first = program.answer(prompts[MAYA], MAYA, "1. yes\n2. twice\n3. my promotion case\n4. 5", "2026-12-02T08:00")
    program.answer(prompts[DANA], DANA, "Yes, twice: her promotion case. 5/5", "2026-12-02T08:10")
    program.answer(prompts[KIM], KIM, "Please use my new address kim@larsen.example from now on.", "2026-12-02T08:20")
    program.answer(prompts[LENA], LENA, "So sorry, it's been a hectic month, more soon!", "2026-12-02T08:30")
    program.deliver(_mail(GRACE, "pause helen.cho@example.org until 2027-01-15", subject="Helen"))
    program.run("2026-12-02T09:00")
    # (3) a coordinator's command by email, authenticated by our server's DMARC verdict: done, and said once
    [done] = program.sent("Done: your command", to=GRACE[1])
    assert "Paused Helen Cho" in _text(done)
    assert program.sql("SELECT status FROM participants WHERE email = ?", (HELEN[1],)) == [("paused",)]
    # (12) a new address, asked for with her own token from her stored address: moved, and the new address told
    assert len(program.sent("Your new address is saved", to=KIM_NEW)) == 1
    assert program.sql("SELECT email FROM participants WHERE name = 'Kim Larsen'") == [(KIM_NEW,)]
    program.answer(prompts[KIM], ("Kim Larsen", KIM_NEW), "1. no\n4. 3", "2026-12-03T08:00")
    program.answer(prompts[MAYA], MAYA, "Sorry, 2. three times", "2026-12-03T08:10")
    program.answer(
        prompts[LENA], LENA, "Priya has been wonderful and patient with me about my new role.", "2026-12-03T08:20"
    )
    program.run("2026-12-03T09:00")
    assert program.sql(
        "SELECT a.value FROM answers a JOIN checkins c ON c.id = a.checkin_id JOIN participants p"
        " ON p.id = c.participant_id WHERE p.email = ? AND a.question = 'met'",
        (KIM_NEW,),
    ) == [("no",)]
    # (5) answers given in December count for November, the month asked about
    assert program.sql(
        "SELECT DISTINCT c.period FROM checkins c JOIN participants p ON p.id = c.participant_id WHERE p.email = ?",
        (MAYA[1],),
    ) == [("2026-11",)]
    # (14) the ledger keeps provenance: the first reply's answers stay its own, with what replaced them
    explained = program.explain(first, capsys)
    assert "twice" in explained and "replaced" in explained.lower()
    # (2) what the assistant could not read waits for a person, and `review list` shows it
    capsys.readouterr()
    assert program("--now", "2026-12-03T10:00", "review", "list") == 0
    assert "lena.fischer@example.org" in capsys.readouterr().out

    # --- December goes on: reminders, a milestone for the pair that met, a mentor who leaves ---------------------
    for day in ("2026-12-08T10:00", "2026-12-14T12:00", "2026-12-15T10:00"):
        program.run(day)
    # (6) Dana and Maya met: their three months are celebrated; (8) "stop" from it acts at once, for Dana only
    [milestone] = program.sent("Three months of mentoring", to=MAYA[1])
    assert not program.sent("Three months of mentoring", to=JO[1])
    program.answer(milestone, DANA, "stop", "2026-12-16T08:00")
    program.run("2026-12-16T09:00")
    assert program.sql(
        "SELECT email, status FROM participants WHERE email IN (?, ?) ORDER BY email", (DANA[1], MAYA[1])
    ) == [
        (DANA[1], "left"),
        (MAYA[1], "active"),
    ]
    assert not program.sent("Please confirm", to=DANA[1])
    # (12) her mentee's pairing closes, and the coordinator hears who needs a new match
    [left] = program.sent("has left the program", to=GRACE[1])
    assert "1 mentee needs a new match" in str(left["Subject"]) and MAYA[1] in _text(left)
    assert program.sql(
        "SELECT p.status FROM pairings p JOIN participants m ON m.id = p.mentor_id WHERE m.email = ?", (DANA[1],)
    ) == [("closed",)]
    # Helen is paused: no reminder asks her
    assert not program.sent("Re: Your November mentoring check-in", to=HELEN[1])

    # --- 22 December: one list for the coordinator, the words of those who wrote ----------------------------------
    program.run("2026-12-22T10:00")
    program.run("2026-12-22T16:00")
    [today] = [m for m in program.sent("need a word from you", to=GRACE[1])]
    text = " ".join(_text(today).split())
    # (4) one mail for every pair that needs her, each pair once, both people named
    assert text.count("Jo Nguyen <") == 1 and text.count("Priya Raman <") == 1 and "Helen Cho" in text
    # (13) Lena wrote: she is not called silent, and her words are there
    assert "Priya has been wonderful and patient with me about my new role." in text
    assert "No November check-in yet from Lena" not in text
    # (3) Grace answers the list about one pair: a note on that pair, acknowledged to her only
    program.deliver(
        TRUSTED.encode()
        + b"\n"
        + reply(today.as_bytes(), GRACE, "I'll call Jo tomorrow.", when=datetime(2026, 12, 22, 17))
    )
    program.run("2026-12-22T18:00")
    assert program.sql("SELECT p.email FROM notes n JOIN participants p ON p.id = n.participant_id") == [(JO[1],)]
    [ack] = program.sent("Noted", to=GRACE[1])
    assert _addresses(ack, "To") == {GRACE[1]} and not program.sent("I'll call Jo", to=JO[1])

    # --- the turn of the year: a re-import changes nothing people chose; January's prompts ----------------------
    program.run("2026-12-30T10:00")
    for sheet in ("participants", "pairs"):
        assert program("--now", "2027-01-01T08:00", "import", sheet, str(ROOT / "examples" / f"{sheet}.csv")) == 0
    program.run("2027-01-01T09:00")
    program.run("2027-01-05T10:00")
    # (9) an import never reactivates someone who stopped or paused
    assert program.sql(
        "SELECT email, status FROM participants WHERE email IN (?, ?) ORDER BY email", (DANA[1], HELEN[1])
    ) == [(DANA[1], "left"), (HELEN[1], "paused")]
    # (12) Maya is not asked about the mentor who left; (3) nor is Helen while paused; Jo is
    assert not program.sent("December mentoring check-in", to=MAYA[1])
    assert not program.sent("December mentoring check-in", to=HELEN[1])
    assert program.sent("December mentoring check-in", to=JO[1])
    # (6) a pair that never reported a meeting gets no milestone; the coordinator is told instead
    assert not program.sent("Three months", to=JO[1]) and not program.sent("Three months", to=KIM_NEW)
    told = " ".join(_text(m) for m in program.sent("need a word from you", to=GRACE[1]))
    assert "never reported a meeting" in told
    # (11) the pace held for everyone, and nothing paced was lost: Sofia and Zoe's two-week check came
    for who in (MAYA, DANA, LENA, PRIYA, HELEN, JO, SOFIA, ZOE):
        times = program.program_mail(who[1])
        assert all(b - a >= timedelta(days=7) for a, b in itertools.pairwise(times)), who
    assert len(program.sent("Two weeks in", to=ZOE[1])) == 1
    # (3) the coordinator never got participant wording
    templates = {t for (t,) in program.sql("SELECT template FROM outbox WHERE to_addr LIKE ?", (f"%{GRACE[1]}%",))}
    assert not templates & PARTICIPANT_WORDING
