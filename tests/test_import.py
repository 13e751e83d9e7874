"""CSV import: good rows kept, bad rows reported by line, re-import idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from tests.conftest import ROOT


def _cli(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def _rows(config: Path, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    _cli(config, "status")
    return capsys.readouterr().out.splitlines()[0]


def test_importing_the_examples_twice_leaves_the_same_rows(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people, pairs = ROOT / "examples" / "participants.csv", ROOT / "examples" / "pairs.csv"
    assert _cli(example_config, "import", "participants", str(people)) == 0
    assert _cli(example_config, "import", "pairs", str(pairs)) == 0
    first = _rows(example_config, capsys)
    assert "participants 10" in first and "pairings 4" in first
    assert _cli(example_config, "import", "participants", str(people)) == 0
    assert _cli(example_config, "import", "pairs", str(pairs)) == 0
    out = capsys.readouterr().out
    assert "10 unchanged" in out and "4 unchanged" in out
    assert _rows(example_config, capsys) == first


def test_one_bad_row_is_reported_by_line_and_the_rest_kept(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text(
        "email,name,role\nann@example.org,Ann,mentor\nnot-an-email,Bob,mentee\ncat@example.org,Cat,boss\n"
        "dee@example.org,Dee,mentee\n"
    )
    assert _cli(example_config, "import", "participants", str(sheet)) == 1
    captured = capsys.readouterr()
    assert f"{sheet}:3: email 'not-an-email' is not an email address" in captured.err
    assert f"{sheet}:4: role 'boss' must be one of mentor, mentee, both" in captured.err
    assert "2 added" in captured.out
    assert "participants 2" in _rows(example_config, capsys)


def test_unknown_column_is_refused_with_the_valid_ones(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text("e-mail,name\nann@example.org,Ann\n")
    assert _cli(example_config, "import", "participants", str(sheet)) == 1
    assert "the columns are: email, name" in capsys.readouterr().err


def test_pair_with_unknown_person_is_reported(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "pairs.csv"
    sheet.write_text("mentor_email,mentee_email\nnobody@example.org,ann@example.org\n")
    assert _cli(example_config, "import", "pairs", str(sheet)) == 1
    assert "import participants first" in capsys.readouterr().err


def test_missing_csv_is_a_clear_error(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli(example_config, "import", "participants", "/nonexistent/people.csv") == 1
    assert "cannot read" in capsys.readouterr().err


def test_emails_are_case_folded(example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text("email,name\nAnn@Example.ORG,Ann\nann@example.org,Ann\n")
    assert _cli(example_config, "import", "participants", str(sheet)) == 0
    assert "1 added" in capsys.readouterr().out
