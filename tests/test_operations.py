"""Running it for months: `status --json` as a health check, and `backup` while the assistant runs."""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path

import pytest

from assistant.cli import main
from tests.conftest import ROOT
from tests.servers import IMAP_ENV, MailUser, imap_settings, write_program

pytest_plugins = ["tests.servers"]


def _cli(config: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["--config", str(config), *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _health(config: Path, capsys: pytest.CaptureFixture[str], now: str, *extra: str) -> tuple[int, dict]:
    code, out, _ = _cli(config, capsys, "--now", now, "status", "--json", *extra)
    return code, json.loads(out)


def test_status_json_is_a_health_check(example_config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, facts = _health(example_config, capsys, "2026-12-01T09:00")
    assert code == 1 and facts["problems"] == ["poll has never run", "drain has never run"]
    assert _cli(example_config, capsys, "--now", "2026-12-01T09:00", "run", "--once")[0] == 0
    code, facts = _health(example_config, capsys, "2026-12-01T09:10")
    assert code == 0 and facts["healthy"] is True and facts["problems"] == []
    assert {job["name"] for job in facts["jobs"]} == {"poll", "tick", "drain"}
    assert facts["rows"]["participants"] == 0 and facts["quarantined"] == 0
    code, facts = _health(example_config, capsys, "2026-12-01T10:00")  # nothing has run for an hour
    assert code == 1 and "poll has not run since 2026-12-01T09:00" in facts["problems"][0]
    assert _health(example_config, capsys, "2026-12-01T10:00", "--failing-for", "120")[0] == 0


def test_status_json_is_unhealthy_once_a_refused_login_lasts(
    tmp_path: Path, imap_user: MailUser, mail_env, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_program(tmp_path, imap_settings(imap_user))
    monkeypatch.setenv(IMAP_ENV, "wrong")
    assert _cli(config, capsys, "--now", "2026-12-01T09:00", "run", "--once")[0] == 1
    code, facts = _health(config, capsys, "2026-12-01T09:05")
    assert code == 0  # a failure of five minutes may be a blip
    code, facts = _health(config, capsys, "2026-12-01T09:20")
    assert code == 1 and facts["problems"][0].startswith("poll failing since 2026-12-01T09:00")
    assert "login refused" in facts["problems"][0]


def test_backup_is_consistent_while_another_process_writes(
    example_config: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(example_config, capsys, "import", "participants", str(ROOT / "examples" / "participants.csv"))[0] == 0
    database = example_config.parent / "var" / "program.db"
    stop = threading.Event()

    def write() -> None:  # the running assistant, as far as SQLite can tell
        writer = sqlite3.connect(database, timeout=30)
        n = 0
        while not stop.is_set():
            writer.execute("INSERT INTO events (at, kind, entity, detail) VALUES ('2026-12-01', 'busy', ?, '{}')", (n,))
            writer.commit()
            n += 1
        writer.close()

    thread = threading.Thread(target=write)
    thread.start()
    try:
        code, out, _ = _cli(example_config, capsys, "backup", str(tmp_path / "copy.db"))
    finally:
        stop.set()
        thread.join()
    assert code == 0 and "backed up" in out and "copy.db" in out
    copy = sqlite3.connect(tmp_path / "copy.db")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM participants").fetchone()[0] == 10
    assert not (tmp_path / "copy.db-wal").exists() and not list(tmp_path.glob(".copy.db.partial"))
    copy.close()
    code, _, err = _cli(example_config, capsys, "backup", str(tmp_path / "copy.db"))
    assert code == 1 and "exists already" in err
    code, _, err = _cli(example_config, capsys, "backup", str(tmp_path / "nowhere" / "x.db"))
    assert code == 1 and "no such folder" in err
