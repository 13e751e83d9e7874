"""A reply to a check-in: record the answers we are sure of, confirm them, and ask once for what is missing.

A later reply to the same check-in replaces the answers it gives (each reply stays in the ledger). Nothing is
guessed: an answer the reader is unsure of is asked for again, politely, and only once.
"""

from __future__ import annotations

from typing import Any

from assistant.clock import iso, month_name
from assistant.db import one, record_event
from assistant.forms.answers import Reading, read_answers
from assistant.forms.form import Form, numbered
from assistant.outbox import Mail
from assistant.program.context import Inbound

PARTNER = """
SELECT o.name AS partner_name, o.email AS partner_email,
       CASE WHEN pr.mentor_id = :me THEN 'mentor' ELSE 'mentee' END AS role
FROM pairings pr JOIN participants o ON o.id = CASE WHEN pr.mentor_id = :me THEN pr.mentee_id ELSE pr.mentor_id END
WHERE pr.id = :pairing
"""


def handle_checkin_reply(inbound: Inbound) -> str:
    checkin = inbound.found["checkin"]
    db, form = inbound.db, inbound.form
    stored = stored_answers(db, checkin["id"])
    reading = _read(inbound.msg.text, form, stored)
    now = iso(inbound.now)
    for answer in reading.answers.values():
        db.execute(
            "INSERT INTO answers (checkin_id, question, value, raw, message_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (checkin_id, question) DO UPDATE SET value = excluded.value, raw = excluded.raw,"
            " message_id = excluded.message_id, recorded_at = excluded.recorded_at",
            (checkin["id"], answer.key, answer.value, answer.raw[:2000], inbound.msg.message_id, now),
        )
    stored = stored_answers(db, checkin["id"])
    if "met" in reading.answers and reading.answers["met"].value == "yes":
        db.execute(
            "UPDATE pairings SET last_met_at = ? WHERE id = ? AND (last_met_at IS NULL OR last_met_at < ?)",
            (now, checkin["pairing_id"], now),
        )
    if reading.answers and checkin["status"] != "answered":
        db.execute("UPDATE checkins SET status = 'answered', answered_at = ? WHERE id = ?", (now, checkin["id"]))
    to_ask = still_needed(form, stored, reading)
    may_ask = checkin["asked_again_at"] is None
    if not reading.answers and not may_ask:
        inbound.reasons.append("no readable answers, and we already asked once: held for a person")
        return "held_unreadable"
    if to_ask and may_ask:
        db.execute("UPDATE checkins SET asked_again_at = ? WHERE id = ?", (now, checkin["id"]))
    record_event(
        db,
        now,
        "checkin_answers",
        f"checkin:{checkin['id']}",
        message=inbound.msg.message_id,
        recorded=sorted(reading.answers),
        unclear=sorted(reading.unclear),
        asking=to_ask if may_ask else [],
    )
    _reply(inbound, checkin, form, stored, reading, to_ask if may_ask else [])
    return "recorded" if reading.answers else "asked_again"


def _read(text: str, form: Form, stored: dict[str, dict[str, Any]]) -> Reading:
    reading = read_answers(text, form)
    missing = [k for k in still_needed(form, stored, reading) if k not in reading.unclear]
    if not reading.answers and not reading.unclear and missing and stored:
        # A short reply to "could you tell me X?" answers only what was asked: read it against those questions.
        reading = read_answers(text, form, asked=missing)
    return reading


def stored_answers(db: Any, checkin_id: int) -> dict[str, dict[str, Any]]:
    return {row["question"]: row for row in db.query("SELECT * FROM answers WHERE checkin_id = ?", [checkin_id])}


def still_needed(form: Form, stored: dict[str, Any], reading: Reading) -> list[str]:
    """Required questions with no stored answer (skipping follow-ups of a 'no'), plus unclear ones, in form order."""
    needed = []
    for question in form.questions:
        answered = question.key in stored or question.key in reading.answers
        if question.only_if and _value(stored, reading, question.only_if) == "no":
            continue
        if (question.required and not answered) or (
            question.key in reading.unclear and question.key not in reading.answers
        ):
            needed.append(question.key)
    return needed


def _value(stored: dict[str, Any], reading: Reading, key: str) -> str | None:
    if key in reading.answers:
        return reading.answers[key].value
    return stored[key]["value"] if key in stored else None


def _reply(
    inbound: Inbound, checkin: dict[str, Any], form: Form, stored: dict[str, Any], reading: Reading, to_ask: list[str]
) -> None:
    partner = one(inbound.db, PARTNER, {"me": checkin["participant_id"], "pairing": checkin["pairing_id"]}) or {}
    recorded = [
        {**q, "value": stored[q["key"]]["value"], "new": q["key"] in reading.answers}
        for q in numbered(form)
        if q["key"] in stored
    ]
    token = one(
        inbound.db, "SELECT token FROM reply_tokens WHERE purpose = 'checkin' AND entity_id = ?", [checkin["id"]]
    )
    inbound.outbox.enqueue(
        Mail(
            key=f"reply:{inbound.msg.message_id}",
            template="checkin_reply",
            to=[(checkin["participant_name"], checkin["participant_email"])],
            context={
                "name": checkin["participant_name"],
                "partner_name": partner.get("partner_name", ""),
                "month": month_name(checkin["period"]),
                "recorded": recorded,
                "to_ask": numbered(form, to_ask),
                "unclear": {k: v for k, v in reading.unclear.items() if k in to_ask},
            },
            reply_token=token["token"] if token else None,
            in_reply_to=inbound.msg.message_id,
            references=inbound.msg.references,
            entity=f"checkin:{checkin['id']}",
        )
    )
