"""Warm wishes through the mentor (issue 16): a mentee's birthday and the milestones she reports reach her mentor
as a short note, once, paced, never to her and never for a paused or closed pair.

Driven through the real CLI on Maildir folders (`Cli`): an import with birthdays, ticks across the days before a
birthday with --now, and check-in replies; the readers of birthdays and milestones are also tested alone.
"""

from __future__ import annotations

import csv
import io
import sqlite3
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.engine.fields import PAIRING
from assistant.forms.birthday import read_birthday
from assistant.forms.milestones import find_milestones, kinds_in
from tests.program_cli import EXAMPLES, Cli, reply_at, written

MAYA = ("Maya Patel", "maya.patel@example.org")
KIM = ("Kim Larsen", "kim.larsen@example.org")
DANA = ("Dana Okafor", "dana.okafor@example.org")
BIRTHDAYS = {  # a mentee of each kind of pair
    "maya.patel@example.org": "27 January",  # Dana's mentee, an active pair
    "lena.fischer@example.org": "1990-01-27",  # Priya's mentee: the pair is paused (and the year is not kept)
    "jo.nguyen@example.org": "January 27",  # Helen's mentee: the pair is closed
    "kim.larsen@example.org": "",  # Sofia's mentee: no birthday given
}


def _sheet(folder: Path, birthdays: dict[str, str]) -> Path:
    """The example participants with a birthday column."""
    rows = list(csv.DictReader((EXAMPLES / "participants.csv").open(encoding="utf-8")))
    out = io.StringIO()
    writer = csv.DictWriter(out, [*rows[0], "birthday"])
    writer.writeheader()
    for row in rows:
        writer.writerow({**row, "birthday": birthdays.get(row["email"], "")})
    path = folder / "people-with-birthdays.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _program(folder: Path, capsys: pytest.CaptureFixture[str], birthdays: dict[str, str] = BIRTHDAYS) -> Cli:
    cli = Cli(folder, imported_at="2026-10-10T09:00")
    capsys.readouterr()
    assert cli("--now", "2026-10-10T09:00", "import", "participants", str(_sheet(folder, birthdays))) == 0
    said = capsys.readouterr()
    if birthdays is BIRTHDAYS:  # Lena's full date: the import says what it kept
        assert "stored as 01-27 (month and day only: a year is never kept)" in said.out + said.err
    changes = folder / "pair-changes.csv"
    changes.write_text(
        "mentor_email,mentee_email,status\n"
        "priya.raman@example.org,lena.fischer@example.org,paused\n"
        "helen.cho@example.org,jo.nguyen@example.org,closed\n",
        encoding="utf-8",
    )
    assert cli("--now", "2026-10-10T09:00", "import", "pairs", str(changes)) == 0
    return cli


