"""A participant's data: everything stored about them ("my data"), and raw-mail retention.

Erasing them ("delete me") is `assistant/program/erasure.py`.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

_PAIRINGS = """
SELECT pr.id, pr.status, pr.started_at, pr.ended_at,
       CASE WHEN pr.mentor_id = :me THEN 'mentor' ELSE 'mentee' END AS your_role, o.name AS partner
FROM pairings pr JOIN participants o ON o.id = CASE WHEN pr.mentor_id = :me THEN pr.mentee_id ELSE pr.mentor_id END
WHERE pr.mentor_id = :me OR pr.mentee_id = :me ORDER BY pr.id
"""


def personal_data(db: Database, participant_id: int) -> dict[str, Any]:
    person = dict(next(db.query("SELECT * FROM participants WHERE id = ?", [participant_id])))
    email = person["email"]
    checkins = [
        dict(row) for row in db.query("SELECT * FROM checkins WHERE participant_id = ? ORDER BY id", [participant_id])
    ]
    for checkin in checkins:
        checkin["answers"] = {
            row["question"]: {"value": row["value"], "you_wrote": row["raw"]}
            for row in db.query("SELECT question, value, raw FROM answers WHERE checkin_id = ?", [checkin["id"]])
        }
    return {
        "you": {k: v for k, v in person.items() if k != "id"},
        "pairings": _rows(db, _PAIRINGS, {"me": participant_id}),
        "checkins": checkins,
        # news read from her check-ins, told to her mentor (program/wishes.py)
        "milestones": _rows(
            db, "SELECT kind, sentence, found_at FROM milestones WHERE participant_id = ? ORDER BY id", [participant_id]
        ),
        "mentor_wish_list": _rows(
            db,
            "SELECT w.position, w.wrote AS you_wrote, m.name AS mentor, w.unresolved FROM wishlist w"
            " LEFT JOIN participants m ON m.id = w.mentor_id WHERE w.mentee_id = ? ORDER BY w.position",
            [participant_id],
        ),
        "mail_from_you": _rows(
            db, "SELECT received_at, subject, outcome FROM messages WHERE from_addr = ? ORDER BY id", [email]
        ),
        "mail_to_you": _rows(
            db, "SELECT created_at, subject, status FROM outbox WHERE to_addr LIKE ? ORDER BY id", [f"%{email}%"]
        ),
    }


def _rows(db: Database, sql: str, params: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in db.query(sql, params)]


def purge_raw(db: Database, older_than: str) -> int:
    """Retention: the raw text of mail handled or sent before `older_than` is dropped; the ledger rows (Message-ID,
    outcome, reasons) stay, so dedupe and `explain` still work. Mail in the review queue (held or quarantined, not
    yet released or dismissed) keeps its text: a person has yet to read it."""
    inbound = db.execute(
        "UPDATE messages SET raw = NULL WHERE raw IS NOT NULL AND status = 'processed' AND processed_at < ?"
        " AND id NOT IN (SELECT id FROM review_queue)",
        [older_than],
    ).rowcount
    sent = db.execute(
        "UPDATE outbox SET raw = X'' WHERE length(raw) > 0 AND status IN ('sent', 'failed', 'cancelled')"
        " AND created_at < ?",
        [older_than],
    ).rowcount
    return inbound + sent
