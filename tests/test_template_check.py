"""A template typo is a `check` error with its file:line, before anything runs; one that slips through anyway
stops only its own mail, and the coordinators hear of it once a day."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant.cli import main
from tests.conftest import ROOT, Program


@pytest.fixture
def own_copy(tmp_path: Path) -> Path:
    """A program with its own templates and rules to break."""
    for folder in ("templates", "rules"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    text = (ROOT / "config.example.yaml").read_text(encoding="utf-8")
    config = tmp_path / "config.yaml"
    config.write_text(text, encoding="utf-8")
    return config


def _check(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["--config", str(config), "check"])
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, [line for line in err.splitlines() if not line.endswith("problem(s) found")]


def _append(path: Path, line_number: int, text: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[line_number - 1] += text
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_a_misspelt_variable_is_a_check_error_at_its_line(own_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    templates = own_copy.parent / "templates"
    _append(templates / "checkin_prompt.txt.j2", 1, " {{ partner_nam }}")
    _append(templates / "checkin_reminder.html.j2", 3, "{{ participant.nam }}")
    code, problems = _check(own_copy, capsys)
    assert code == 1
    assert (
        f"{templates / 'checkin_prompt.txt.j2'}:1: 'partner_nam' is undefined (as the assistant sends it)" in problems
    )
    reminder = [p for p in problems if "checkin_reminder.html.j2:3: 'dict object' has no attribute 'nam'" in p]
    assert len(reminder) == 1 and "the rule checkin-reminder" in reminder[0]


def test_every_shipped_template_renders_with_what_it_is_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(ROOT / "config.example.yaml"), "check"]) == 0


def test_a_coordinators_new_template_is_checked_as_its_rule_sends_it(
    own_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates, rules = own_copy.parent / "templates", own_copy.parent / "rules" / "default.yaml"
    (templates / "anniversary.subject.j2").write_text("A year with {{ mentee.name }}\n", encoding="utf-8")
    (templates / "anniversary.txt.j2").write_text("Hi {{ name }},\n{{ pairing.startd_at }}\n", encoding="utf-8")
    (templates / "anniversary.html.j2").write_text("<p>Hi {{ name }}</p>\n", encoding="utf-8")
    rules.write_text(
        rules.read_text(encoding="utf-8")
        + "\n  - name: anniversary\n    match: pairing\n    when: {field: pairing.status, eq: active}\n"
        "    send: {template: anniversary, to: pair}\n",
        encoding="utf-8",
    )
    code, problems = _check(own_copy, capsys)
    assert code == 1 and len(problems) == 1
    assert "anniversary.txt.j2:2: 'dict object' has no attribute 'startd_at' (as the rule anniversary" in problems[0]


def test_a_template_broken_at_run_time_stops_only_its_mail(program: Program, tmp_path: Path) -> None:
    templates = tmp_path / "broken-templates"
    shutil.copytree(ROOT / "templates", templates)
    _append(templates / "checkin_reminder.txt.j2", 1, " {{ partner_nam }}")
    program.config_path.write_text(
        program.config_path.read_text().replace(f"{ROOT}/templates", str(templates)), encoding="utf-8"
    )
    program.reload()
    assert program.run("2026-12-01T09:05").prompts == 8  # the prompts' template is fine
    for hour in ("10:00", "10:01", "11:00"):  # reminders are due: each tick tries again, and fails again
        report = program.run(f"2026-12-08T{hour}")
        assert report.rule_mails >= 0
    alerts = program.db.execute("SELECT to_addr, subject FROM outbox WHERE template = 'template_failed'").fetchall()
    subject = "A template could not be filled in: the mail of the rule checkin-reminder is waiting"
    assert [tuple(a) for a in alerts] == [("grace@example.org", subject)]  # once, however many ticks and reminders
    assert program.db.execute("SELECT count(*) FROM outbox WHERE template = 'checkin_reminder'").fetchone()[0] == 0
    fired = program.db.execute("SELECT count(*) FROM firings WHERE rule = 'checkin-reminder'").fetchone()[0]
    assert fired == 0  # not recorded as done: once fixed, the reminders go out

    shutil.copy(ROOT / "templates" / "checkin_reminder.txt.j2", templates / "checkin_reminder.txt.j2")
    program.reload()
    program.run("2026-12-08T12:00")
    assert program.db.execute("SELECT count(*) FROM outbox WHERE template = 'checkin_reminder'").fetchone()[0] > 0


def test_check_and_rules_check_list_every_problem_not_the_first(
    own_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rules = own_copy.parent / "rules" / "default.yaml"
    text = rules.read_text(encoding="utf-8")
    text = text.replace("template: checkin_reminder,", "template: checkin_remindr,")
    text = text.replace("template: mentee_nudge,", "template: mentee_nudg,")
    text = text.replace("match: participant", "match: particpant")
    rules.write_text(text, encoding="utf-8")
    code, problems = _check(own_copy, capsys)
    assert code == 1 and len(problems) == 3, problems
    assert any("checkin_remindr" in p for p in problems) and any("mentee_nudg" in p for p in problems)
    assert any("particpant" in p for p in problems) and all(p.startswith(f"{rules}:") for p in problems)
    assert main(["--config", str(own_copy), "rules", "check"]) == 1
    err = capsys.readouterr().err
    assert "3 problem(s) found" in err and err.count("error: ") == 3
