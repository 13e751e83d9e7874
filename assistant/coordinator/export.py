"""Export the program's data as CSV or JSON: check-ins (one row each, a column per question, the default),
pairs (one row per pairing with its figures), answers (one row per recorded answer) or sponsorships (one row per
sponsorship: who recommended whom, for what, when, and where it came from); all, or one period's, or one
cohort's (each pair and answer row names its pair's cohort). CSV cells that a spreadsheet
would run as formulas are neutralised; JSON is exact."""

from __future__ import annotations

import csv
import json
from typing import TextIO

from sqlite_utils import Database

from assistant.coordinator.progress import progress

WHAT = ("checkins", "pairs", "answers", "sponsorships")

CHECKINS = """
SELECT c.id AS checkin_id, c.period, c.status, c.sent_at, c.answered_at, pr.id AS pairing_id,
       me.email AS participant, CASE WHEN pr.mentor_id = me.id THEN 'mentor' ELSE 'mentee' END AS role,
       m.email AS mentor, e.email AS mentee, pr.cohort
FROM checkins c JOIN pairings pr ON pr.id = c.pairing_id JOIN participants me ON me.id = c.participant_id
JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id
WHERE (:period IS NULL OR c.period = :period) AND (:cohort IS NULL OR pr.cohort = :cohort)
ORDER BY c.period, pr.id, c.id
"""


def rows(db: Database, period: str | None = None, cohort: str | None = None) -> list[dict]:
    result = [dict(row) for row in db.query(CHECKINS, {"period": period, "cohort": cohort})]
    by_id = {row["checkin_id"]: row for row in result}
    for answer in db.query("SELECT checkin_id, question, value FROM answers ORDER BY id"):
        if answer["checkin_id"] in by_id:
            by_id[answer["checkin_id"]][answer["question"]] = answer["value"]
    return result


PAIRS = """
SELECT pr.id AS pairing_id, pr.status, m.email AS mentor, m.name AS mentor_name, e.email AS mentee,
       e.name AS mentee_name, pr.started_at, pr.ended_at, pr.close_reason, pr.close_note, pr.close_reason_by,
       pr.last_met_at, pr.created_at,
       (SELECT count(*) FROM checkins c WHERE c.pairing_id = pr.id) AS checkins_sent,
       (SELECT count(*) FROM checkins c WHERE c.pairing_id = pr.id AND +c.status = 'answered') AS checkins_answered,
       (SELECT round(avg(CAST(a.value AS REAL)), 2) FROM answers a JOIN checkins c ON c.id = a.checkin_id
         WHERE c.pairing_id = pr.id AND a.question = 'rating') AS rating_avg,
       (SELECT min(CAST(a.value AS INTEGER)) FROM answers a JOIN checkins c ON c.id = a.checkin_id
         WHERE c.pairing_id = pr.id AND a.question = 'rating') AS rating_min,
       pr.cohort
FROM pairings pr JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id
WHERE (:period IS NULL OR EXISTS (SELECT 1 FROM checkins c WHERE c.pairing_id = pr.id AND c.period = :period))
  AND (:cohort IS NULL OR pr.cohort = :cohort)
ORDER BY pr.id
"""
ANSWERS = """
SELECT a.id AS answer_id, a.checkin_id, c.period, me.email AS participant,
       CASE WHEN pr.mentor_id = me.id THEN 'mentor' ELSE 'mentee' END AS role, pr.id AS pairing_id,
       a.question, a.value, a.raw, a.recorded_at, a.message_id, pr.cohort
FROM answers a JOIN checkins c ON c.id = a.checkin_id JOIN pairings pr ON pr.id = c.pairing_id
JOIN participants me ON me.id = c.participant_id
WHERE (:period IS NULL OR c.period = :period) AND (:cohort IS NULL OR pr.cohort = :cohort)
ORDER BY c.period, a.checkin_id, a.id
"""
SPONSORSHIPS = """
SELECT s.id AS sponsorship_id, m.email AS mentor, m.name AS mentor_name, e.email AS mentee, e.name AS mentee_name,
       s.pairing_id, s.what, s.period, s.recorded_at, s.source, s.logged_by, s.checkin_id, s.message_id
FROM sponsorships s JOIN participants m ON m.id = s.sponsor_id JOIN participants e ON e.id = s.protege_id
LEFT JOIN pairings pr ON pr.id = s.pairing_id
WHERE (:period IS NULL OR s.period = :period) AND (:cohort IS NULL OR pr.cohort = :cohort)
ORDER BY s.recorded_at, s.id
"""
_QUERIES = {"pairs": PAIRS, "answers": ANSWERS, "sponsorships": SPONSORSHIPS}
_COLUMNS = {
    "pairs": (
        "pairing_id", "status", "mentor", "mentor_name", "mentee", "mentee_name", "started_at", "ended_at",
        "close_reason", "close_note", "close_reason_by", "last_met_at", "created_at", "checkins_sent",
        "checkins_answered", "rating_avg", "rating_min", "cohort",
    ),
    "answers": (
        "answer_id", "checkin_id", "period", "participant", "role", "pairing_id", "question", "value", "raw",
        "recorded_at", "message_id", "cohort",
    ),
    "sponsorships": (
        "sponsorship_id", "mentor", "mentor_name", "mentee", "mentee_name", "pairing_id", "what", "period",
        "recorded_at", "source", "logged_by", "checkin_id", "message_id",
    ),
}  # fmt: skip


def table(db: Database, what: str = "checkins", period: str | None = None, cohort: str | None = None) -> list[dict]:
    """The rows of one export: `checkins` (a column per question), `pairs`, `answers` or `sponsorships`;
    `cohort`: only the pairs of that cohort (its stored name; sponsorships through their pairing)."""
    if what == "checkins":
        return rows(db, period, cohort)
    if what not in WHAT:
        raise ValueError(f"unknown export {what!r}; choose one of {', '.join(WHAT)}")
    return [dict(row) for row in db.query(_QUERIES[what], {"period": period, "cohort": cohort})]


def export(
    db: Database, fmt: str, period: str | None, out: TextIO, what: str = "checkins", cohort: str | None = None
) -> None:
    """Write one export to `out` as `csv` or `json`. Progress shows on a terminal (stderr) for large exports."""
    data = table(db, what, period, cohort)
    label = f"exporting {what}"
    if fmt == "json":
        json.dump(data, out, indent=2, ensure_ascii=False)
        out.write("\n")
        return
    base = _BASE if what == "checkins" else _COLUMNS[what]
    columns = list(dict.fromkeys(key for row in data for key in row)) or list(base)
    writer = csv.writer(out)
    writer.writerow([neutralise(column) for column in columns])
    for row in progress(data, label):
        writer.writerow([neutralise(row.get(column)) for column in columns])


# A spreadsheet runs a cell that starts with one of these as a formula (`=HYPERLINK(...)` in a participant's answer
# would run on the coordinator's machine). OWASP's advice, kept simple on purpose: every such cell gets a leading
# `'`, a legitimate `-3` too (it reads as '-3); telling numbers from formulas is where the workarounds came from.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """One CSV cell's text: empty for NULL, with a leading `'` when a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


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
    "cohort",
)
