"""The sponsorship log and the lineage, through the real command line on Maildir folders (issue 16).

A mentee's check-in asks whether her mentor recommended her for an opportunity (mentors are never asked); a yes is
one row in `sponsorships`, however often it is repeated, and the digest, `report`, `export` and `explain` show it.
The lineage (who mentored whom) runs over three generations here: Dana mentored Ruth, who now mentors Maya. A loop
in the data (Maya recorded as Dana's mentor) must not keep `report` or `explain` going.
"""

from __future__ import annotations

import csv
import email
import email.policy
import io
import json
import signal
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.forms.form import load_form
from assistant.yamlfile import YamlError
from tests.conftest import CONFIG, ROOT
from tests.program_cli import Cli, reply_at
from tests.program_cli import written as _written
from tests.test_handover import GRACE, _mail

DANA = ("Dana Okafor", "dana.okafor@example.org")
RUTH = ("Ruth Adeyemi", "ruth.adeyemi@example.org")
MAYA = ("Maya Patel", "maya.patel@example.org")
PRIYA = ("Priya Raman", "priya.raman@example.org")
LENA = ("Lena Fischer", "lena.fischer@example.org")
HELEN = ("Helen Cho", "helen.cho@example.org")
JO = ("Jo Nguyen", "jo.nguyen@example.org")
MENTORS = (DANA, RUTH, PRIYA, HELEN)
QUESTION = "recommended you for an opportunity"

# Dana mentored Ruth (closed); Ruth (role both) now mentors Maya: three generations.
PAIRS = """mentor_email,mentee_email,status,started_at
dana.okafor@example.org,ruth.adeyemi@example.org,closed,2026-01-10
ruth.adeyemi@example.org,maya.patel@example.org,active,2026-09-15
priya.raman@example.org,lena.fischer@example.org,active,2026-09-20
helen.cho@example.org,jo.nguyen@example.org,active,2026-10-01
"""


class Program(Cli):
    def prompt(self, who: tuple[str, str]) -> EmailMessage:
        return [m for m in self.sent("mentoring check-in", to=who[1]) if not str(m["Subject"]).startswith("Re:")][-1]

    def answer(self, who: tuple[str, str], text: str, when: str) -> None:
        self.deliver(reply_at(self.prompt(who), who, text, when))

    def out(self, capsys: pytest.CaptureFixture[str], *args: str) -> str:
        capsys.readouterr()
        assert self(*args) == 0
        return capsys.readouterr().out

    def sponsorships(self) -> list[tuple]:
        return self.sql(
            "SELECT m.email, e.email, s.what, s.period, s.source FROM sponsorships s"
            " JOIN participants m ON m.id = s.sponsor_id JOIN participants e ON e.id = s.protege_id ORDER BY s.id"
        )


def _text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


@pytest.fixture
def program(tmp_path: Path) -> Program:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(PAIRS, encoding="utf-8")
    # Our own server's DMARC verdicts trusted, so a coordinator's command acts at once.
    config = CONFIG.format(root=ROOT).replace(
        "address: mentoring@example.org}", "address: mentoring@example.org, authserv_id: mx.example.org}"
    )
    return Program(tmp_path, config, pairs=pairs, imported_at="2026-11-20T10:00")


@pytest.fixture
def deadline() -> Iterator[None]:
    """A loop in the data must not hang the test run: fail after 20 seconds instead."""

    def stop(*_: object) -> None:
        raise TimeoutError("the lineage did not finish: a loop in the data kept it going")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


