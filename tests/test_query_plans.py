"""Every query of the tick, the digest and `report` is answered by an index. At 100,000 pairings a full scan of a
big table inside a per-row subquery turns seconds into hours, so the plans are checked here, with EXPLAIN QUERY PLAN
(what SQLite will do, not how long it took). The indexes come with a migration, checked on a database made before it.
"""

from __future__ import annotations

import contextlib
import io
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from assistant.app import App, tick
from assistant.clock import FixedClock, parse_moment
from assistant.config import load_config
from assistant.coordinator.digest import figures
from assistant.coordinator.report import render
from assistant.db import migrations, open_db
from assistant.demo import run_demo
from assistant.engine.facts import candidate_ids, load_facts
from assistant.engine.fields import ENTITIES
from assistant.program.followup import _undeferred

BIG = {
    "participants", "pairings", "checkins", "answers", "messages", "outbox", "events", "reply_tokens", "firings",
    "introductions", "intro_asks",
}  # fmt: skip
# Columns that narrow a search little (a handful of values each): never the only key of a search done once per row.
LOW = {"status", "question", "period", "role", "purpose"}
# Statements (found by a fragment) that may read a big table from the start, and why.
WHOLE = {
    "SELECT 1 FROM participants LIMIT 1": "is the program empty? It stops at the first row",
    "UNION SELECT mentored_by, id FROM participants": "the lineage in `report`: who mentored whom, every pairing once",
}
# Partial indexes that may be read whole, and why: they hold a small share of their table.
SMALL = {
    "answers_help",  # the help lines ever written: a few in a hundred check-ins
    "messages_review",  # the mail waiting for a person: a few messages, until a coordinator decides
    "participants_waiting",  # the people with no pairing in hand: the digest's waiting list, read whole
    "participants_room",  # the active mentors with room: suggestions are made from all of them
}
MIGRATION = "0004_indexes_at_scale"


@pytest.fixture(scope="module")
def statements(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[sqlite3.Connection, list[str]]]:
    """Every distinct statement of a tick with the digest due and rules firing, and of `report`, on the demo."""
    folder = tmp_path_factory.mktemp("plans")
    with contextlib.redirect_stdout(io.StringIO()):
        run_demo(folder)
    config = load_config(folder / "config.yaml")
    seen: dict[str, str] = {}
    app = App(config, FixedClock(parse_moment("2027-01-01T10:00", config.timezone)))
    app.db.conn.set_trace_callback(lambda sql: seen.setdefault(re.sub(r"'[^']*'|\b\d+\b", "?", sql), sql))
    tick(app.db, config, app.form, app.rules, app.outbox, app.clock.now())  # January's prompts
    app.clock.set(parse_moment("2027-01-08T16:00", config.timezone))  # a Friday: the demo's digest, and reminders
    counts = tick(app.db, config, app.form, app.rules, app.outbox, app.clock.now())
    render(figures(app.db, config, app.clock.now(), rules=app.rules))
    for rule in app.rules:  # whether or not this tick needed them: every rule's candidates, every entity's facts
        candidate_ids(app.db, rule, app.clock.now(), _undeferred)
    for entity in ENTITIES.values():
        load_facts(app.db, entity, [1], app.clock.now(), app.form_keys)
    app.db.conn.set_trace_callback(None)
    assert counts["digests"] == 1 and counts["rule_mails"] > 0  # the paths that matter ran
    # The ticks left the planner statistics of a demo (db.refresh_statistics): with them SQLite rightly scans a table
    # of eight rows. The plans are checked as SQLite makes them for tables it knows nothing of, which is also how
    # it sees a large program's new tables and indexes before they are analysed.
    app.db.conn.execute("DELETE FROM sqlite_stat1")
    app.db.conn.execute("ANALYZE sqlite_schema")  # reloads the (now empty) statistics
    queries = [sql for sql in seen.values() if re.match(r"\s*(SELECT|WITH|UPDATE|DELETE)\b", sql, re.IGNORECASE)]
    yield app.db.conn, queries
    app.close()


def _tables(sql: str) -> dict[str, str]:
    """alias → table for the big tables a statement names (a table's own name is an alias of itself)."""
    found = {table: table for table in BIG}
    for table, alias in re.findall(r"\b(?:FROM|JOIN)\s+(\w+)(?:\s+(?:AS\s+)?(\w+))?", sql, re.IGNORECASE):
        if table in BIG and alias and alias.upper() not in {"WHERE", "JOIN", "ON", "LEFT", "ORDER", "GROUP", "AS"}:
            found[alias] = table
    return found


def problems(conn: sqlite3.Connection, sql: str) -> list[str]:
    """What is wrong with a statement's plan: a big table scanned, or searched once per row by a weak key."""
    rows = conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    detail = {row[0]: (row[1], row[3]) for row in rows}
    tables, found = _tables(sql), []

    def correlated(node: int) -> bool:
        while node in detail:
            node, text = detail[node]
            if text.startswith("CORRELATED"):
                return True
        return False

    for node, _, _, text in rows:
        step = re.match(r"(SCAN|SEARCH) (\w+)(?: USING .*?\((.*)\))?", text)
        if not step or tables.get(step[2]) not in BIG:
            continue
        index = re.search(r"USING (?:COVERING )?INDEX (\w+)", text)
        whole = any(fragment in sql for fragment in WHOLE) or (index and index[1] in SMALL)
        if step[1] == "SCAN" and (correlated(node) or not whole):  # read whole once, perhaps; never once per row
            found.append(text)
        elif step[1] == "SEARCH" and correlated(node):
            keys = [c[:-2] for c in (step[3] or "").split(" AND ") if re.fullmatch(r"[\w<>]+=\?", c) and c[-3] != "<"]
            if not keys or set(keys) <= LOW:
                found.append(f"{text} (once per row, by {keys or 'a range'})")
    return found


