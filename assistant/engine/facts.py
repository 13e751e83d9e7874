"""Facts for the rules, selected in SQL: only entities a rule could still act on are loaded, so a tick stays fast
as the program grows."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from sqlite_utils import Database

from assistant.clock import from_iso, iso
from assistant.engine.evaluate import Fact, Firings

CHECKINS = """
SELECT c.id, c.period, c.status, c.sent_at, c.answered_at, c.prompt_message_id, c.pairing_id,
       pr.status AS pairing_status, pr.started_at AS pairing_started_at,
       CASE WHEN pr.mentor_id = c.participant_id THEN 'mentor' ELSE 'mentee' END AS side,
       me.id AS participant_id, me.name AS participant_name, me.email AS participant_email,
       me.status AS participant_status, me.role AS participant_role,
       o.id AS partner_id, o.name AS partner_name, o.email AS partner_email, o.status AS partner_status,
       o.role AS partner_role,
       (SELECT token FROM reply_tokens t WHERE t.purpose = 'checkin' AND t.entity_id = c.id) AS token
FROM checkins c
JOIN pairings pr ON pr.id = c.pairing_id
JOIN participants me ON me.id = c.participant_id
JOIN participants o ON o.id = CASE WHEN pr.mentor_id = c.participant_id THEN pr.mentee_id ELSE pr.mentor_id END
WHERE c.status = 'awaiting' OR c.answered_at >= :recent
"""
RECENT = timedelta(days=62)  # answered check-ins stay candidates for alert rules for two cycles


def checkin_facts(db: Database, now: datetime) -> list[Fact]:
    rows = list(db.query(CHECKINS, {"recent": iso(now - RECENT)}))
    answers: dict[int, dict[str, str]] = defaultdict(dict)
    if rows:
        ids = [row["id"] for row in rows]
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            sql = f"SELECT checkin_id, question, value FROM answers WHERE checkin_id IN ({', '.join('?' * len(part))})"
            for answer in db.query(sql, part):
                answers[answer["checkin_id"]][answer["question"]] = answer["value"]
    return [_fact(row, answers[row["id"]]) for row in rows]


def _fact(row: dict, answers: dict[str, str]) -> Fact:
    fields = {
        "checkin.id": row["id"],
        "checkin.period": row["period"],
        "checkin.status": row["status"],
        "checkin.sent_at": row["sent_at"],
        "checkin.answered_at": row["answered_at"],
        "pairing.status": row["pairing_status"],
        "pairing.started_at": row["pairing_started_at"],
        **{
            f"{who}.{f}": row[f"{who}_{f}"]
            for who in ("participant", "partner")
            for f in ("name", "email", "status", "role")
        },
        **{f"answers.{k}": v for k, v in answers.items()},
    }
    return Fact(entity=f"checkin:{row['id']}", fields=fields, extra=dict(row) | {"answers": answers})


def load_firings(db: Database, entities: list[str]) -> Firings:
    firings: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for chunk in range(0, len(entities), 500):
        part = entities[chunk : chunk + 500]
        sql = f"SELECT rule, entity, fired_at FROM firings WHERE entity IN ({', '.join('?' * len(part))}) ORDER BY seq"
        for row in db.query(sql, part):
            firings[(row["rule"], row["entity"])].append(from_iso(row["fired_at"]))
    return firings