def test_a_mentees_yes_is_recorded_once_and_shown_everywhere(
    program: Program, capsys: pytest.CaptureFixture[str]
) -> None:
    program.run("2026-12-01T09:00")
    # Mentees are asked; mentors never are (Ruth mentors Maya: her prompt is a mentor's).
    assert QUESTION in _text(program.prompt(MAYA)) and "If so, for what?" in _text(program.prompt(MAYA))
    for mentor in (RUTH, PRIYA, HELEN):
        assert QUESTION not in _text(program.prompt(mentor))

    program.answer(
        MAYA, "1. yes\n2. twice\n3. my promotion case\n4. 5\n6. Yes\n7. a conference panel", "2026-12-02T08:00"
    )
    # A mentor answering "6. yes" (a number her form does not have) records no sponsorship of anyone.
    program.answer(RUTH, "1. yes\n2. twice\n3. her promotion case\n4. 5\n6. yes", "2026-12-02T08:05")
    # An unclear answer is asked about, like any other; a yes without a "what" is recorded with what empty.
    program.answer(LENA, "1. yes\n2. once\n3. interviews\n4. 4\n6. maybe, not sure yet", "2026-12-02T08:10")
    program.answer(JO, "1. no\n4. 3\n6. yes", "2026-12-02T08:15")
    program.run("2026-12-02T09:00")

    assert program.sponsorships() == [
        (RUTH[1], MAYA[1], "a conference panel", "2026-11", "checkin"),
        (HELEN[1], JO[1], "", "2026-11", "checkin"),
    ]
    assert program.sql("SELECT count(*) FROM answers WHERE question LIKE 'sponsored%' AND checkin_id IN"
                       " (SELECT id FROM checkins WHERE participant_id IN"
                       " (SELECT id FROM participants WHERE role != 'mentee'))") == [(0,)]  # fmt: skip
    [confirmation] = program.sent("Re:", to=MAYA[1])
    assert "a conference panel" in _text(confirmation)
    [asked] = program.sent("Re:", to=LENA[1])
    assert QUESTION in _text(asked) and "maybe, not sure yet" in _text(asked)
    # The message it came from is kept.
    [(message_id,)] = program.sql("SELECT message_id FROM sponsorships WHERE what = 'a conference panel'")
    assert program.sql("SELECT outcome FROM messages WHERE message_id = ?", (message_id,)) == [("recorded",)]

    # A week on, the reminders: a mentor's repeats her questions, never the mentees' one.
    program.run("2026-12-09T10:00")
    reminders = program.sql("SELECT to_addr, raw FROM outbox WHERE template = 'checkin_reminder'")
    assert PRIYA[1] in {to for to, _ in reminders} <= {m[1] for m in MENTORS}  # mentors who had not answered
    reminded = [email.message_from_bytes(raw, policy=email.policy.default) for _, raw in reminders]
    assert reminded and not any(QUESTION in _text(m) for m in reminded)

    # January: she says it again (other case and punctuation): still one row.
    program.run("2027-01-01T09:00")
    program.answer(MAYA, "1. yes\n2. once\n3. the panel talk\n4. 5\n6. yes\n7. A conference panel!", "2027-01-02T08:00")
    program.answer(JO, "1. yes\n2. once\n3. audit\n4. 4\n6. Yes", "2027-01-02T08:05")  # a bare yes again
    program.run("2027-01-02T09:00")
    assert len(program.sponsorships()) == 2

    # The digest: new this week, and only this week.
    digest = program.out(capsys, "--now", "2026-12-04T10:00", "digest")
    assert (
        "SPONSORSHIPS THIS WEEK" in digest and 'Ruth Adeyemi recommended Maya Patel for "a conference panel"' in digest
    )
    assert "SPONSORSHIPS THIS WEEK" not in program.out(capsys, "--now", "2026-12-20T10:00", "digest")

    report = program.out(capsys, "--now", "2027-01-03T10:00", "report")
    assert [line.split()[-1] for line in report.splitlines() if line.startswith("sponsorships ")] == ["2", "0"]
    section = report.split("Sponsorships (a mentor recommending her mentee):")[1].split("\n\n")[0]
    assert "Ruth Adeyemi" in section and "Maya Patel" in section and "a conference panel" in section
    figures = json.loads(program.out(capsys, "--now", "2027-01-03T10:00", "report", "--json"))
    assert figures["counts"]["sponsorships"] == 2 and figures["counts"]["sponsorships_new"] == 0

    exported = list(csv.DictReader(io.StringIO(program.out(capsys, "export", "--what", "sponsorships"))))
    assert [(r["mentor"], r["mentee"], r["what"], r["period"], r["source"]) for r in exported] == [
        (RUTH[1], MAYA[1], "a conference panel", "2026-11", "checkin"),
        (HELEN[1], JO[1], "", "2026-11", "checkin"),
    ]
    assert exported[0]["message_id"] == message_id
    as_json = json.loads(program.out(capsys, "export", "--what", "sponsorships", "--format", "json"))
    assert as_json[0]["what"] == "a conference panel" and as_json[0]["mentor_name"] == "Ruth Adeyemi"

    explained = program.out(capsys, "--now", "2027-01-03T10:00", "explain", MAYA[1])
    assert "Ruth Adeyemi recommended Maya Patel for 'a conference panel' (2026-11, checkin:" in explained
    assert program.out(capsys, "--now", "2027-01-03T10:00", "explain", JO[1]).count("(for what was not said)") == 1


