"""When someone leaves (`stop`, `delete me`, or a coordinator closing her): her pairings close and the coordinators
hear, in one mail, who needs a new match. `stop` is her own "stop", by mail or by the one-click link (web.py).

A mentor who leaves leaves mentees behind: their pairings with her close (`ended_at` set, reason `left_program`,
through closure.py), their check-ins about her still waiting are skipped (so no reminder asks about her), and no pair
mail names her again (the rules mail active pairings only). A mentee who leaves frees her mentor's place. Nothing else
about the others changes: they stay in the program, and the coordinator decides what comes next.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlite_utils import Database

from assistant.clock import iso
from assistant.config import Config
from assistant.db import record_event, rows, update_row
from assistant.outbox import Mail, Outbox
from assistant.program.closure import close

_OPEN = """
SELECT pr.id, CASE WHEN pr.mentor_id = :id THEN 'mentee' ELSE 'mentor' END AS partner_side,
       o.id AS partner_id, o.name AS partner_name, o.email AS partner_email, o.status AS partner_status
FROM pairings pr JOIN participants o ON o.id = CASE WHEN pr.mentor_id = :id THEN pr.mentee_id ELSE pr.mentor_id END
WHERE (pr.mentor_id = :id OR pr.mentee_id = :id) AND pr.status IN ('proposed', 'active', 'paused')
ORDER BY pr.id
"""


def close_pairings(db: Database, person: dict[str, Any], now: datetime, why: str) -> list[dict[str, Any]]:
    """Close every open pairing of hers; returns the partners left behind (their side, name, address, status)."""
    at = iso(now)
    closed = rows(db, _OPEN, {"id": person["id"]})
    for pairing in closed:
        close(db, pairing["id"], now, by="leaving", reason="left_program")
        # Her partner's check-in about her waits no longer: no reminder, no escalation asks about someone who left.
        db.execute(
            "UPDATE checkins SET status = 'skipped' WHERE pairing_id = ? AND status = 'awaiting'", [pairing["id"]]
        )
        record_event(db, at, "pairing_closed", f"pairing:{pairing['id']}", why=why, left=person["id"])
    return closed


def tell_coordinators(
    config: Config, outbox: Outbox, person: dict[str, Any], partners: list[dict[str, Any]], why: str, key: str
) -> None:
    """One mail to the coordinators: who left, and each partner left behind (a mentee who needs a new mentor, a mentor
    with room again). `person` as she was before leaving (an erased one's name is gone from the database, not from
    this mail's moment)."""
    if not partners:
        return
    outbox.enqueue(
        Mail(
            key=f"left:{key}",
            template="needs_new_match",
            to=[(c.name, c.email) for c in config.coordinators],
            context={
                "person": {"name": person["name"], "email": person["email"], "role": person["role"]},
                "why": why,
                "mentees": [_partner(p) for p in partners if p["partner_side"] == "mentee"],
                "mentors": [_partner(p) for p in partners if p["partner_side"] == "mentor"],
            },
            program_mail=True,  # the program's own news for the coordinators: never capped
        )
    )


def _partner(row: dict[str, Any]) -> dict[str, Any]:
    return {"name": row["partner_name"], "email": row["partner_email"], "status": row["partner_status"]}


def leave(
    db: Database, config: Config, outbox: Outbox, person: dict[str, Any], now: datetime, why: str, key: str
) -> list[dict[str, Any]]:
    """Close her pairings and tell the coordinators who needs a new match. `why` completes "Maya Patel (mentee) …":
    "wrote stop", "asked to be erased", "was closed by a coordinator". The one function every way of leaving calls."""
    partners = close_pairings(db, person, now, why)
    tell_coordinators(config, outbox, person, partners, why, key)
    return partners


def stop(
    db: Database, config: Config, outbox: Outbox, person: dict[str, Any], now: datetime, key: str, **detail: Any
) -> list[dict[str, Any]]:
    """She stops, at her own word ("stop" by mail, acted on at once or confirmed; the one-click link): she is `left`,
    mail still queued to her is cancelled, the event `command_stop` is recorded (with `detail`: how she asked), her
    pairings close and the coordinators are told. The caller has checked she has not left already."""
    at = iso(now)
    update_row(db, "participants", person["id"], {"status": "left", "paused_until": None, "updated_at": at})
    db.execute("UPDATE outbox SET status = 'cancelled' WHERE status = 'queued' AND to_addr = ?", [person["email"]])
    record_event(db, at, "command_stop", f"participant:{person['id']}", **detail)
    return leave(db, config, outbox, person, now, "wrote stop", key)
