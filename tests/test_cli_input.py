"""Bad input on the command line is normal input: a clear error that says what to do, never a traceback.

Values that cannot be right (a moment out of range, a number too large for SQLite) are refused by argparse with
exit code 2; files that cannot be used (a sheet that is not UTF-8, a folder that cannot be written) with exit code 1.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main
from tests.conftest import ROOT

# A good row, then one saved from a spreadsheet in Latin-1 (é is the single byte 0xe9).
SHEETS = {
    "participants": "email,name,role\ndana.okafor@example.org,Dana Okafor,mentor\nzoe@example.net,Zoé Müller,mentee\n",
    "pairs": "mentor_email,mentee_email\ndana.okafor@example.org,maya.patel@example.org\nrené@example.org,z@x.net\n",
}


def _cli(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Exit code and stderr of one command, whether it returned or argparse ended it."""
    try:
        code = main(["--config", str(config), *args])
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _process(config: Path, *args: str, stdout: int | None = subprocess.PIPE) -> subprocess.CompletedProcess[str]:
    """The real `python -m assistant`, in its own process."""
    command = [sys.executable, "-m", "assistant", "--config", str(config), *args]
    return subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, text=True, cwd=config.parent, timeout=120)


def _people(config: Path) -> list[str]:
    with sqlite3.connect(config.parent / "var" / "program.db") as db:
        return [row[0] for row in db.execute("SELECT email FROM participants ORDER BY email")]


def test_a_latin1_sheet_is_read_and_the_encoding_said_with_its_names(example_config: Path) -> None:
    sheet = example_config.parent / "sheet.csv"
    sheet.write_bytes(SHEETS["participants"].encode("latin-1"))
    done = _process(example_config, "import", "participants", str(sheet))
    assert done.returncode == 0 and "Traceback" not in done.stderr
    assert f"note: {sheet}: not UTF-8; read as cp1252 (Zoé, Müller)" in done.stderr  # what it gave, to check
    assert "--encoding NAME" in done.stderr and "2 added" in done.stdout
    with sqlite3.connect(example_config.parent / "var" / "program.db") as db:
        assert db.execute("SELECT name FROM participants WHERE email = 'zoe@example.net'").fetchone() == ("Zoé Müller",)


def test_a_sheet_with_a_row_in_error_is_not_imported_at_all(example_config: Path) -> None:
    sheet = example_config.parent / "sheet.csv"
    sheet.write_bytes(SHEETS["pairs"].encode("latin-1"))  # rené@example.org is nobody in the program
    done = _process(example_config, "import", "pairs", str(sheet))
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert f"{sheet}:3: mentor_email rené@example.org is not a participant" in done.stderr
    assert "nothing was imported" in done.stdout


@pytest.mark.parametrize(
    "moment, problem",
    [
        ("0001-01-01T00:00", "is out of range: choose a moment between the years 1900 and 8999"),
        ("9999-12-31T23:59", "is out of range"),
        ("0001-01-01T00:00+14:00", "is out of range"),
        ("1899-12-31", "is out of range"),
        ("2026-02-30T09:00", "is not an ISO-8601 time like 2027-01-15T09:00"),
        ("next tuesday", "is not an ISO-8601 time"),
        ("2026-12-01T09:00+99:00", "is not an ISO-8601 time"),
        ("", "is not an ISO-8601 time"),
    ],
)
def test_a_bad_now_is_one_line_and_exit_code_2(example_config: Path, moment: str, problem: str) -> None:
    done = _process(example_config, "--now", moment, "run", "--once")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    error = done.stderr.splitlines()[-1]  # argparse's usage line, then this one
    assert error.startswith(f"mentor-assistant: error: argument --now: {moment!r} ") and problem in error


@pytest.mark.parametrize("command", [["report"], ["digest"], ["export"], ["status"], ["explain", "x@example.org"]])
def test_every_command_refuses_a_moment_out_of_range(
    example_config: Path, capsys: pytest.CaptureFixture[str], command: list[str]
) -> None:
    code, err = _cli(example_config, capsys, "--now", "9999-12-31T23:00-14:00", *command)
    assert code == 2 and "argument --now: '9999-12-31T23:00-14:00' is out of range" in err