def test_a_coordinator_logs_a_sponsorship_by_email(program: Program, capsys: pytest.CaptureFixture[str]) -> None:
    body = (
        "sponsor priya.raman@example.org lena.fischer@example.org keynote at PyCon\n"
        "sponsor priya.raman@example.org lena.fischer@example.org Keynote at PyCon.\n"
        "sponsor dana.okafor@example.org jo.nguyen@example.org a board seat\n"
    )
    program.deliver(_mail(GRACE, body, subject="Sponsorships"))
    program.run("2026-11-30T13:00")
    [done] = program.sent("About your commands", to=GRACE[1])
    text = _text(done)
    assert "Logged: Priya Raman <priya.raman@example.org> recommended Lena Fischer" in text
    assert "already logged: nothing to add" in text and "has never mentored Jo Nguyen" in text
    assert program.sponsorships() == [(PRIYA[1], LENA[1], "keynote at PyCon", "2026-11", "coordinator")]
    assert "logged by grace@example.org" in program.out(capsys, "explain", LENA[1])


def test_the_lineage_over_three_generations_and_a_loop(
    program: Program, capsys: pytest.CaptureFixture[str], deadline: None
) -> None:
    report = program.out(capsys, "--now", "2026-12-03T10:00", "report")
    lineage = report.split("Lineage (who mentored whom):")[1]
    assert "generations: 1: 3 people, 2: 3 people, 3: 1 person" in lineage
    assert "Dana Okafor \u2192 Ruth Adeyemi \u2192 Maya Patel" in lineage.splitlines()[2]

    maya = program.out(capsys, "--now", "2026-12-03T10:00", "explain", MAYA[1])
    assert "  mentored by: Ruth Adeyemi\n  mentored by (2 generations up): Dana Okafor" in maya
    dana = program.out(capsys, "--now", "2026-12-03T10:00", "explain", DANA[1])
    assert "  mentored: Ruth Adeyemi\n  mentored (2 generations down): Maya Patel" in dana
    ruth = program.out(capsys, "--now", "2026-12-03T10:00", "explain", RUTH[1])
    assert "  mentored by: Dana Okafor" in ruth and "  mentored: Maya Patel" in ruth

    # Hostile data: Maya recorded as Dana's mentor closes a loop (Dana -> Ruth -> Maya -> Dana), and a self-loop.
    program.sql(
        "INSERT INTO pairings (mentor_id, mentee_id, status, created_at) SELECT m.id, d.id, 'closed', '2026-01-01'"
        " FROM participants m, participants d WHERE m.email = ? AND d.email = ?",
        (MAYA[1], DANA[1]),
    )
    program.sql("UPDATE participants SET mentored_by = id WHERE email = ?", (HELEN[1],))
    report = program.out(capsys, "--now", "2026-12-03T10:00", "report")
    lineage = report.split("Lineage (who mentored whom):")[1]
    assert "in a loop" in lineage and all(name in lineage for name in ("Dana Okafor", "Ruth Adeyemi", "Maya Patel"))
    maya = program.out(capsys, "--now", "2026-12-03T10:00", "explain", MAYA[1])
    assert "  mentored: Dana Okafor\n  mentored (2 generations down): Ruth Adeyemi\n" in maya


def test_only_for_is_checked_when_the_form_is_loaded(tmp_path: Path) -> None:
    form = tmp_path / "monthly.yaml"
    form.write_text(
        "title: t\nquestions:\n  - key: met\n    text: Did you meet\n    type: yes_no\n"
        "  - key: rec\n    text: Recommended\n    type: yes_no\n    only_for: mentees\n"
    )
    with pytest.raises(YamlError, match=r"monthly\.yaml:9: only_for 'mentees' is not one of mentor, mentee"):
        load_form(form)
    form.write_text(
        "title: t\nquestions:\n  - key: rec\n    text: Recommended\n    type: yes_no\n    only_for: mentee\n"
        "  - key: what\n    text: For what\n    type: text\n    only_if: rec\n"
    )
    with pytest.raises(YamlError, match=r"monthly\.yaml:7: only_if names 'rec', which is only for mentees"):
        load_form(form)
    shipped = load_form(Path(__file__).parent.parent / "templates/forms/monthly.yaml")
    assert "sponsored" not in shipped.keys_for("mentor") and "sponsored_for" in shipped.keys_for("mentee")


def test_her_erasure_removes_the_sponsorships_she_received(program: Program) -> None:
    program.run("2026-12-01T09:00")
    program.answer(MAYA, "1. yes\n2. once\n3. panel prep\n4. 5\n6. yes\n7. a conference panel", "2026-12-02T08:00")
    program.run("2026-12-02T09:00")
    assert len(program.sponsorships()) == 1
    program.deliver(_written(MAYA, "mentoring@example.org", "delete me", "delete me"))
    program.run("2026-12-02T10:00")
    confirm = program.sent(to=MAYA[1])[-1]  # "reply yes to confirm"
    program.deliver(reply_at(confirm, MAYA, "yes", "2026-12-02T10:30"))
    program.run("2026-12-02T11:00")
    assert program.sql("SELECT outcome FROM messages ORDER BY id DESC LIMIT 1") == [("erased",)]
    assert program.sponsorships() == []
