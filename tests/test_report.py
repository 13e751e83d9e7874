"""`report`, `export --what`, progress on a terminal, and `browse` (Datasette metadata and a smoke test)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from assistant.cli import coordinator as cli_coordinator
from assistant.cli import main
from assistant.clock import FixedClock, parse_moment
from assistant.config import load_config
from assistant.coordinator import browse
from assistant.coordinator.export import export
from assistant.coordinator.progress import Progress, progress
from assistant.db import open_db
from assistant.demo import run_demo

CONTRACT = (
    "participants",
    "pairings",
    "checkins",
    "answers",
    "messages",
    "outbox",
    "events",
    "reply_tokens",
    "firings",
)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    with contextlib.redirect_stdout(io.StringIO()):
        run_demo(folder)
    return folder


def _run(folder: Path, *argv: str, now: str = "2026-12-14T08:00") -> int:
    parser = argparse.ArgumentParser()
    cli_coordinator.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    config = load_config(folder / "config.yaml")
    return cli_coordinator.run(args, config, FixedClock(parse_moment(now, config.timezone)))


def test_report_tables_and_json(demo_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(demo_folder, "report") == 0
    out = capsys.readouterr().out
    assert "Report for Monday 14 December 2026 (cycle 2026-11)" in out
    assert "check-ins sent this cycle                  8" in out and "response rate" in out
    quiet = next(line for line in out.splitlines() if "Jo Nguyen" in line and "Helen Cho" in line)
    assert "neither has answered the November check-in" in quiet and "none reported" in quiet
    assert "intro: amara.diallo@example.org -> priya.raman@example.org" in out
    assert _run(demo_folder, "report", "--json", "--cycle", "2026-10") == 0
    figs = json.loads(capsys.readouterr().out)
    assert figs["cycle"] == "2026-10" and figs["response"] == {
        "sent": 0, "answered": 0, "awaiting": 0, "rate": None, "percent": None
    }  # fmt: skip
    with pytest.raises(SystemExit):
        _run(demo_folder, "report", "--cycle", "December")


def test_digest_preview_prints_text_and_writes_html(
    demo_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(demo_folder, "digest", "--html", str(tmp_path / "d.html")) == 0
    out = capsys.readouterr().out
    assert out.startswith("Subject: Example Mentoring Program this week") and "QUIET PAIRS" in out
    html = (tmp_path / "d.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in html and "cid:chart" not in html


def test_export_pairs_answers_and_checkins(demo_folder: Path) -> None:
    db = open_db(demo_folder / "program.db")
    try:
        for what, table in (("pairs", "pairings"), ("answers", "answers"), ("checkins", "checkins")):
            out = io.StringIO()
            export(db, "csv", None, out, what=what)
            rows = list(csv.DictReader(io.StringIO(out.getvalue())))
            assert len(rows) == db[table].count, what
        out = io.StringIO()
        export(db, "json", "2026-11", out, what="pairs")
        pairs = {p["pairing_id"]: p for p in json.loads(out.getvalue())}
        assert (pairs[2]["rating_min"], pairs[2]["checkins_answered"], pairs[3]["checkins_answered"]) == (2, 2, 0)
        out = io.StringIO()
        export(db, "csv", None, out)  # the default is still one row per check-in, a column per question
        assert out.getvalue().splitlines()[0].startswith("checkin_id,period,status,sent_at,answered_at,pairing_id")
        out = io.StringIO()
        export(db, "csv", "2030-01", out, what="answers")
        assert out.getvalue().strip() == (
            "answer_id,checkin_id,period,participant,role,pairing_id,question,value,raw,recorded_at,message_id,cohort"
        )  # each row names its pair's cohort (empty for a pair in none)
    finally:
        db.close()


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_and_is_silent_otherwise() -> None:
    quiet = io.StringIO()
    assert list(progress(range(5), "exporting", stream=quiet)) == [0, 1, 2, 3, 4]
    assert quiet.getvalue() == ""
    tty = FakeTerminal()
    assert list(progress([1, 2, 3], "exporting", stream=tty)) == [1, 2, 3]
    assert "exporting 0/3 (0%)" in tty.getvalue() and "exporting 3/3 (100%)" in tty.getvalue()
    assert tty.getvalue().endswith("\r")  # the line is cleared at the end
    assert Progress("importing", stream=FakeTerminal()).line() == "importing 0 …"


def test_browse_metadata_describes_every_column_and_its_queries_run(demo_folder: Path) -> None:
    path = demo_folder / "program.db"
    meta = browse.metadata(path, "Example")
    tables = meta["databases"]["program"]["tables"]
    connection = sqlite3.connect(path)
    try:
        for table, (_, columns) in browse.TABLES.items():
            actual = [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
            if not actual and table not in CONTRACT:
                continue  # described ahead of its migration
            assert sorted(actual) == sorted(columns), table  # described exactly: none missing, none stale
            assert tables[table]["columns"] == columns
        assert tables["reply_tokens"]["hidden"] is True
        results = {}
        for key, query in meta["databases"]["program"]["queries"].items():
            cursor = connection.execute(query["sql"])
            names = [d[0] for d in cursor.description]
            results[key] = [dict(zip(names, row, strict=True)) for row in cursor]
    finally:
        connection.close()
    assert [r["pairing"] for r in results["silent_pairs"]] == [3]
    assert [(r["email"], r["rating"]) for r in results["low_ratings"]] == [("lena.fischer@example.org", "2")]
    assert {r["period"] for r in results["this_cycle_answers"]} == {"2026-11"}


def test_browse_without_datasette_says_how_to_install_it(
    demo_folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(browse, "available", lambda: False)
    assert _run(demo_folder, "browse") == 1
    assert "pip install 'mentorship-assistant[browse]'" in capsys.readouterr().err


def test_browse_smoke_with_datasette(demo_folder: Path) -> None:
    import datasette.app as datasette_app  # in the test extras: a missing Datasette fails the run, never skips it

    path = demo_folder / "program.db"
    ds = datasette_app.Datasette([str(path)], metadata=browse.metadata(path, "Example"))

    async def fetch(url: str) -> tuple[int, str]:
        response = await ds.client.get(url)
        return response.status_code, response.text

    status, body = asyncio.run(fetch("/program/low_ratings.json?_shape=array"))
    assert status == 200 and json.loads(body)[0]["email"] == "lena.fischer@example.org"
    status, body = asyncio.run(fetch("/program/participants"))
    assert status == 200 and "One row per person in the program." in body
    assert browse.command(path, Path("m.json"), "127.0.0.1", 8001)[1:5] == ["-m", "datasette", "serve", str(path)]


def test_browse_queries_follow_the_rules_thresholds(
    demo_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Editing the rules changes the canned queries with the digest: no threshold is restated in SQL."""
    config = demo_folder / "config.yaml"
    rules = tmp_path / "rules"
    shutil.copytree(load_config(config).rules, rules)
    text = (rules / "default.yaml").read_text(encoding="utf-8")
    (rules / "default.yaml").write_text(text.replace("for: 45d", "for: 30d").replace("lte: 2", "lt: 3"), "utf-8")
    edited = tmp_path / "config.yaml"
    edited.write_text(re.sub(r"(?m)^rules: .*$", f"rules: {rules}", config.read_text(encoding="utf-8")), "utf-8")
    assert main(["--config", str(edited), "browse", "--metadata"]) == 0
    queries = json.loads(capsys.readouterr().out)["databases"]["program"]["queries"]
    assert ">= 30)" in queries["silent_pairs"]["sql"] and "30 days" in queries["silent_pairs"]["description"]
    assert "< 3" in queries["low_ratings"]["sql"] and "below 3" in queries["low_ratings"]["description"]
    defaults = browse.metadata(demo_folder / "program.db", "Example")["databases"]["program"]["queries"]
    assert ">= 45)" in defaults["silent_pairs"]["sql"] and "<= 2" in defaults["low_ratings"]["sql"]
