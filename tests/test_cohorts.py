"""Cohorts through the real command line on Maildir (issue 16): pairs imported into a cohort run on its calendar
(its start, mid-point and end, its check-in rhythm), while a pair in no cohort, in the same program, behaves as
before; config and sheet mistakes are refused by line, never guessed."""

from __future__ import annotations

import itertools
import json
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import CONFIG, ROOT
from tests.program_cli import Cli, reply_at, written
from tests.test_handover import TRUSTED

COHORTS = """\
cohorts:
  - {name: spring-2027, start: 2027-03-01, end: 2027-08-31}
  - {name: quarterly, start: 2027-03-01, end: 2027-12-31, checkins: every 3 months}
"""
PAIRS = """\
mentor_email,mentee_email,status,started_at,cohort
dana.okafor@example.org,maya.patel@example.org,active,,spring-2027
priya.raman@example.org,lena.fischer@example.org,active,,Spring-2027
helen.cho@example.org,jo.nguyen@example.org,active,2027-02-01,
sofia.marquez@example.org,kim.larsen@example.org,active,,quarterly
"""
MAYA, LENA, JO, KIM = (
    "maya.patel@example.org",
    "lena.fischer@example.org",
    "jo.nguyen@example.org",
    "kim.larsen@example.org",
)


def _program(tmp_path: Path) -> Cli:
    sheet = tmp_path / "pairs.csv"
    sheet.write_text(PAIRS, encoding="utf-8")
    config = CONFIG.format(root=ROOT).replace(  # our own server's DMARC verdicts are trusted (requests act at once)
        "address: mentoring@example.org}", "address: mentoring@example.org, authserv_id: mx.example.org}"
    )
    return Cli(tmp_path, config + COHORTS, pairs=sheet, imported_at="2027-02-10T15:00")


def _prompts(cli: Cli, to: str) -> list[str]:
    """The check-in prompts sent to `to` (not the reminders), by subject."""
    subjects = [str(m["Subject"]) for m in cli.sent("mentoring check-in", to=to)]
    return [s for s in subjects if s.startswith("Your ")]


def _text(cli: Cli, subject: str, to: str) -> str:
    found = cli.sent(subject, to=to)
    assert found, f"no mail {subject!r} to {to}"
    return found[-1].get_body(("plain",)).get_content()


