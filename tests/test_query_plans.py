"""The indexes the tick, the digest and `report` need at scale come with a migration: checked here on a database
made before it.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import sqlite_utils

from assistant.db import migrations, open_db

MIGRATION = "0004_indexes_at_scale"


def test_the_indexes_come_to_an_existing_database(tmp_path: Path) -> None:
    path = tmp_path / "before.db"
    db = sqlite_utils.Database(sqlite3.connect(path, isolation_level=None))
    migrations.apply(db, stop_before=MIGRATION)
    when = {"created_at": "2026-01-01", "updated_at": "2026-01-01"}
    db["participants"].insert_all([{"id": i, "email": f"p{i}@example.org", **when} for i in (1, 2)])
    db["pairings"].insert({"mentor_id": 1, "mentee_id": 2, "created_at": "2026-01-01"})
    db.close()

    db = open_db(path)
    try:
        assert MIGRATION in [m.name for m in migrations.applied(db)]
        indexes = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        assert {"pairings_mentee", "reply_tokens_entity", "outbox_to", "messages_raw_kept"} <= indexes
        assert db["pairings"].count == 1 and db["participants"].count == 2
        plan = db.execute("EXPLAIN QUERY PLAN SELECT 1 FROM pairings WHERE mentee_id = 2").fetchall()
        assert "pairings_mentee" in plan[0][3]
    finally:
        db.close()
    shutil.copy(path, tmp_path / "again.db")
    open_db(tmp_path / "again.db").close()  # opening again changes nothing
