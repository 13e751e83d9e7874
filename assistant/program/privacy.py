"""A participant's data: everything stored about them ("my data"), and erasing it ("delete me").

Erasing removes their words and their mail from every table (answers, check-ins, the inbound ledger and its raw
mail, the outbox and its rendered mail, tokens, events about them), anonymises the participant row that pairings
still point to, and keeps only a hash of the address so the program never mails it again.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from assistant.db import update_row
from assistant.identity import suppress

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
        "pairings": [dict(row) for row in db.query(_PAIRINGS, {"me": participant_id})],
        "checkins": checkins,
        "mail_from_you": [
            dict(row)
            for row in db.query(
                "SELECT received_at, subject, outcome FROM messages WHERE from_addr = ? ORDER BY id", [email]
            )
        ],
        "mail_to_you": [
            dict(row)
            for row in db.query(
                "SELECT created_at, subject, status FROM outbox WHERE to_addr LIKE ? ORDER BY id", [f"%{email}%"]
            )
        ],
    }


def erase(db: Database, person: dict[str, Any], now: str, keep_ledger_id: int | None = None) -> None:
    """`keep_ledger_id`: the message being handled; its ledger row stays (for dedupe) and the caller scrubs it."""
    pid, email = person["id"], person["email"]
    checkins = [row[0] for row in db.execute("SELECT id FROM checkins WHERE participant_id = ?", [pid])]
    with db.atomic():
        for checkin_id in checkins:
            db.execute("DELETE FROM answers WHERE checkin_id = ?", [checkin_id])
        db.execute("DELETE FROM checkins WHERE participant_id = ?", [pid])
        db.execute("DELETE FROM reply_tokens WHERE participant_id = ?", [pid])
        db.execute(
            "DELETE FROM messages WHERE (from_addr LIKE :like OR instr(CAST(raw AS TEXT), :email) > 0)"
            " AND id IS NOT :keep",
            {"like": f"%{email}%", "email": email, "keep": keep_ledger_id},
        )
        # Mail to them, and mail about them (a coordinator's alert names them): gone, raw text included.
        db.execute(
            "DELETE FROM outbox WHERE to_addr LIKE :like OR instr(CAST(raw AS TEXT), :email) > 0",
            {"like": f"%{email}%", "email": email},
        )
        db.execute("DELETE FROM events WHERE entity = ?", [f"participant:{pid}"])
        db.execute("DELETE FROM confirmations WHERE address = ?", [email])
        db.execute("UPDATE intro_asks SET status = 'skipped', reason = 'erased' WHERE mentor_id = ?", [pid])
        db.execute(
            "UPDATE pairings SET status = 'closed', ended_at = COALESCE(ended_at, ?)"
            " WHERE mentor_id = ? OR mentee_id = ?",
            [now, pid, pid],
        )
        update_row(
            db,
            "participants",
            pid,
            {
                "email": f"erased-{pid}@invalid",
                "name": "",
                "skills": "",
                "goals": "",
                "timezone": None,
                "status": "left",
                "paused_until": None,
                "capacity": None,
                "bounced_at": None,
                "updated_at": now,
            },
        )
        suppress(db, email, "asked to be erased", now)


def purge_raw(db: Database, older_than: str) -> int:
    """Retention: the raw text of mail handled or sent before `older_than` is dropped; the ledger rows (Message-ID,
    outcome, reasons) stay, so dedupe and `explain` still work. Quarantined mail waits for a person."""
    inbound = db.execute(
        "UPDATE messages SET raw = NULL WHERE raw IS NOT NULL AND status = 'processed' AND processed_at < ?",
        [older_than],
    ).rowcount
    sent = db.execute(
        "UPDATE outbox SET raw = X'' WHERE length(raw) > 0 AND status IN ('sent', 'failed', 'cancelled')"
        " AND created_at < ?",
        [older_than],
    ).rowcount
    return inbound + sent