def test_a_cohort_runs_on_its_calendar_and_a_pair_without_one_as_before(tmp_path: Path) -> None:
    cli = _program(tmp_path)
    assert cli.sql("SELECT cohort, started_at FROM pairings ORDER BY id") == [
        ("spring-2027", "2027-03-01T00:00:00+00:00"),  # the config's spelling; began with the cohort (London, GMT)
        ("spring-2027", "2027-03-01T00:00:00+00:00"),
        (None, "2027-02-01T00:00:00+00:00"),
        ("quarterly", "2027-03-01T00:00:00+00:00"),
    ]

    # The pair on its own: two weeks after its start, the expectations check, as always; nobody else.
    cli.run("2027-02-15T15:00")
    assert [str(m["To"]) for m in cli.sent("Two weeks in")] == [
        "Helen Cho <helen.cho@example.org>, Jo Nguyen <jo.nguyen@example.org>"
    ]

    # The cohort's start: its pairs are welcomed, with the expectations conversation; the pair on its own is not.
    cli.run("2027-03-01T15:00")
    welcomed = cli.sent("Welcome to the spring-2027 cohort")
    assert len(welcomed) == 2 and all(MAYA in str(m["To"]) or LENA in str(m["To"]) for m in welcomed)
    text = _text(cli, "Welcome to the", MAYA)
    assert "Today the spring-2027 cohort begins" in text and "It runs until 2027-08-31" in text
    assert "Maya, you drive the relationship" in text
    assert "Reply stop to leave" in text or "write stop to" in text
    assert len(cli.sent("Welcome to the quarterly cohort", to=KIM)) == 1
    assert not cli.sent("Welcome to the", to=JO)

    # Two weeks into the cohort: its pairs are asked about expectations, once each (never by both rules).
    cli.run("2027-03-15T15:00")
    cli.run("2027-03-16T15:00")
    assert len(cli.sent("Two weeks in", to=MAYA)) == 1 and len(cli.sent("Two weeks in", to=JO)) == 1

    # Check-ins: monthly for the spring cohort and the pair on its own; every three months for `quarterly`.
    cli.run("2027-04-01T09:30")
    cli.run("2027-05-01T09:30")

    # The mid-point (31 May): a short reflection to each cohort pair, paced like all program mail. This pair has
    # reported no meeting, so the mentee's nudge went the same day: the reflection waits its week, and so does the
    # 1 June prompt after it (Jo's goes at once).
    cli.run("2027-05-31T15:00")
    assert not cli.sent("Half-way", to=MAYA)
    assert cli.sql("SELECT count(*) FROM deferred WHERE rule = 'cohort-midpoint'") == [(2,)]
    for moment in ("2027-06-01T09:30", "2027-06-08T09:30", "2027-06-15T15:00"):
        cli.run(moment)
    reflection = _text(cli, "Half-way through the spring-2027 cohort", LENA)
    assert "ends on 2027-08-31" in reflection and "Which goal matters most" in reflection
    assert len(cli.sent("Half-way through", to=MAYA)) == 1
    assert not cli.sent("Half-way", to=JO)
    assert not cli.sent("Three months", to=MAYA)  # the mid-point speaks for the cohort; no milestone on top
    mailed = sorted(
        at
        for at, to in cli.sql(
            "SELECT created_at, to_addr FROM outbox WHERE dedupe_key LIKE 'rule:%' OR template = 'checkin_prompt'"
        )
        if MAYA in to and at >= "2027-05-01"
    )
    gaps = [(b - a).days for a, b in itertools.pairwise(datetime.fromisoformat(t) for t in mailed)]
    assert len(mailed) == 4 and min(gaps) >= 7, mailed  # May prompt, nudge, then the reflection and June prompt

    assert _prompts(cli, MAYA) == [
        "Your March mentoring check-in",
        "Your April mentoring check-in",
        "Your May mentoring check-in",
    ]
    assert [s.split()[1] for s in _prompts(cli, JO)] == ["February", "March", "April", "May"]  # as before
    assert _prompts(cli, KIM) == ["Your March mentoring check-in"]

    # Weekly ticks to the cohort's end and beyond. The pair on its own closes on its own timer (187 days after
    # 1 February, then thanks and closed); cohort pairs are not touched by it, and close with their cohort.
    for moment in (
        "2027-07-01T09:30",
        "2027-08-01T09:30",
        "2027-08-08T15:00",
        "2027-08-15T15:00",
        "2027-08-22T15:00",
        "2027-08-30T15:00",
    ):
        cli.run(moment)
    assert cli.sent("four short questions", to=JO) and cli.sent("Thank you, both", to=JO)
    assert cli.sql("SELECT status FROM pairings WHERE cohort IS NULL") == [("closed",)]
    assert not cli.sent("four short questions", to=MAYA)

    # The cohort's end (31 August): the closing surveys, each privately; no prompt about its last month (August).
    cli.run("2027-08-31T15:00")
    survey = cli.sent("four short questions", to=MAYA)
    assert [str(m["To"]) for m in survey] == ["Maya Patel <maya.patel@example.org>"]
    assert cli.sent("Your mentoring with Maya Patel: four short questions", to="dana.okafor@example.org")
    for moment in ("2027-09-01T09:30", "2027-09-05T15:00", "2027-09-08T15:00"):
        cli.run(moment)
    assert len(cli.sent("four short questions", to=MAYA)) == 1  # never again by the per-pairing timer
    assert "Your July mentoring check-in" in _prompts(cli, MAYA)
    assert "Your August mentoring check-in" not in _prompts(cli, MAYA)
    assert not cli.sent("Thank you, both", to=MAYA)

    # Two weeks after the end: thanks to both, and the pairing closes; the quarterly cohort runs on.
    cli.run("2027-09-14T15:00")
    assert len(cli.sent("Thank you, both", to=MAYA)) == 1
    assert cli.sql("SELECT cohort, status FROM pairings WHERE cohort IS NOT NULL ORDER BY id") == [
        ("spring-2027", "closed"),
        ("spring-2027", "closed"),
        ("quarterly", "active"),
    ]
    assert _prompts(cli, KIM) == ["Your March mentoring check-in", "Your June mentoring check-in"]


