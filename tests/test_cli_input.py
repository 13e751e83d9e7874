"""Bad input on the command line is normal input: a clear error that says what to do, never a traceback.

Values that cannot be right (a moment out of range, a number too large for SQLite) are refused by argparse with
exit code 2.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import main


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