def _text(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def _days(first: str, last: str) -> list[str]:
    day, end = datetime.fromisoformat(first), datetime.fromisoformat(last)
    found = []
    while day <= end:
        found.append(day.isoformat(timespec="minutes"))
        day += timedelta(days=1)
    return found


def test_the_mentor_hears_of_her_mentees_birthday_a_few_days_ahead_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = _program(tmp_path, capsys)
    assert cli.sql("SELECT email, birthday FROM participants WHERE birthday IS NOT NULL ORDER BY email") == [
        ("jo.nguyen@example.org", "01-27"),
        ("lena.fischer@example.org", "01-27"),
        ("maya.patel@example.org", "01-27"),
    ]
    for now in _days("2027-01-18T10:00", "2027-01-21T10:00"):
        cli.run(now)
    assert not cli.sent(subject="birthday")  # six days ahead is too early
    cli.run("2027-01-22T10:00")
    notes = cli.sent(subject="birthday")
    assert [(str(m["To"]), str(m["Subject"])) for m in notes] == [
        ("Dana Okafor <dana.okafor@example.org>", "Maya's birthday is on Wednesday")
    ]
    text = _text(notes[0])
    assert "Maya's birthday is on Wednesday (27 January): a short note means a lot." in text
    assert "1990" not in text and "Reply stop to leave" in text
    cli.run("2027-01-22T15:00")  # the same day again, and the days up to and after the birthday
    for now in _days("2027-01-23T10:00", "2027-01-30T10:00"):
        cli.run(now)
    assert len(cli.sent(subject="birthday")) == 1
    assert not cli.sent(subject="birthday", to="maya.patel@example.org")  # never to her
    for mentor in ("priya.raman@example.org", "helen.cho@example.org", "sofia.marquez@example.org"):
        assert not cli.sent(subject="birthday", to=mentor)  # paused pair, closed pair, no birthday given


def test_a_birthday_note_the_pace_holds_past_the_birthday_is_dropped_not_sent_late(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = _program(tmp_path, capsys, {"maya.patel@example.org": "7 January"})
    cli.run("2027-01-01T09:30")  # the check-in prompt: Dana's program mail of the week
    assert cli.sent(subject="check-in", to="dana.okafor@example.org")
    for now in _days("2027-01-02T10:00", "2027-01-10T10:00"):
        cli.run(now)
    assert not cli.sent(subject="birthday")  # the prompt came first; after the birthday a note is no note
    assert cli.sql("SELECT count(*) FROM deferred WHERE rule = 'birthday-note-to-mentor'") == [(0,)]
    [(detail,)] = cli.sql(
        "SELECT detail FROM events WHERE kind = 'deferred_dropped' AND detail LIKE '%birthday-note-to-mentor%'"
    )
    assert "its conditions no longer hold" in detail


def _answer(cli: Cli, who: tuple[str, str], text: str, when: str) -> None:
    prompt = cli.sent(subject="check-in", to=who[1])[-1]
    cli.deliver(reply_at(prompt, who, text, when))


NEAR_MISSES = [
    "I'm hoping to get promoted.",
    "My colleague got promoted.",
    "Not promoted yet.",
    "Did I get promoted?",
    "If I get promoted we will celebrate.",
    "I hope I got the job.",
    "I think I got promoted.",
    "I didn't get promoted.",
    "I was not promoted.",
    "I'm going to give a talk at PyCon.",
    "I will publish a paper next month.",
    "She gave a talk.",
    "We talked about how I could get promoted.",
    "I want to start a new job.",
    "I almost got promoted.",
    "Maybe I got the job.",
    "They said I got promoted.",
    "I haven't finished my degree.",
    "Once I graduated I would look for work.",
    "I'd have been promoted if I had stayed.",
    "Promotion case.",
    "My manager was promoted.",
    "We practised the talk I will give.",
    "Would I get promoted if I gave a talk?",
]


def test_a_promotion_in_her_check_in_reaches_her_mentor_once_and_near_misses_reach_nobody(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = _program(tmp_path, capsys, {})
    cli.run("2027-01-01T09:30")
    _answer(cli, MAYA, "1. Yes\n2. 2\n3. My promotion case. I got promoted!\n4. 5\n", "2027-01-02T10:00")
    # Kim's news is all near misses; her private line says what must never be read.
    topics = " ".join(NEAR_MISSES)
    _answer(cli, KIM, f"1. Yes\n2. 1\n3. {topics}\n4. 4\n5. I got promoted and I gave a talk.\n", "2027-01-02T10:00")
    _answer(cli, DANA, "1. Yes\n2. 2\n3. Her promotion case\n4. 5\n", "2027-01-02T11:00")
    cli.run("2027-01-02T12:00")
    assert cli.sql(
        "SELECT p.email, m.kind, m.sentence FROM milestones m JOIN participants p ON p.id = m.participant_id"
    ) == [("maya.patel@example.org", "promotion", "I got promoted!")]
    assert cli.sql("SELECT count(*) FROM answers WHERE question = 'topics' AND value LIKE '%Would I get%'") == [(1,)]
    for now in _days("2027-01-03T10:00", "2027-01-07T10:00"):
        cli.run(now)
    assert not cli.sent(subject="Good news")  # Dana had her prompt on 1 January: the pace holds the note a week
    for now in _days("2027-01-08T10:00", "2027-01-20T10:00"):
        cli.run(now)
    notes = cli.sent(subject="Good news")
    assert [(str(m["To"]), str(m["Subject"])) for m in notes] == [
        ("Dana Okafor <dana.okafor@example.org>", "Good news from Maya")
    ]
    assert "Maya mentioned in her check-in that she got promoted. A word from you would mean a lot" in _text(notes[0])
    assert not cli.sent(subject="Good news", to="sofia.marquez@example.org")


@pytest.mark.parametrize("sentence", NEAR_MISSES)
def test_near_misses_are_not_milestones(sentence: str) -> None:
    assert find_milestones(sentence) == []


@pytest.mark.parametrize(
    ("sentence", "kinds"),
    [
        ("I got promoted!", ["promotion"]),
        ("Big news: I finally got promoted to senior engineer.", ["promotion"]),
        ("I gave my first conference talk at PyCon.", ["talk"]),
        ("I've just started a new job at Acme", ["new_job"]),
        ("I published my first paper.", ["paper"]),
        ("I defended my thesis!", ["degree"]),
        ("I got promoted and I gave a talk at the meetup.", ["promotion", "talk"]),
        ("Me ascendieron en marzo.", ["promotion"]),
        ("J'ai été promue !", ["promotion"]),
        ("Ich wurde befördert.", ["promotion"]),
        ("Fui promovida!", ["promotion"]),
        ("Sono stata promossa.", ["promotion"]),
        ("Ik ben bevorderd.", ["promotion"]),
        ("No me ascendieron.", []),
        ("Je n'ai pas été promue.", []),
        ("Ich wurde nicht befördert.", []),
        ("Não fui promovida.", []),  # Spanish-shaped too: a doubt in any language it matched settles it
        ("Non sono stata promossa.", []),
        ("Ik ben niet bevorderd.", []),
        ("Ik ben gepromoveerd.", []),  # a promotion or a doctorate: not read
        ("¿Me ascendieron?", []),
    ],
)
def test_milestones_read_in_each_language(sentence: str, kinds: list[str]) -> None:
    assert kinds_in(sentence) == kinds


@pytest.mark.parametrize(
    ("text", "value", "year"),
    [
        ("14 March", "03-14", False),
        ("March 14", "03-14", False),
        ("14th of March", "03-14", False),
        ("Mar 14th, 1990", "03-14", True),
        ("03-14", "03-14", False),
        ("14/03", "03-14", False),
        ("14.3.", "03-14", False),
        ("14. März", "03-14", False),
        ("14 de marzo", "03-14", False),
        ("1990-03-14", "03-14", True),
        ("14/03/1990", "03-14", True),
        ("29 Feb", "02-29", False),
        ("05/05", "05-05", False),
    ],
)
def test_birthdays_read_as_month_and_day(text: str, value: str, year: bool) -> None:
    read = read_birthday(text)
    assert (read.value, read.year_dropped) == (value, year)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("03/04", "could be 3 April or 4 March"),
        ("31 April", "April has no day 31"),
        ("29/02/1991", "1991 had no 29 February"),
        ("13/13", "no such month"),
        ("soon", "not a date I can read"),
    ],
)
def test_birthdays_that_could_be_two_days_or_none_are_refused(text: str, problem: str) -> None:
    read = read_birthday(text)
    assert read.value is None and problem in read.problem


def test_an_ambiguous_birthday_in_the_sheet_is_refused_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(tmp_path)
    capsys.readouterr()
    sheet = _sheet(tmp_path, {"maya.patel@example.org": "03/04"})
    assert cli("import", "participants", str(sheet)) != 0
    said = capsys.readouterr()
    assert f"{sheet}:6: birthday '03/04' could be 3 April or 4 March" in said.out + said.err
    assert cli.sql("SELECT count(*) FROM participants WHERE birthday IS NOT NULL") == [(0,)]


def test_the_profile_form_asks_for_a_birthday_and_asks_again_when_it_could_be_two_days(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    zoe = ("Zoe Mensah", "zoe.mensah@example.net")
    cli.deliver(written(zoe, "mentoring@example.org", "join", "Join"))
    cli.run("2027-01-04T10:00")
    [form] = cli.sent(to=zoe[1])
    assert "7. If you like: your birthday, day and month only (e.g. 14 March)?" in _text(form)
    cli.deliver(reply_at(form, zoe, "1. mentee\n2. product\n7. 03/04", "2027-01-04T11:00"))
    cli.run("2027-01-04T11:05")
    assert cli.sql("SELECT role, status, birthday FROM participants WHERE email = ?", (zoe[1],)) == [
        ("mentee", "active", None)  # joined; the birthday is asked about, not guessed
    ]
    again = cli.sent(to=zoe[1])[-1]
    assert str(again["Subject"]) == "One more thing for your profile"
    text = _text(again)
    assert "I could not read your birthday: '03/04' could be 3 April or 4 March; please write the month" in text
    assert "birthday" in text and "Would you like to be a mentor" not in text
    cli.deliver(reply_at(again, zoe, "Birthday: 4 March 1994", "2027-01-04T12:00"))
    cli.run("2027-01-04T12:05")
    assert cli.sql("SELECT birthday FROM participants WHERE email = ?", (zoe[1],)) == [("03-04",)]  # no year kept


@pytest.mark.parametrize(
    ("birthday", "now", "days", "last"),
    [
        ("03-14", "2027-03-09T10:00:00+00:00", 5, "2026-03-14"),
        ("03-14", "2027-03-14T10:00:00+00:00", 0, "2027-03-14"),  # on the day: a new year's episode begins
        ("02-29", "2027-02-23T10:00:00+00:00", 5, "2026-02-28"),  # 28 February in other years
        ("02-29", "2028-02-24T10:00:00+00:00", 5, "2027-02-28"),  # and 29 February in a leap year
        ("01-02", "2026-12-30T10:00:00+00:00", 3, "2026-01-02"),  # across the new year
    ],
)
def test_the_birthday_fields_count_days_and_years(birthday: str, now: str, days: int, last: str) -> None:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE e (birthday TEXT)")
    db.execute("INSERT INTO e VALUES (?)", [birthday])
    fields = ("mentee.days_until_birthday", "mentee.last_birthday")
    found = [db.execute(f"SELECT {PAIRING.fields[f].sql} FROM e", {"now": now}).fetchone()[0] for f in fields]
    assert found == [days, f"{last}T00:00:00+00:00"]