def test_report_export_and_digest_by_cohort(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = _program(tmp_path)
    cli.run("2027-04-01T09:30")
    capsys.readouterr()
    assert cli("--now", "2027-04-02T10:00", "report") == 0
    out = capsys.readouterr().out
    assert "Cohorts:" in out
    line = next(row for row in out.splitlines() if row.strip().startswith("spring-2027"))
    assert "2027-03-01" in line and "2027-08-31" in line

    assert cli("--now", "2027-04-02T10:00", "report", "--cohort", "spring-2027", "--json") == 0
    figs = json.loads(capsys.readouterr().out)
    assert figs["cohort"]["name"] == "spring-2027"
    assert figs["active_pairs"] == 2 and figs["response"]["sent"] == 4

    assert cli("--now", "2027-04-02T10:00", "export", "--what", "pairs", "--cohort", "spring-2027") == 0
    rows = capsys.readouterr().out.strip().splitlines()
    assert rows[0].split(",")[-1] == "cohort" and len(rows) == 3
    assert cli("--now", "2027-04-02T10:00", "export", "--cohort", "quarterly", "--format", "json") == 0
    exported = json.loads(capsys.readouterr().out)
    assert {row["participant"] for row in exported} == {KIM, "sofia.marquez@example.org"}
    assert all(row["cohort"] == "quarterly" for row in exported)

    assert cli("--now", "2027-04-02T10:00", "report", "--cohort", "sprin") == 1
    assert "no cohort 'sprin'; the config's cohorts: quarterly, spring-2027" in capsys.readouterr().err

    assert cli("--now", "2027-04-02T10:00", "explain", MAYA) == 0
    explained = capsys.readouterr().out
    assert "with Dana Okafor <dana.okafor@example.org>, active, started 2027-03-01" in explained
    assert "cohort spring-2027" in explained

    assert cli("--now", "2027-04-05T10:00", "digest") == 0
    digest = capsys.readouterr().out
    assert "COHORTS" in digest and "spring-2027 (2027-03-01 to 2027-08-31, day 36 of 184): 2 active pairs" in digest


def test_a_pairs_sheet_naming_an_unknown_cohort_is_refused_by_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = _program(tmp_path)
    sheet = tmp_path / "more.csv"
    sheet.write_text(
        "mentor_email,mentee_email,cohort\n"
        "dana.okafor@example.org,lena.fischer@example.org,spring-2027\n"
        "priya.raman@example.org,maya.patel@example.org,sprng-2027\n",
        encoding="utf-8",
    )
    capsys.readouterr()
    assert cli("import", "pairs", str(sheet)) == 1
    err = capsys.readouterr().err
    assert f"{sheet}:3: cohort 'sprng-2027' is not a cohort of the config; its cohorts: spring-2027, quarterly" in err
    assert cli.sql("SELECT count(*) FROM pairings") == [(4,)]  # all or nothing


@pytest.mark.parametrize(
    ("cohorts", "message"),
    [
        ("  - {name: a, start: 2027-03-01, end: 2027-02-01}", "cohorts[0].end: 2027-02-01 is not after the start"),
        (
            "  - {name: a, start: 2027-03-01, end: 2027-09-01}\n  - {name: A, start: 2027-04-01, end: 2027-09-01}",
            "cohorts[1].name: 'A' is named twice",
        ),
        ("  - {name: a, start: 2027-03-01, end: 2027-09-01, checkins: weekly}", "cohorts[0].checkins: 'weekly'"),
        ("  - {name: a, start: March, end: 2027-09-01}", "cohorts[0].start: 'March' is not a date"),
        ("  - {name: a, start: 2027-03-01, end: 2027-09-01, size: 20}", "size"),
    ],
)
def test_config_mistakes_in_cohorts_are_said_with_their_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], cohorts: str, message: str
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(CONFIG.format(root=ROOT) + "cohorts:\n" + cohorts + "\n", encoding="utf-8")
    from assistant.cli import main

    assert main(["--config", str(config), "check"]) == 1
    err = capsys.readouterr().err
    assert f"{config}:" in err and message in err