def test_the_tick_the_digest_and_report_scan_no_big_table(statements: tuple[sqlite3.Connection, list[str]]) -> None:
    conn, queries = statements
    ran = " ".join(queries)
    ran_parts = (
        "HAVING min(c.sent_at)",
        "AS answered_since",
        "FROM reply_tokens t",
        "INDEXED BY participants_waiting",
        "INDEXED BY participants_room",
    )
    for part in ran_parts:
        assert part in ran, f"the tick did not run the query with {part!r}"
    bad = {" ".join(sql.split())[:160]: found for sql in queries if (found := problems(conn, sql))}
    assert not bad, "\n".join(f"{sql}\n    {found}" for sql, found in bad.items())


def test_the_check_finds_what_it_is_for(statements: tuple[sqlite3.Connection, list[str]]) -> None:
    """The two mistakes this file guards against, made on purpose."""
    conn, _ = statements
    scan = "SELECT p.id FROM participants p WHERE p.goals LIKE '%speak%'"
    assert problems(conn, scan) == ["SCAN p"]
    weak = (
        "SELECT c.id, (SELECT count(*) FROM checkins later WHERE later.status = 'answered'"
        " AND later.answered_at > c.answered_at) FROM checkins c WHERE c.id = 1"
    )
    assert any("once per row" in p for p in problems(conn, weak))


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


def test_explain_finds_what_a_message_replaced_through_the_replaced_rows_alone(tmp_path: Path) -> None:
    """Only the answers a later reply replaced are indexed by it (0024): a reply's new answers add no entry, and
    `explain`'s look-up of what a message replaced still searches that index."""
    from datetime import UTC

    from assistant.coordinator.explain import provenance

    db = open_db(tmp_path / "program.db")
    try:
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'answer_history_replaced'").fetchone()
        assert "WHERE replaced_by IS NOT NULL" in sql
        ran: list[str] = []
        db.conn.set_trace_callback(ran.append)
        provenance(db, "<a@example.org>", UTC)
        db.conn.set_trace_callback(None)
        (lookup,) = [statement for statement in ran if "h.replaced_by =" in statement]
        plan = db.execute("EXPLAIN QUERY PLAN " + lookup).fetchall()
        assert any("INDEX answer_history_replaced" in row[3] for row in plan), plan
    finally:
        db.close()


def test_retention_searches_only_the_mail_that_is_done_with(tmp_path: Path) -> None:
    """Only processed mail, and mail sent, failed or cancelled, is indexed for retention (0025): mail on its way adds
    no entry and moves in no index of retention as its status changes; the purge still searches those indexes, by
    status and time, and drops exactly the raw text it dropped before."""
    from assistant.program.privacy import purge_raw

    db = open_db(tmp_path / "program.db")
    try:
        old, new = "2026-01-01T00:00:00+00:00", "2026-06-01T00:00:00+00:00"
        inbound = [("processed", old), ("processed", new), ("received", None), ("quarantined", old)]
        for n, (status, at) in enumerate(inbound):
            db["messages"].insert(
                {"message_id": f"<m{n}@x>", "received_at": old, "status": status, "processed_at": at, "raw": b"x"}
            )
        for n, (status, at) in enumerate([("sent", old), ("queued", old), ("sending", old), ("cancelled", new)]):
            db["outbox"].insert(
                {"dedupe_key": f"k{n}", "to_addr": "a@x", "subject": "s", "message_id": f"<o{n}@x>", "template": "t",
                 "raw": b"x", "status": status, "created_at": at}
            )  # fmt: skip
        for name, done in (("messages_raw_kept", "status = 'processed'"), ("outbox_raw_kept", "status IN ('sent'")):
            (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = ?", [name]).fetchone()
            assert done in sql, sql
        ran: list[str] = []
        db.conn.set_trace_callback(ran.append)
        assert purge_raw(db, "2026-03-01T00:00:00+00:00") == 2
        db.conn.set_trace_callback(None)
        for statement, index in zip(ran, ("messages_raw_kept", "outbox_raw_kept"), strict=True):
            plan = db.execute("EXPLAIN QUERY PLAN " + statement).fetchall()
            assert any(f"INDEX {index} (status=? AND" in row[3] for row in plan), plan
        kept = db.execute("SELECT message_id FROM messages WHERE raw IS NOT NULL ORDER BY id").fetchall()
        assert [row[0] for row in kept] == ["<m1@x>", "<m2@x>", "<m3@x>"]
        sent = db.execute("SELECT dedupe_key FROM outbox WHERE length(raw) > 0 ORDER BY id").fetchall()
        assert [row[0] for row in sent] == ["k1", "k2", "k3"]
    finally:
        db.close()


def test_a_checkins_answer_time_is_searched_among_the_answered_alone(tmp_path: Path) -> None:
    """Check-ins not answered yet are no entries of NULL in `checkins_answered` (0025), and a rule's `since:
    checkin.answered_at` (the engine writes `IS NOT NULL AND <= :cutoff`) or any `answered_at >` still searches it."""
    db = open_db(tmp_path / "program.db")
    try:
        (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'checkins_answered'").fetchone()
        assert "WHERE answered_at IS NOT NULL" in sql
        for where in ("c.answered_at IS NOT NULL AND c.answered_at <= ?", "c.answered_at > ?"):
            plan = db.execute(f"EXPLAIN QUERY PLAN SELECT c.id FROM checkins c WHERE {where}", ["2026"]).fetchall()
            assert any("INDEX checkins_answered (answered_at" in row[3] for row in plan), plan
    finally:
        db.close()
