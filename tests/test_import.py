"""CSV import: good rows kept, bad rows reported by line, re-import idempotent."""

from __future__ import annotations

import sqlite3
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


def test_bad_rows_are_all_reported_by_line_and_nothing_is_half_applied(
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
    assert "2 problem(s); nothing was imported" in captured.out
    assert "participants 0" in _rows(example_config, capsys)  # not Ann nor Dee either: the file is fixed, then imported


def test_unknown_column_is_refused_with_the_valid_ones(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text("e-mail,name\nann@example.org,Ann\n")
    assert _cli(example_config, "import", "participants", str(sheet)) == 1
    err = capsys.readouterr().err
    assert "missing column(s) email" in err and "has: e-mail, name" in err and "the columns are: email, name" in err


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
    sheet.write_text("email,name\nAnn@Example.ORG,Ann\n")
    assert _cli(example_config, "import", "participants", str(sheet)) == 0
    sheet.write_text("email,name\nann@example.org,Ann\n")
    assert _cli(example_config, "import", "participants", str(sheet)) == 0
    assert "1 unchanged" in capsys.readouterr().out


def test_the_same_address_twice_in_one_file_is_an_error_naming_both_lines(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text("email,name\nAnn@Example.ORG,Ann\nbob@example.org,Bob\nann@example.org,Ann Smith\n")
    assert _cli(example_config, "import", "participants", str(sheet)) == 1
    assert f"{sheet}:4: ann@example.org again (first on line 2); one row each" in capsys.readouterr().err
    assert "participants 0" in _rows(example_config, capsys)


# --- what spreadsheets write ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "encoding"),
    [
        ("email;name;role\nann@example.org;Ann Ó;mentor\nbob@example.org;Bob;mentee\n", "utf-8"),  # semicolons
        ("email\tname\trole\nann@example.org\tAnn Ó\tmentor\nbob@example.org\tBob\tmentee\n", "utf-16"),
        ("\ufeffemail,name,role,Notes,,\nann@example.org,Ann Ó,mentor,met at the fair,,\n"
         "bob@example.org,Bob,mentee,,,\n,,,,,\n", "utf-8"),  # BOM, a notes column, Excel's empty columns and rows
    ],
)  # fmt: skip
def test_what_spreadsheets_write_is_read(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, encoding: str
) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_bytes(content.encode(encoding))
    assert _cli(example_config, "import", "participants", str(sheet)) == 0
    captured = capsys.readouterr()
    assert "2 added" in captured.out
    assert ("ignored column(s) notes" in captured.err) == ("Notes" in content)
    assert "participants 2" in _rows(example_config, capsys)


def test_a_central_european_sheet_is_read_in_its_code_page(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_bytes(
        "email,name\nola@example.pl,Aleksandra Wróblewska-Żak\nzosia@example.pl,Zośka Łęcka\n".encode("cp1250")
    )
    assert _cli(example_config, "import", "participants", str(sheet)) == 0
    assert "read as cp1250 (Wróblewska-Żak, Zośka, Łęcka)" in capsys.readouterr().err
    assert _cli(example_config, "import", "participants", str(sheet), "--encoding", "cp1250") == 0
    assert "2 unchanged" in capsys.readouterr().out  # named, it reads the same: no note, nothing changed


def test_a_quote_never_closed_is_an_error_at_the_row_that_opened_it(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sheet = tmp_path / "people.csv"
    sheet.write_text('email,name\nann@example.org,Ann\nbob@example.org,"Bob\ncat@example.org,Cat\n')
    assert _cli(example_config, "import", "participants", str(sheet)) == 1
    assert f"{sheet}:3: a quote opened in this row is never closed" in capsys.readouterr().err
    assert "participants 0" in _rows(example_config, capsys)


def test_a_sheet_never_undoes_what_people_chose_by_email(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = ROOT / "examples" / "participants.csv"
    assert _cli(example_config, "import", "participants", str(people)) == 0
    db = sqlite3.connect(example_config.parent / "var" / "program.db")
    db.execute("UPDATE participants SET status = 'left' WHERE email = 'maya.patel@example.org'")  # she wrote stop
    db.execute("UPDATE participants SET status = 'paused' WHERE email = 'dana.okafor@example.org'")  # and pause
    db.commit()
    capsys.readouterr()
    assert _cli(example_config, "import", "participants", str(people), "--dry-run") == 0
    captured = capsys.readouterr()
    assert "2 kept as people chose" in captured.out and "dry run: nothing was changed" in captured.out
    assert "maya.patel@example.org stays left (her own choice; a sheet does not undo it)" in captured.err
    assert _cli(example_config, "import", "participants", str(people)) == 0
    statuses = dict(db.execute("SELECT email, status FROM participants WHERE status != 'active'").fetchall())
    assert statuses == {"maya.patel@example.org": "left", "dana.okafor@example.org": "paused"}
    assert _cli(example_config, "import", "pairs", str(ROOT / "examples" / "pairs.csv")) == 0
    pairs = db.execute(
        "SELECT count(*) FROM pairings pr JOIN participants p ON p.id IN (pr.mentor_id, pr.mentee_id)"
        " WHERE p.email = 'maya.patel@example.org'"
    ).fetchone()[0]
    assert pairs == 0 and "left the program" in capsys.readouterr().err  # no new pair with someone who left
    db.close()
