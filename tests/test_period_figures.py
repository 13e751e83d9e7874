"""period_figures and pairs_met are kept by triggers: whatever writes check-ins and answers (a reply, a correction,
an erasure, a migration of an older database), they always equal a recount from the check-ins and answers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from assistant.db import migrations, open_db
from assistant.mail.replies import reply
from tests.conftest import Program

MAYA = ("Maya Patel", "maya.patel@example.org")
DANA = ("Dana Okafor", "dana.okafor@example.org")


def _kept(db: object) -> tuple[list[tuple], list[tuple]]:
    conn = db.conn  # type: ignore[attr-defined]
    figures = conn.execute("SELECT period, checkins, answered FROM period_figures WHERE checkins > 0 ORDER BY 1")
    met = conn.execute("SELECT period, pairing_id, answers FROM pairs_met ORDER BY 1, 2")
    return figures.fetchall(), met.fetchall()


def _recounted(db: object) -> tuple[list[tuple], list[tuple]]:
    conn = db.conn  # type: ignore[attr-defined]
    figures = conn.execute(
        "SELECT period, count(*), sum(status = 'answered') FROM checkins GROUP BY period ORDER BY 1"
    ).fetchall()
    met = conn.execute(
        "SELECT c.period, c.pairing_id, count(*) FROM answers a JOIN checkins c ON c.id = a.checkin_id"
        " WHERE a.question = 'met' AND a.value = 'yes' GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall()
    return figures, met


def _met_counts_true(db: object) -> bool:
    """period_figures.pairs_met (kept by triggers on pairs_met) equals a count of pairs_met's rows, period by period."""
    conn = db.conn  # type: ignore[attr-defined]
    kept = conn.execute("SELECT period, pairs_met FROM period_figures WHERE pairs_met != 0 ORDER BY 1").fetchall()
    counted = conn.execute("SELECT period, count(*) FROM pairs_met GROUP BY period ORDER BY 1").fetchall()
    return kept == counted


def test_replies_corrections_and_an_erasure_keep_the_figures_true(program: Program) -> None:
    program.run("2026-12-01T09:05")
    assert _kept(program.db) == _recounted(program.db) and _kept(program.db)[0]
    program.deliver(reply(program.last_to(MAYA[1], "checkin_prompt"), MAYA, "1. yes\n2. 2\n3. my CV\n4. 4"))
    program.deliver(reply(program.last_to(DANA[1], "checkin_prompt"), DANA, "1. yes\n2. 2\n3. her CV\n4. 4"))
    program.run("2026-12-01T10:00")
    figures, met = _kept(program.db)
    assert figures == [("2026-11", 8, 2)] and len(met) == 1 and met[0][2] == 2  # both sides of one pair
    assert _met_counts_true(program.db)
    program.deliver(reply(program.last_to(MAYA[1], "checkin_reply"), MAYA, "1. no\n2. 0"))
    program.run("2026-12-01T11:00")
    assert _kept(program.db) == _recounted(program.db) and _met_counts_true(program.db)
    assert _kept(program.db)[1][0][2] == 1  # Dana still says they met
    program.deliver(reply(program.last_to(DANA[1], "checkin_reply"), DANA, "delete me"))
    program.run("2026-12-01T12:00")
    program.deliver(reply(program.last_to(DANA[1], "confirm_command"), DANA, "yes"))
    program.run("2026-12-01T13:00")
    assert _kept(program.db) == _recounted(program.db) and _met_counts_true(program.db)
    assert _kept(program.db) == ([("2026-11", 7, 1)], [])


def test_an_older_database_is_counted_when_it_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path, isolation_level=None))
    migrations.apply(db, stop_before="0005_period_figures")
    now = "2026-11-01T09:00:00+00:00"
    for i in (1, 2):
        db.execute(
            "INSERT INTO participants (id, email, created_at, updated_at) VALUES (?, ?, ?, ?)",
            [i, f"p{i}@x.org", now, now],
        )
    db.execute("INSERT INTO pairings (id, mentor_id, mentee_id, created_at) VALUES (1, 1, 2, ?)", [now])
    for checkin, who, period, status in (
        (1, 1, "2026-10", "answered"),
        (2, 2, "2026-10", "awaiting"),
        (3, 1, "2026-11", "answered"),
    ):
        db.execute(
            "INSERT INTO checkins (id, pairing_id, participant_id, period, status, sent_at) VALUES (?, 1, ?, ?, ?, ?)",
            [checkin, who, period, status, now],
        )
    for checkin, value in ((1, "yes"), (3, "no")):
        db.execute(
            "INSERT INTO answers (checkin_id, question, value, recorded_at) VALUES (?, 'met', ?, ?)",
            [checkin, value, now],
        )
    db.conn.close()
    upgraded = open_db(path)
    assert _kept(upgraded) == _recounted(upgraded) == ([("2026-10", 2, 1), ("2026-11", 1, 1)], [("2026-10", 1, 1)])
    assert _met_counts_true(upgraded)