def test_an_introduction_request_can_name_a_cohort_and_an_unknown_one_is_asked_about(tmp_path: Path) -> None:
    cli = _program(tmp_path)
    grace = ("Grace Hopper", "grace@example.org")
    request = "intro: Zoe Mensah <zoe@example.org> -> ruth.adeyemi@example.org\ncohort: sprng-2027\n"
    cli.deliver((TRUSTED + "\n").encode() + written(grace, "mentoring@example.org", "Introduction", request))
    cli.run("2027-02-20T15:00")
    question = _text(cli, "", "grace@example.org")
    assert "I don't know a cohort 'sprng-2027'; the cohorts are: spring-2027, quarterly" in question
    assert cli.sql("SELECT count(*) FROM introductions") == [(0,)]  # nothing guessed, nobody asked

    request = "intro: Zoe Mensah <zoe@example.org> -> ruth.adeyemi@example.org\ncohort: Spring-2027\nShe designs."
    cli.deliver((TRUSTED + "\n").encode() + written(grace, "mentoring@example.org", "Introduction 2", request))
    cli.run("2027-02-20T16:00")
    assert cli.sql("SELECT cohort, note FROM introductions") == [("spring-2027", "She designs.")]
    assert "their pairing will join the spring-2027 cohort" in _text(cli, "", "grace@example.org")
    ask = cli.sent("", to="ruth.adeyemi@example.org")[-1]
    assert "cohort:" not in ask.get_body(("plain",)).get_content()  # the line is for the assistant
    cli.deliver(reply_at(ask, ("Ruth Adeyemi", "ruth.adeyemi@example.org"), "Yes, happy to.", "2027-02-21T10:00"))
    cli.run("2027-02-21T11:00")
    assert cli.sql(
        "SELECT p.cohort FROM pairings p JOIN participants e ON e.id = p.mentee_id WHERE e.email = 'zoe@example.org'"
    ) == [("spring-2027",)]
    # Introduced before the cohort's start: she and Ruth are welcomed with it.
    cli.run("2027-03-01T15:00")
    assert cli.sent("Welcome to the spring-2027 cohort", to="zoe@example.org")


def test_a_cohort_taken_out_of_the_config_keeps_its_calendar_for_its_pairs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = _program(tmp_path)
    cli.run("2027-03-01T15:00")
    text = cli.config.read_text(encoding="utf-8")
    cli.config.write_text(text.replace("  - {name: quarterly", "  # - {name: quarterly"), encoding="utf-8")
    cli.run("2027-03-02T15:00")
    assert cli.sql("SELECT name, in_config FROM cohorts ORDER BY name") == [("quarterly", 0), ("spring-2027", 1)]
    assert cli.sql("SELECT kind, entity FROM events WHERE kind = 'cohort_kept'") == [
        ("cohort_kept", "cohort:quarterly")
    ]
    capsys.readouterr()
    assert cli("--now", "2027-03-02T15:00", "report") == 0
    assert "quarterly (not in the config)" in capsys.readouterr().out
