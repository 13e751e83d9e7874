"""The README is a contract (as in sqlite-utils): every command, config key, table and template is documented."""

from __future__ import annotations

import argparse
import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant.cli import build_parser
from assistant.config import TOP_KEYS, Limits
from assistant.db import TABLES, open_db
from assistant.render import Renderer
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    found = []
    for action in build_parser()._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                subs = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
                found += [f"{name} {child}" for s in subs for child in s.choices] or [name]
    return found


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"mentor-assistant {command}" in README


@pytest.mark.parametrize("key", sorted(TOP_KEYS))
def test_every_config_key_is_in_the_readme_and_the_example(key: str) -> None:
    assert f"`{key}`" in README
    assert f"{key}:" in (ROOT / "config.example.yaml").read_text()


@pytest.mark.parametrize("key", [f.name for f in dataclasses.fields(Limits)])
def test_every_limit_is_in_the_readme_and_the_example(key: str) -> None:
    row = next(line for line in README.splitlines() if line.startswith("| `limits` |"))
    assert f"`{key}`" in row
    assert f"\n  {key}:" in (ROOT / "config.example.yaml").read_text()


@pytest.mark.parametrize("table", TABLES)
def test_every_table_is_in_the_readme(table: str) -> None:
    assert f"| `{table}` |" in README


def test_every_table_column_is_in_the_readme(tmp_path: Path) -> None:
    db = open_db(tmp_path / "docs.db")
    data_section = README.split("## The data")[1].split("\n## ")[0]
    for table in TABLES:
        row = next(line for line in data_section.splitlines() if line.startswith(f"| `{table}` |"))
        missing = [c for c in db[table].columns_dict if c != "id" and f"`{c}`" not in row]
        assert not missing, f"README does not describe {table}.{missing}"


@pytest.mark.parametrize("template", Renderer(ROOT / "templates").names())
def test_every_template_is_in_the_readme(template: str) -> None:
    assert f"`{template}`" in README


def test_the_readme_commands_are_the_ones_ci_runs() -> None:
    two_commands = README.split("## Two commands")[1].split("\n## ")[0]
    blocks = re.findall(r"```sh\n(.*?)\n```", two_commands, re.S)
    assert len(blocks) == 2 and "run --once" in blocks[0]
    assert blocks[1] == "scripts/test"
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line and not line.startswith("#")]
    assert ci[-1] == "exec scripts/test"  # exactly the README's command, and its exit code is CI's
    script = (ROOT / "scripts" / "test").read_text()
    assert "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/python -m pytest" in script
    assert "MENTOR_TESTS_REQUIRE_SERVERS=1" in script and "set -euo pipefail" in script


def test_every_command_has_help_that_teaches() -> None:
    for command in _commands():
        result = subprocess.run(
            [sys.executable, "-m", "assistant", *command.split(), "--help"], capture_output=True, text=True, check=True
        )
        assert len(result.stdout) > 200, command


def test_every_coordinator_command_by_email_is_in_the_readme_the_help_and_its_own_help() -> None:
    from assistant.program.coordinators.commands import _ACTIONS

    readme, main_help = README, build_parser().format_help()
    own_help = _ACTIONS["help"](None, None, "")  # type: ignore[arg-type]  # `help` reads nothing of the message
    for verb in set(_ACTIONS) - {"participant", "help"}:
        assert f"| `{verb}" in readme, verb  # a row of the README's table of coordinator commands
        assert f"`{verb}" in main_help, verb
        assert f"{verb} " in own_help or (verb == "status" and "status:" in own_help), verb
