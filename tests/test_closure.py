"""Closure with a reason, and pay it forward done right, through the real command line on Maildir folders.

Every way a pairing ends records `ended_at` and a reason (closing survey, a coordinator's `close`, the pairs sheet,
someone leaving); `report` counts them and `export` lists them. Pay it forward invites a mentee once, ever, after a
cycle that went well with a mentor still in the program, and her yes makes her `both`.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlite_utils import Database

from assistant.db import CLOSE_REASONS, migrations, open_db
from assistant.forms.reasons import check_tables, reason_of
from assistant.mail.replies import reply
from tests.conftest import CONFIG, ROOT
from tests.program_cli import Cli as ProgramCli
from tests.test_handover import DANA, GRACE, PRIYA, SOFIA, _mail

MAYA = ("Maya Patel", "maya.patel@example.org")
LENA = ("Lena Fischer", "lena.fischer@example.org")
HELEN = ("Helen Cho", "helen.cho@example.org")
JO = ("Jo Nguyen", "jo.nguyen@example.org")
RUTH = ("Ruth Adeyemi", "ruth.adeyemi@example.org")  # role `both`: she mentors already


class Cli(ProgramCli):
    """The example people, our own sheet of pairs, DMARC verdicts of our server trusted (coordinator commands)."""

    def __init__(self, folder: Path, pairs: str, imported_at: str = "2026-11-30T12:00", more: str = ""):
        sheet = folder / "pairs.csv"
        sheet.write_text("mentor_email,mentee_email,status,started_at,close_reason\n" + pairs, encoding="utf-8")
        text = CONFIG.format(root=ROOT).replace(
            "address: mentoring@example.org}", "address: mentoring@example.org, authserv_id: mx.example.org}"
        )
        super().__init__(folder, text + more, pairs=sheet, imported_at=imported_at)

    def answer(self, original: EmailMessage, who: tuple[str, str], text: str, when: str) -> None:
        self.deliver(reply(original.as_bytes(), who, text, when=datetime.fromisoformat(when + "+00:00")))

    def pairing(self, mentor: str, mentee: str) -> dict:
        rows = self.sql(
            "SELECT p.status, p.ended_at, p.close_reason, p.close_note, p.close_reason_by FROM pairings p"
            " JOIN participants m ON m.id = p.mentor_id JOIN participants e ON e.id = p.mentee_id"
            " WHERE m.email = ? AND e.email = ?",
            (mentor, mentee),
        )
        return dict(zip(("status", "ended_at", "reason", "note", "by"), rows[0], strict=True))

    def out(self, capsys: pytest.CaptureFixture[str], *args: str) -> str:
        capsys.readouterr()
        assert self(*args) == 0
        return capsys.readouterr().out

    def history(
        self, mentor: str, mentee: str, periods: tuple[str, ...] = ("2026-08", "2026-09", "2026-10"), rating: int = 5
    ):
        """Months gone by: both of the pair said they met, and rated it, in each of `periods`."""
        with sqlite3.connect(self.folder / "program.db") as db:
            pairing_id, mentor_id, mentee_id = db.execute(
                "SELECT p.id, p.mentor_id, p.mentee_id FROM pairings p JOIN participants e ON e.id = p.mentee_id"
                " JOIN participants m ON m.id = p.mentor_id WHERE m.email = ? AND e.email = ?",
                [mentor, mentee],
            ).fetchone()
            for period in periods:
                at = f"{period}-03T10:00:00+00:00"
                for person in (mentor_id, mentee_id):
                    checkin = db.execute(
                        "INSERT INTO checkins (pairing_id, participant_id, period, status, sent_at, answered_at)"
                        " VALUES (?, ?, ?, 'answered', ?, ?)",
                        [pairing_id, person, period, at, at],
                    ).lastrowid
                    for question, value in (("met", "yes"), ("rating", str(rating))):
                        db.execute(
                            "INSERT INTO answers (checkin_id, question, value, recorded_at) VALUES (?, ?, ?, ?)",
                            [checkin, question, value, at],
                        )
            db.execute(
                "UPDATE pairings SET last_met_at = ? WHERE id = ?", [f"{periods[-1]}-20T10:00:00+00:00", pairing_id]
            )


def _answer_prompts(cli: Cli, people: list[tuple[str, str]]) -> None:
    """Everyone answers the December check-in (so no reminder takes the week the closing survey needs)."""
    cli.run("2026-12-01T09:05")
    for who in people:
        prompt = [m for m in cli.sent(to=who[1]) if _is(m, "checkin_prompt", cli)][-1]
        cli.answer(prompt, who, "1. yes\n2. 1\n3. wrap-up\n4. 5", "2026-12-01T12:00")
    cli.run("2026-12-01T13:00")


def _erase(cli: Cli, who: tuple[str, str], day: str) -> None:
    """She writes `delete me` (a fresh mail, so she confirms it first)."""
    cli.deliver(_mail(who, "delete me", subject="delete me"))
    cli.run(f"{day}T10:00")
    [confirm] = [m for m in cli.sent(to=who[1]) if _is(m, "confirm_command", cli)]
    cli.answer(confirm, who, "yes", f"{day}T11:00")
    cli.run(f"{day}T12:00")
    assert cli.sql("SELECT count(*) FROM participants WHERE email = ?", (who[1],)) == [(0,)]


def _survey(cli: Cli, who: tuple[str, str], side: str) -> EmailMessage:
    return [m for m in cli.sent(to=who[1]) if _is(m, f"closing_survey_{side}", cli)][-1]


def _is(message: EmailMessage, template: str, cli: Cli) -> bool:
    """Whether the outbox row this message went out from is of `template`."""
    ids = {str(message["Message-ID"]), str(message["Message-ID"]).strip("<>")}
    return any(t == template for mid, t in cli.sql("SELECT message_id, template FROM outbox") if mid in ids)


def _templates_to(cli: Cli, address: str) -> list[str]:
    return [t for (t,) in cli.sql("SELECT template FROM outbox WHERE to_addr = ? ORDER BY id", (address,))]


# --- closure ---------------------------------------------------------------------------------------------------


def test_a_closing_survey_answer_is_the_reason_the_closing_records_and_report_counts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(tmp_path, "dana.okafor@example.org,maya.patel@example.org,active,2026-06-01\n")
    _answer_prompts(cli, [DANA, MAYA])
    cli.run("2026-12-08T10:00")  # 187 days in, a week after the prompts: the surveys go out
    cli.answer(_survey(cli, DANA, "mentor"), DANA, "1. Confidence\n2. Perspective\n3. yes\n4. yes\n"
               "5. We reached the end of the six months", "2026-12-09T10:00")  # fmt: skip
    cli.run("2026-12-09T11:00")
    assert cli.pairing(DANA[1], MAYA[1]) | {"ended_at": None} == {
        "status": "active", "ended_at": None, "reason": "completed", "note": "We reached the end of the six months",
        "by": "mentor",
    }  # fmt: skip
    cli.answer(_survey(cli, MAYA, "mentee"), MAYA, "1. I made the case\n2. yes, a talk\n3. yes\n4. yes\n"
               "5. Goals met!", "2026-12-10T10:00")  # fmt: skip
    cli.run("2026-12-10T11:00")
    assert cli.pairing(DANA[1], MAYA[1])["reason"] == "goals_met"  # hers counts more than her mentor's
    cli.run("2026-12-19T10:00")  # the closing thanks: the pairing closes, her reason stays
    assert cli.pairing(DANA[1], MAYA[1]) == {
        "status": "closed", "ended_at": "2026-12-19T10:00:00+00:00", "reason": "goals_met", "note": "Goals met!",
        "by": "mentee",
    }  # fmt: skip
    report = json.loads(cli.out(capsys, "--now", "2026-12-20T10:00", "report", "--json"))
    counts = {c["reason"]: c["pairs"] for c in report["closures"]}
    assert counts == dict.fromkeys(CLOSE_REASONS, 0) | {"goals_met": 1}
    text = cli.out(capsys, "--now", "2026-12-20T10:00", "report")
    assert "Closed pairs by reason:" in text and any(
        line.split() == ["goals", "met", "1"] for line in text.splitlines()
    )
    [pair] = json.loads(cli.out(capsys, "export", "--what", "pairs", "--format", "json"))
    assert (pair["ended_at"], pair["close_reason"], pair["close_note"], pair["close_reason_by"]) == (
        "2026-12-19T10:00:00+00:00", "goals_met", "Goals met!", "mentee",
    )  # fmt: skip
    _erase(cli, MAYA, "2026-12-21")  # her words were hers: they go; the pairing's reason stays
    assert cli.sql("SELECT close_reason, close_note FROM pairings") == [("goals_met", None)]


def test_a_coordinator_closes_in_her_own_words(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pairs = (
        "dana.okafor@example.org,maya.patel@example.org,active,2026-09-15\n"
        "priya.raman@example.org,lena.fischer@example.org,active,2026-09-20\n"
        "helen.cho@example.org,jo.nguyen@example.org,active,2026-10-01\n"
    )
    cli = Cli(tmp_path, pairs)
    body = (
        f"close {MAYA[1]} - Maya has no time this spring\n"
        f"close {PRIYA[1]} {LENA[1]}: it just fizzled out\n"
        f"close {HELEN[1]} {JO[1]} - not a good match, but maybe later?\n"
    )
    cli.deliver(_mail(GRACE, body, subject="Commands"))
    cli.run("2026-12-02T10:00")
    assert cli.pairing(DANA[1], MAYA[1]) == {
        "status": "closed", "ended_at": "2026-12-02T10:00:00+00:00", "reason": "no_time",
        "note": "Maya has no time this spring", "by": "coordinator",
    }  # fmt: skip
    assert cli.pairing(PRIYA[1], LENA[1])["reason"] == "other"  # nothing in the words is a reason: kept as written
    assert cli.pairing(PRIYA[1], LENA[1])["note"] == "it just fizzled out"
    doubtful = cli.pairing(HELEN[1], JO[1])  # a reason, but doubted: not read as one
    assert (doubtful["reason"], doubtful["note"]) == ("other", "not a good match, but maybe later?")
    [done] = cli.sent("Done: your commands", to=GRACE[1])
    text = done.get_body(("plain",)).get_content()
    assert "because: Maya has no time this spring (reason: no time)" in text
    assert "because: it just fizzled out (reason: other)" in text
    report = json.loads(cli.out(capsys, "--now", "2026-12-03T10:00", "report", "--json"))
    counts = {c["reason"]: c["pairs"] for c in report["closures"] if c["pairs"]}
    assert counts == {"no_time": 1, "other": 2}
    explained = cli.out(capsys, "--now", "2026-12-03T10:00", "explain", MAYA[1])
    assert "ended 2026-12-02 (no time: Maya has no time this spring; from a coordinator)" in explained


def test_a_re_import_that_closes_a_pair_sets_its_end_and_reason(tmp_path: Path) -> None:
    cli = Cli(tmp_path, "dana.okafor@example.org,maya.patel@example.org,active,2026-09-15\n"
              "priya.raman@example.org,lena.fischer@example.org,active,2026-09-20\n")  # fmt: skip
    sheet = tmp_path / "closed.csv"
    sheet.write_text(
        "mentor_email,mentee_email,status,started_at,close_reason\n"
        "dana.okafor@example.org,maya.patel@example.org,closed,2026-09-15,Maya moved on to a new job\n"
        "priya.raman@example.org,lena.fischer@example.org,closed,2026-09-20,\n"
        "helen.cho@example.org,jo.nguyen@example.org,closed,2026-03-01,Objetivos cumplidos\n",
        encoding="utf-8",
    )
    assert cli("--now", "2026-12-03T10:00", "import", "pairs", str(sheet)) == 0
    assert cli.pairing(DANA[1], MAYA[1]) == {
        "status": "closed", "ended_at": "2026-12-03T10:00:00+00:00", "reason": "moved_on",
        "note": "Maya moved on to a new job", "by": "sheet",
    }  # fmt: skip
    lena = cli.pairing(PRIYA[1], LENA[1])
    assert (lena["ended_at"], lena["reason"], lena["note"]) == ("2026-12-03T10:00:00+00:00", "other", None)
    added = cli.pairing(HELEN[1], JO[1])  # a closed pair the sheet brings in: it ended, as far as we know, now
    assert (added["status"], added["ended_at"], added["reason"]) == ("closed", "2026-12-03T10:00:00+00:00", "goals_met")
    assert cli("--now", "2026-12-04T10:00", "import", "pairs", str(sheet)) == 0  # again: nothing changes
    assert cli.pairing(DANA[1], MAYA[1])["ended_at"] == "2026-12-03T10:00:00+00:00"
    sheet.write_text("mentor_email,mentee_email,status\ndana.okafor@example.org,maya.patel@example.org,active\n")
    assert cli("--now", "2026-12-05T10:00", "import", "pairs", str(sheet)) == 0  # opened again: a fresh start
    assert cli.pairing(DANA[1], MAYA[1]) == {
        "status": "active",
        "ended_at": None,
        "reason": None,
        "note": None,
        "by": None,
    }


def test_a_leavers_pairings_close_as_left_the_program(tmp_path: Path) -> None:
    pairs = (
        "dana.okafor@example.org,maya.patel@example.org,active,2026-09-15\n"
        "dana.okafor@example.org,lena.fischer@example.org,active,2026-09-20\n"
        "sofia.marquez@example.org,jo.nguyen@example.org,active,2026-10-01\n"
    )
    cli = Cli(tmp_path, pairs)
    cli.run("2026-12-01T09:05")
    prompt = [m for m in cli.sent("mentoring check-in", to=DANA[1])][-1]
    cli.answer(prompt, DANA, "stop", "2026-12-02T10:00")
    cli.run("2026-12-02T11:00")
    for mentee in (MAYA, LENA):  # the mentor left: both her pairings ended, and why
        assert cli.pairing(DANA[1], mentee[1]) == {
            "status": "closed", "ended_at": "2026-12-02T11:00:00+00:00", "reason": "left_program", "note": None,
            "by": "leaving",
        }  # fmt: skip
    assert cli.pairing(SOFIA[1], JO[1])["status"] == "active"
    _erase(cli, JO, "2026-12-03")  # erasure: her pairing closes the same way
    rows = cli.sql(
        "SELECT p.status, p.close_reason, p.close_reason_by, p.ended_at FROM pairings p"
        " JOIN participants m ON m.id = p.mentor_id WHERE m.email = ?",
        (SOFIA[1],),
    )
    assert rows[0][:3] == ("closed", "left_program", "leaving") and rows[0][3]


# --- pay it forward ----------------------------------------------------------------------------------------------


def test_pay_it_forward_once_per_person_after_a_good_cycle_with_a_mentor_still_here(tmp_path: Path) -> None:
    pairs = (
        "dana.okafor@example.org,maya.patel@example.org,active,2026-06-01\n"  # good: Maya is invited
        "priya.raman@example.org,lena.fischer@example.org,active,2026-06-01\n"  # good, but Priya then leaves
        "sofia.marquez@example.org,ruth.adeyemi@example.org,active,2026-06-01\n"  # good, but Ruth mentors already
        # Jo's two pairings, both finished well (closed by the sheet): one invitation
        "helen.cho@example.org,jo.nguyen@example.org,closed,2026-05-01,The six months are over\n"
        "ruth.adeyemi@example.org,jo.nguyen@example.org,closed,2026-05-01,completed\n"
    )
    cli = Cli(tmp_path, pairs)
    good = ((DANA, MAYA), (PRIYA, LENA), (SOFIA, RUTH), (HELEN, JO), (RUTH, JO))
    for mentor, mentee in good:
        cli.history(mentor[1], mentee[1])
    _answer_prompts(cli, [DANA, MAYA, PRIYA, LENA, SOFIA, RUTH])
    cli.run("2026-12-08T10:00")  # the closing surveys (nobody answers them); Jo's first invitation
    cli.run("2026-12-19T10:00")  # the closing thanks: the pairings close, `completed`
    assert cli.pairing(PRIYA[1], LENA[1])["reason"] == "completed"
    [thanks] = [m for m in cli.sent(to=PRIYA[1]) if _is(m, "closing_thanks", cli)]
    cli.answer(thanks, PRIYA, "stop", "2026-12-21T10:00")  # Lena's mentor leaves before Lena's invitation is due
    for day in ("2026-12-21T15:00", "2026-12-26T15:00", "2027-01-02T15:00", "2027-01-09T15:00"):  # Jo: New York
        cli.run(day)
    assert cli.sql("SELECT status FROM participants WHERE email = ?", (PRIYA[1],)) == [("left",)]
    assert {r for (r,) in cli.sql("SELECT close_reason || ' ' || status FROM pairings")} == {"completed closed"}
    invited = {to for (to,) in cli.sql("SELECT to_addr FROM outbox WHERE template = 'pay_it_forward'")}
    assert invited == {MAYA[1], JO[1]}  # not Lena (her mentor left), not Ruth (she mentors already)
    assert _templates_to(cli, JO[1]).count("pay_it_forward") == 1  # two good pairings, one invitation
    marked = cli.sql("SELECT email FROM participants WHERE invited_to_mentor_at IS NOT NULL ORDER BY email")
    assert marked == [(JO[1],), (MAYA[1],)]

    [invitation] = [m for m in cli.sent(to=MAYA[1]) if _is(m, "pay_it_forward", cli)]
    assert "went well" in invitation.get_body(("plain",)).get_content()
    cli.answer(invitation, MAYA, "Yes, I'd love to!", "2027-01-09T12:00")
    cli.run("2027-01-09T13:00")
    role, mentored_by = cli.sql(
        "SELECT p.role, m.email FROM participants p JOIN participants m ON m.id = p.mentored_by WHERE p.email = ?",
        (MAYA[1],),
    )[0]
    assert (role, mentored_by) == ("both", DANA[1])  # she mentors now, and is still a mentee
    assert _templates_to(cli, MAYA[1])[-1] == "pay_it_forward_yes"


def test_two_good_pairings_due_at_once_make_one_invitation(tmp_path: Path) -> None:
    """Without pacing both are due in the same tick: the mark, set with the first mail, stops the second."""
    pairs = (
        "helen.cho@example.org,jo.nguyen@example.org,closed,2026-05-01,goals met\n"
        "ruth.adeyemi@example.org,jo.nguyen@example.org,closed,2026-05-01,completed\n"
    )
    cli = Cli(tmp_path, pairs, more="limits: {pace_days: 0}\n")
    for mentor in (HELEN, RUTH):
        cli.history(mentor[1], JO[1])
    cli.run("2026-12-08T15:00")
    assert cli.sql("SELECT rule, entity FROM firings ORDER BY entity") == [
        ("pay-it-forward", "pairing:1"),
        ("pay-it-forward", "pairing:2"),
    ]
    assert _templates_to(cli, JO[1]) == ["pay_it_forward"]
    assert cli.sql("SELECT entity FROM events WHERE kind = 'rule_already_marked'") == [("pairing:2",)]


def test_no_invitation_after_a_cycle_that_did_not_go_well(tmp_path: Path) -> None:
    pairs = (
        "dana.okafor@example.org,maya.patel@example.org,active,2026-06-01\n"  # a rating of 3
        "priya.raman@example.org,lena.fischer@example.org,active,2026-06-01\n"  # met in two months only
    )
    cli = Cli(tmp_path, pairs)
    cli.history(DANA[1], MAYA[1], rating=3)
    cli.history(PRIYA[1], LENA[1], periods=("2026-10",))  # and November, in the December check-in
    _answer_prompts(cli, [DANA, MAYA, PRIYA, LENA])
    for day in ("2026-12-08T10:00", "2026-12-19T10:00", "2026-12-26T10:00", "2027-01-03T10:00"):
        cli.run(day)
    assert cli.sql("SELECT count(*) FROM pairings WHERE status = 'closed'") == [(2,)]
    assert cli.sql("SELECT count(*) FROM outbox WHERE template = 'pay_it_forward'") == [(0,)]


# --- the reader, and every path ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("words", "reason"),
    [
        ("Goals met!", "goals_met"),
        ("completed", "completed"),
        ("no_time", "no_time"),
        ("She got a new job", "moved_on"),
        ("Falta de tiempo", "no_time"),
        ("Objectifs atteints", "goals_met"),
        ("Keine Zeit mehr", "no_time"),
        ("Novo emprego", "moved_on"),
        ("Obiettivi raggiunti", "goals_met"),
        ("Geen klik", "not_a_good_match"),
        ("goals not met", None),  # turned around
        ("not completed", None),
        ("no time, and not a good match", None),  # two reasons
        ("maybe no time", None),  # doubted
        ("no time?", None),
        ("Pas le temps, mais objectifs atteints", None),
        ("it fizzled out", None),
        ("", None),
        ("no time " + "and so on " * 30, None),  # a story, not a reason
    ],
)
def test_what_people_write_is_a_reason_only_when_unmistakable(words: str, reason: str | None) -> None:
    assert reason_of(words) == reason


def test_the_reason_tables_name_each_phrase_once() -> None:
    assert check_tables() == []


def test_every_path_that_closes_a_pairing_goes_through_closure() -> None:
    """The paths that close a pairing, enumerated: each calls `closure.close` (so each sets `ended_at` and a reason),
    and no module writes `status = 'closed'` to pairings by itself."""
    paths = {
        "assistant/program/leaving.py": "close(",  # stop, delete me, a coordinator closing her
        "assistant/program/erasure.py": "close(",  # anything still open when she is erased
        "assistant/program/coordinators/commands.py": "close(",  # `close 12 reason`
        "assistant/program/followup.py": "closure.close(",  # a rule setting pairing.status closed
        "assistant/coordinator/importer.py": "close(",  # the sheet
    }
    for path, call in paths.items():
        assert call in (ROOT / path).read_text(encoding="utf-8"), path
    for source in (ROOT / "assistant").rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        if source.name in ("closure.py", "db.py"):
            continue
        assert "SET status = 'closed'" not in text, f"{source} closes a pairing without closure.close"


def test_the_upgrade_backfills_ends_reasons_and_invitations_from_the_best_evidence(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path, isolation_level=None))
    migrations.apply(db, stop_before="0017_closure")
    at = "2026-06-01T09:00:00+00:00"
    for i in range(1, 8):
        db.execute(
            "INSERT INTO participants (id, email, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [i, f"p{i}@x.org", at, at],
        )
    pairs = (  # id, mentee, status, started_at, ended_at, close_reason
        (1, 2, "closed", at, "2026-10-01T10:00:00+00:00", "Lena changed teams"),  # a coordinator's words
        (2, 3, "closed", at, None, None),  # closed by a re-import: no end; its last check-in was answered
        (3, 4, "closed", at, None, None),  # closed by someone leaving (the event says when)
        (4, 5, "closed", at, None, None),  # closed by closing-thanks (the firing says when)
        (5, 6, "closed", None, None, None),  # nothing known: when the row was created
        (6, 7, "active", at, None, None),  # open: untouched
    )
    for pid, mentee, status, started, ended, reason in pairs:
        db.execute(
            "INSERT INTO pairings (id, mentor_id, mentee_id, status, started_at, ended_at, close_reason, created_at)"
            " VALUES (?, 1, ?, ?, ?, ?, ?, ?)",
            [pid, mentee, status, started, ended, reason, "2026-05-20T09:00:00+00:00"],
        )
    db.execute(
        "INSERT INTO checkins (pairing_id, participant_id, period, status, sent_at, answered_at)"
        " VALUES (2, 3, '2026-09', 'answered', '2026-10-01T09:00:00+00:00', '2026-10-03T18:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO events (at, kind, entity) VALUES ('2026-11-02T08:00:00+00:00', 'pairing_closed', 'pairing:3')"
    )
    db.execute(
        "INSERT INTO firings (rule, entity, episode, seq, fired_at) VALUES"
        " ('closing-thanks', 'pairing:4', '', 0, '2026-12-19T10:00:00+00:00')"
    )
    db.execute(
        "INSERT INTO outbox (dedupe_key, to_addr, subject, message_id, template, raw, created_at)"
        " VALUES ('rule:x', 'p7@x.org', 'Would you mentor someone?', '<m@x>', 'pay_it_forward', x'', ?)",
        ["2026-12-01T10:00:00+00:00"],
    )
    db.conn.close()
    upgraded = open_db(path)
    found = upgraded.execute(
        "SELECT id, ended_at, close_reason, close_note, close_reason_by FROM pairings ORDER BY id"
    ).fetchall()
    assert found == [
        (1, "2026-10-01T10:00:00+00:00", "other", "Lena changed teams", "coordinator"),
        (2, "2026-10-03T18:00:00+00:00", None, None, None),
        (3, "2026-11-02T08:00:00+00:00", "left_program", None, "leaving"),
        (4, "2026-12-19T10:00:00+00:00", "completed", None, "rule"),
        (5, "2026-05-20T09:00:00+00:00", None, None, None),
        (6, None, None, None, None),
    ]
    invited = upgraded.execute("SELECT email, invited_to_mentor_at FROM participants WHERE invited_to_mentor_at != ''")
    assert invited.fetchall() == [("p7@x.org", "2026-12-01T10:00:00+00:00")]
