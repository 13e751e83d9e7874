"""Config loading: the example works as it is; every mistake names the key, the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.cli import main
from assistant.config import ConfigError, load_config
from tests.conftest import ROOT


def test_example_config_checks_clean(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(ROOT / "config.example.yaml"), "check"]) == 0
    assert "OK" in capsys.readouterr().out


def test_example_config_shape() -> None:
    config = load_config(ROOT / "config.example.yaml")
    assert config.database == ROOT / "var" / "program.db"
    assert config.inbox.type == "maildir" and config.inbox.path == ROOT / "var" / "inbox"
    assert config.outbound.path == ROOT / "var" / "sent"
    assert config.timezone.key == "Europe/London"
    assert config.coordinators[0].email == "grace@example.org"


def _write(tmp_path: Path, old: str, new: str) -> Path:
    text = (ROOT / "config.example.yaml").read_text().replace(old, new, 1)
    assert text != (ROOT / "config.example.yaml").read_text(), f"{old!r} not found in the example"
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_typo_in_a_key_names_key_and_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "timezone: Europe/London", "timezon: Europe/London")
    assert main(["--config", str(path), "check"]) == 1
    err = capsys.readouterr().err
    assert f"{path}:{_line_of(path, 'timezon:')}" in err
    assert "'timezon'" in err and "did you mean 'timezone'" in err


def test_typo_in_a_nested_key(tmp_path: Path) -> None:
    path = _write(tmp_path, "day_of_month: 1", "day_of_mnth: 1")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert error.value.line == _line_of(path, "day_of_mnth") and "day_of_month" in str(error.value)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("timezone: Europe/London", "timezone: Mars/Olympus", "unknown time zone"),
        ("timezone: Europe/London", "timezone: America", "unknown time zone 'America'"),  # a folder of zones
        ("timezone: Europe/London", f"timezone: {'A' * 300}", "unknown time zone"),  # a name too long for a file
        ("day_of_month: 1 ", "day_of_month: 31 ", "from 1 to 28"),
        ("address: mentoring@example.org", "address: not-an-address", "email address"),
        ("type: maildir\n  path: ./var/inbox", "type: pigeon\n  path: ./var/inbox", "valid: maildir"),
        ("  - name: Grace Hopper\n    email: grace@example.org", "  - name: Grace Hopper", "missing required key"),
        ("  pace_days: 7 ", "  pace_days: -1 ", "limits.pace_days: expected a whole number from 0 to 365"),
        ("  pace_days: 7 ", "  pace_days: weekly ", "limits.pace_days: expected a whole number"),
    ],
)
def test_bad_values_say_what_would_be_valid(tmp_path: Path, old: str, new: str, expected: str) -> None:
    with pytest.raises(ConfigError, match=expected):
        load_config(_write(tmp_path, old, new))


def test_missing_config_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "nope.yaml"), "status"]) == 1
    assert "nope.yaml: no such config file" in capsys.readouterr().err


def test_broken_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("assistant:\n  name: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path)


def test_unreadable_database_path_is_a_clear_error(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = example_config.parent / "var"
    blocker.write_text("a file where a folder should be")
    assert main(["--config", str(example_config), "status"]) == 1
    assert "cannot open the database" in capsys.readouterr().err


def test_template_syntax_error_names_file_and_line(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    template = example_config.parent / "templates" / "checkin_prompt.txt.j2"
    template.write_text("Hi {{ name }\n")
    assert main(["--config", str(example_config), "check"]) == 1
    assert f"{template}:1:" in capsys.readouterr().err


def test_broken_rules_file_names_file_and_line(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rules = example_config.parent / "rules" / "default.yaml"
    rules.write_text(rules.read_text().replace("field: checkin.status", "field: checkin.stat", 1))
    assert main(["--config", str(example_config), "check"]) == 1
    err = capsys.readouterr().err
    assert "checkin.stat" in err and "did you mean 'checkin.status'" in err and f"{rules}:" in err


def test_check_lists_a_broken_profile_and_closing_form_with_file_and_line(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every form is validated when the program starts and by `check`, not on the day someone answers it."""
    forms = example_config.parent / "templates" / "forms"
    (forms / "profile.yaml").write_text((forms / "profile.yaml").read_text().replace("type: text", "type: txet", 1))
    (forms / "closing_mentee.yaml").write_text("title: Closing\nquestions: []\n")
    assert main(["--config", str(example_config), "check"]) == 1
    err = capsys.readouterr().err
    assert "profile.yaml:" in err and "'txet'" in err
    assert "closing_mentee.yaml:2" in err


def test_pace_days_defaults_to_a_week_and_zero_turns_pacing_off(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, "  pace_days: 7 ", "  pace_days: 0 ")).limits.pace_days == 0
    assert load_config(_write(tmp_path, "  pace_days: 7 ", "  # pace_days: 7 ")).limits.pace_days == 7
