"""Each person's pairings in hand (participants.mentees_now, mentors_now; db.py 0026), kept by triggers: always the
count of her proposed, active and paused pairings, whatever writes the pairings, and backfilled on upgrade."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from assistant.db import migrations, open_db
from assistant.program.matching import TAKEN

PEOPLE = 4
AT = "2027-01-01T00:00:00+00:00"
STATUSES = ("proposed", "active", "paused", "closed")
COUNTED = f"""
SELECT p.id,
       (SELECT count(*) FROM pairings x WHERE x.mentor_id = p.id AND x.status IN ({", ".join("?" * len(TAKEN))})),
       (SELECT count(*) FROM pairings x WHERE x.mentee_id = p.id AND x.status IN ({", ".join("?" * len(TAKEN))}))
FROM participants p ORDER BY p.id
"""


def _people(db: Database) -> None:
    for i in range(1, PEOPLE + 1):
        db.execute(
            "INSERT INTO participants (id, email, role, created_at, updated_at) VALUES (?, ?, 'both', ?, ?)",
            [i, f"p{i}@example.org", AT, AT],
        )


def _kept(db: Database) -> list[tuple[int, int, int]]:
    return [tuple(r) for r in db.execute("SELECT id, mentees_now, mentors_now FROM participants ORDER BY id")]


def _counted(db: Database) -> list[tuple[int, int, int]]:
    return [tuple(r) for r in db.execute(COUNTED, [*TAKEN, *TAKEN])]


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    found = open_db(Path(tmp_path_factory.mktemp("in_hand")) / "p.db")
    _people(found)
    yield found
    found.close()


person = st.integers(1, PEOPLE)
status = st.sampled_from(STATUSES)
step = st.one_of(
    st.tuples(st.just("insert"), person, person, status),
    st.tuples(st.just("status"), st.integers(0, 9), status),
    st.tuples(st.just("mentor"), st.integers(0, 9), person),
    st.tuples(st.just("mentee"), st.integers(0, 9), person),
    st.tuples(st.just("both"), st.integers(0, 9), person, status),
    st.tuples(st.just("delete"), st.integers(0, 9)),
)


@settings(max_examples=150, deadline=None)
@given(steps=st.lists(step, max_size=25))
def test_the_counts_are_always_the_pairings_in_hand(db: Database, steps: list[tuple]) -> None:
    """Pairings made, moved between statuses, given another mentor or mentee, and deleted, in any order."""
    db.execute("BEGIN")
    try:
        for kind, *args in steps:
            ids = [r[0] for r in db.execute("SELECT id FROM pairings ORDER BY id")]
            if kind == "insert":  # OR IGNORE: a pair is made once (UNIQUE (mentor_id, mentee_id))
                db.execute(
                    "INSERT OR IGNORE INTO pairings (mentor_id, mentee_id, status, created_at) VALUES (?, ?, ?, ?)",
                    [*args, AT],
                )
            elif not ids:
                continue
            elif kind == "delete":
                db.execute("DELETE FROM pairings WHERE id = ?", [ids[args[0] % len(ids)]])
            elif kind == "both":  # one statement changing the mentor and the status at once
                db.execute(
                    "UPDATE OR IGNORE pairings SET mentor_id = ?, status = ? WHERE id = ?",
                    [args[1], args[2], ids[args[0] % len(ids)]],
                )
            else:
                column = {"status": "status", "mentor": "mentor_id", "mentee": "mentee_id"}[kind]
                db.execute(
                    f"UPDATE OR IGNORE pairings SET {column} = ? WHERE id = ?", [args[1], ids[args[0] % len(ids)]]
                )
            assert _kept(db) == _counted(db), (kind, args)
    finally:
        db.execute("ROLLBACK")


def test_an_upgrade_counts_the_pairings_already_there(tmp_path: Path) -> None:
    db = Database(sqlite3.connect(tmp_path / "old.db", isolation_level=None))
    migrations.apply(db, stop_before="0026_pairings_in_hand")
    _people(db)
    for mentor, mentee, state in ((1, 2, "active"), (1, 3, "proposed"), (1, 4, "closed"), (2, 3, "paused")):
        db.execute(
            "INSERT INTO pairings (mentor_id, mentee_id, status, created_at) VALUES (?, ?, ?, ?)",
            [mentor, mentee, state, AT],
        )
    migrations.apply(db)
    assert _kept(db) == _counted(db) == [(1, 2, 0), (2, 1, 1), (3, 0, 2), (4, 0, 0)]
