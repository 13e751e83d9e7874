"""Export check-ins with their answers: one row per check-in, a column per question, as CSV or JSON."""

from __future__ import annotations

import csv
import json
from typing import TextIO

from sqlite_utils import Database

CHECKINS = """
SELECT c.id AS checkin_id, c.period, c.status, c.sent_at, c.answered_at, pr.id AS pairing_id,
       me.email AS participant, CASE WHEN pr.mentor_id = me.id THEN 'mentor' ELSE 'mentee' END AS role,
       m.email AS mentor, e.email AS mentee
FROM checkins c JOIN pairings pr ON pr.id = c.pairing_id JOIN participants me ON me.id = c.participant_id
JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id
WHERE :period IS NULL OR c.period = :period
ORDER BY c.period, pr.id, c.id
"""


def rows(db: Database, period: str | None = None) -> list[dict]:
    result = [dict(row) for row in db.query(CHECKINS, {"period": period})]
    by_id = {row["checkin_id"]: row for row in result}
    for answer in db.query("SELECT checkin_id, question, value FROM answers ORDER BY id"):
        if answer["checkin_id"] in by_id:
            by_id[answer["checkin_id"]][answer["question"]] = answer["value"]
    return result


def export(db: Database, fmt: str, period: str | None, out: TextIO) -> None:
    data = rows(db, period)
    if fmt == "json":
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    columns = list(dict.fromkeys(key for row in data for key in row)) or list(_BASE)
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(data)


_BASE = (
    "checkin_id",
    "period",
    "status",
    "sent_at",
    "answered_at",
    "pairing_id",
    "participant",
    "role",
    "mentor",
    "mentee",
)