def test_the_edges_of_the_range_work(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(example_config, capsys, "--now", "1900-01-01T00:00+14:00", "run", "--once")[0] == 0
    assert _cli(example_config, capsys, "--now", "8999-12-31T23:59-14:00", "run", "--once")[0] == 0
    assert _cli(example_config, capsys, "--now", "8999-12-31", "report")[0] == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (["outbox", "list", "--limit", "99999999999999999999"], "argument --limit: '99999999999999999999' is not a"),
        (["outbox", "list", "--limit", "-1"], "is not a whole number from 1 to 1,000,000"),
        (["report", "--cycle", "0000-01"], "argument --cycle: '0000-01' is out of range"),
        (["digest", "--cycle", "0001-01"], "argument --cycle: '0001-01' is out of range"),
        (["rules", "simulate", "--from", "0001-01-01"], "argument --from: '0001-01-01' is out of range"),
        (["rules", "simulate", "--to", "9999-12-31"], "argument --to: '9999-12-31' is out of range"),
        (["rules", "simulate", "--from", "2027-13-01"], "argument --from: '2027-13-01' is not a date like 2027-01-15"),
        (["rules", "explain", "checkin-reminder", "checkin:99999999999999999999"], "is not an entity like checkin:12"),
        (["rules", "explain", "checkin-reminder", "checkin:²"], "is not an entity like checkin:12"),
        (["browse", "--port", "99999", "--metadata"], "argument --port: '99999' is not a whole number from 1 to 65,5"),
        (["export", "--period", "garbage"], "argument --period: 'garbage' is not a month like 2026-12"),
        (["export", "--period", "2026-13"], "argument --period: '2026-13' is not a month like 2026-12"),
    ],
)
def test_other_values_that_cannot_be_right_exit_2(
    example_config: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, err = _cli(example_config, capsys, *args)
    assert code == 2 and message in err


def test_the_demo_never_writes_over_a_folder_with_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    program = tmp_path / "program"
    program.mkdir()
    (program / "config.yaml").write_text("program_name: ours\n")
    code, err = _cli(tmp_path / "config.yaml", capsys, "demo", "--dir", str(program))
    assert code == 2 and "is a file or a folder with files in it; name a new or empty folder" in err
    assert (program / "config.yaml").read_text() == "program_name: ours\n"
    code, err = _cli(tmp_path / "config.yaml", capsys, "demo", "--dir", str(program / "config.yaml"))
    assert code == 2 and "name a new or empty folder" in err


def test_files_that_cannot_be_used_are_named(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = example_config.parent
    code, err = _cli(example_config, capsys, "digest", "--html", str(folder / "missing" / "digest.html"))
    assert code == 1 and f"error: cannot write the HTML to {folder / 'missing' / 'digest.html'}" in err
    code, err = _cli(example_config, capsys, "import", "participants", str(folder))
    assert code == 1 and f"{folder}: cannot read: Is a directory" in err
    (folder / "blocker").write_text("a file where a folder should be")
    code, err = _cli(example_config, capsys, "demo", "--dir", str(folder / "blocker" / "demo"))
    assert code == 1 and "error: " in err and "blocker" in err


def test_a_sheet_with_a_huge_field_is_refused_whole(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = example_config.parent / "people.csv"
    sheet.write_text(f'email,name\nfirst@example.org,First\nhuge@example.org,"{"a" * 200_000}"\nlast@example.org,L\n')
    code, err = _cli(example_config, capsys, "import", "participants", str(sheet))
    assert code == 1 and f"{sheet}:3: field larger than field limit" in err
    assert _people(example_config) == []


def test_a_start_date_out_of_range_is_a_bad_row(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _cli(example_config, capsys, "import", "participants", str(ROOT / "examples" / "participants.csv"))
    sheet = example_config.parent / "pairs.csv"
    sheet.write_text(
        "mentor_email,mentee_email,started_at\n"
        "dana.okafor@example.org,maya.patel@example.org,0001-01-01T00:00+14:00\n"
        "dana.okafor@example.org,jo.nguyen@example.org,2026-09-01\n"
    )
    code, err = _cli(example_config, capsys, "import", "pairs", str(sheet))
    assert code == 1 and f"{sheet}:2: started_at '0001-01-01T00:00+14:00' is out of range" in err
    with sqlite3.connect(example_config.parent / "var" / "program.db") as db:
        assert db.execute("SELECT count(*) FROM pairings").fetchone()[0] == 0  # all or nothing: fix it, import again


def test_a_reader_that_goes_away_is_not_an_error_to_print(example_config: Path) -> None:
    """`mentor-assistant status | head -1`: the pipe closes before the program is done writing."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # nobody will ever read: every write fails with EPIPE
    try:
        done = _process(example_config, "status", stdout=write_end)
    finally:
        os.close(write_end)
    assert done.returncode == 141 and done.stderr == ""


@pytest.mark.parametrize("folder", ["./var/inbox", "./var/sent"])
def test_a_mail_folder_that_cannot_be_opened_is_named(
    example_config: Path, capsys: pytest.CaptureFixture[str], folder: str
) -> None:
    (example_config.parent / "blocker").write_text("a file where a Maildir should be")
    config = example_config.read_text().replace(f"path: {folder}", "path: ./blocker/maildir")
    example_config.write_text(config)
    code, err = _cli(example_config, capsys, "run", "--once")
    assert code == 1 and "error: " in err and "blocker/maildir" in err


def test_a_sheets_values_that_cannot_be_right_are_bad_rows(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = example_config.parent / "people.csv"
    sheet.write_text(
        "email,timezone,capacity\n"
        "a@example.org,America,\n"  # a folder of zones: IsADirectoryError
        f"b@example.org,{'A' * 300},\n"  # too long to be a file name
        "c@example.org,,²\n"  # a digit to str.isdigit, not to int()
        "d@example.org,,99999999999999999999999\n"  # too large for SQLite
        "e@example.org,Europe/Paris,2\n"
    )
    code, err = _cli(example_config, capsys, "import", "participants", str(sheet))
    assert code == 1
    assert f"{sheet}:2: timezone 'America' is not an IANA time zone like Europe/London" in err
    assert f"{sheet}:3: timezone 'AAAA" in err
    assert f"{sheet}:4: capacity '²' must be a whole number from 0 to 999" in err
    assert f"{sheet}:5: capacity '99999999999999999999999' must be a whole number" in err
    assert _people(example_config) == []  # every problem said at once; nothing of the file applied


@pytest.mark.parametrize(
    "args",
    [
        ["status", "--config", "{config}"],
        ["run", "--once", "-v", "--config", "{config}"],
        ["outbox", "list", "--limit", "3", "--config", "{config}", "--now", "2026-12-08T10:00"],
        ["rules", "test", "--config", "{config}"],
    ],
)
def test_global_options_work_after_the_command_too(example_config: Path, args: list[str]) -> None:
    """`status --config x` as well as `--config x status`, as the README says every command takes them."""
    argv = [arg.replace("{config}", str(example_config)) for arg in args]
    done = subprocess.run(
        [sys.executable, "-m", "assistant", *argv], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "unrecognized arguments" not in done.stderr


def test_a_global_option_after_the_command_wins_over_the_default_only(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Given before the command, an option is not reset by the command's own (suppressed) default."""
    from assistant.cli import build_parser

    before = build_parser().parse_args(["--config", "a.yaml", "--now", "2026-12-08T10:00", "status"])
    after = build_parser().parse_args(["status", "--config", "b.yaml", "-v"])
    assert (before.config, before.now, before.verbose) == ("a.yaml", "2026-12-08T10:00", False)
    assert (after.config, after.now, after.verbose) == ("b.yaml", None, True)
    nested = build_parser().parse_args(["--config", "a.yaml", "rules", "test", "--now", "2026-12-08T10:00"])
    assert (nested.config, nested.now) == ("a.yaml", "2026-12-08T10:00")


def test_explaining_an_entity_that_does_not_exist_exits_1(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _cli(example_config, capsys, "rules", "explain", "checkin-reminder", "checkin:999")
    assert code == 1 and "there is no checkin:999 in the database" in err
    code, err = _cli(example_config, capsys, "rules", "explain", "checkin-reminder", "pairing:1")
    assert code == 1 and "matches checkin entities" in err


def test_an_export_of_a_period_nobody_was_asked_about_says_so(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = _cli(example_config, capsys, "export", "--period", "2031-01")
    assert code == 0 and "note: no check-ins in 2031-01; periods held: none yet" in err


def test_no_config_file_says_where_one_comes_from(tmp_path: Path) -> None:
    for folder, hint in ((ROOT, "mentor-assistant --config config.example.yaml check"), (tmp_path, "demo")):
        done = subprocess.run(
            [sys.executable, "-m", "assistant", "check"], capture_output=True, text=True, cwd=folder, timeout=120
        )
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert "config.yaml: no such config file" in done.stderr and hint in done.stderr
