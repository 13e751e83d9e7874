"""A reply to a check-in: record the answers we are sure of, confirm them, and ask once for what is missing.

A later reply to the same check-in replaces the answers it gives (each reply stays in the ledger). Nothing is
guessed: an answer the reader is unsure of is asked for again, politely, and only once.
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from assistant.clock import iso, month_name
from assistant.db import record_event, rows
from assistant.forms.answers import Reading, read_answers
from assistant.forms.form import Form, numbered
from assistant.outbox import Mail
from assistant.program.checkins.cycle import is_month, period_end
from assistant.program.context import Inbound, Row
from assistant.program.sponsorships import SPONSORSHIP_KEYS, record_from_checkin
from assistant.program.wishes import note_milestones


def is_checkin_reply(inbound: Inbound) -> str | None:
    """Chain check: a reply to a check-in (by the token in the address it was sent to, else by its thread), from the
    person it was sent to. A token never lets someone else answer: that is left for `sender_mismatch`."""
    checkin = inbound.look.checkin
    if checkin is None or not is_hers(inbound, checkin):
        return None
    return f"check-in {checkin['id']} ({checkin['period']}) by {inbound.look.checkin_how}"


def is_hers(inbound: Inbound, checkin: Row) -> bool:
    """From the address the check-in went to, or from the sender's own former address (she moved since)."""
    sender = inbound.look.sender
    return checkin["participant_email"] == inbound.msg.from_addr or (
        sender is not None and sender["id"] == checkin["participant_id"]
    )


def handle_checkin_reply(inbound: Inbound) -> str:
    checkin = inbound.look.checkin
    assert checkin is not None  # the check claimed it
    db, form = inbound.db, inbound.form
    stored = stored_answers(db, checkin["id"])
    asked = form.keys_for(checkin["side"])  # a question only for mentees is neither asked of nor read for a mentor
    reading = _read(inbound.msg.text, form, stored, asked)
    now = iso(inbound.now)
    stored = {**stored, **record_answers(db, checkin["id"], reading, inbound.msg.message_id, now, stored)}
    if SPONSORSHIP_KEYS & set(reading.answers):
        record_from_checkin(db, checkin, stored, now)
    if "met" in reading.answers and reading.answers["met"].value == "yes":
        met = met_by(inbound, checkin["period"])
        db.execute(
            "UPDATE pairings SET last_met_at = ? WHERE id = ? AND (last_met_at IS NULL OR last_met_at < ?)",
            (met, checkin["pairing_id"], met),
        )
    note_milestones(db, checkin, reading, inbound.msg.message_id, now)  # her news, for a word from her mentor
    if reading.answers and checkin["status"] != "answered":
        db.execute("UPDATE checkins SET status = 'answered', answered_at = ? WHERE id = ?", (now, checkin["id"]))
    to_ask = still_needed(form, stored, reading, asked)
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


def met_by(inbound: Inbound, period: str) -> str:
    """When a "yes, we met" counts from: the answer's moment, but no later than the end of the month it answers
    about, so a reply on 2 December to the November check-in is a November meeting for every figure."""
    if not is_month(period):
        return iso(inbound.now)
    return iso(min(inbound.now, period_end(inbound.config, period)))


def _read(text: str, form: Form, stored: dict[str, dict[str, Any]], asked: list[str]) -> Reading:
    reading = read_answers(text, form, asked=asked)
    missing = [k for k in still_needed(form, stored, reading, asked) if k not in reading.unclear]
    if not reading.answers and not reading.unclear and missing and stored:
        # A short reply to "could you tell me X?" answers only what was asked: read it against those questions.
        reading = read_answers(text, form, asked=missing)
    return reading


def record_answers(
    db: Database, checkin_id: int, reading: Reading, message_id: str, now: str, stored: dict[str, Row]
) -> dict[str, Row]:
    """Store the answers read (a later reply replaces the answers it gives; `stored`: the check-in's answers
    before); returns them as stored rows."""
    rows = {
        a.key: {"question": a.key, "value": a.value, "raw": a.raw[:2000], "message_id": message_id, "recorded_at": now}
        for a in reading.answers.values()
    }
    if rows:  # one statement for all of them (its text is the same for the same number of answers: cached)
        db.conn.execute(
            "INSERT INTO answers (checkin_id, question, value, raw, message_id, recorded_at) VALUES"
            + ", ".join(["(?, ?, ?, ?, ?, ?)"] * len(rows))
            + " ON CONFLICT (checkin_id, question) DO UPDATE SET value = excluded.value, raw = excluded.raw,"
            " message_id = excluded.message_id, recorded_at = excluded.recorded_at",
            [value for row in rows.values() for value in (checkin_id, *row.values())],
        )
    _remember(db, checkin_id, rows, message_id, now, replacing=any(key in stored for key in rows))
    return rows


def _remember(db: Database, checkin_id: int, rows: dict[str, Row], message_id: str, now: str, replacing: bool) -> None:
    """Provenance (`answer_history`): each answer keeps the message it came from; an earlier message's answer to
    the same question is marked replaced by this one, so `explain` of either message says what happened. Two
    statements whatever the number of answers (a reply's cost is bounded: tests/test_outcomes.py), one when
    nothing is `replacing` an answer stored before: a question without a stored answer has no history that is
    still the answer (the two tables are written, and erased, together)."""
    if not rows:
        return
    keys = json.dumps(sorted(rows))
    if replacing:
        db.execute(
            "UPDATE answer_history SET replaced_by = ?, replaced_at = ? WHERE checkin_id = ? AND replaced_by IS NULL"
            " AND question IN (SELECT value FROM json_each(?)) AND message_id IS NOT ?",
            [message_id, now, checkin_id, keys, message_id],
        )
    # The same message read again (a released message) updates its own rows instead of adding more.
    db.execute(
        "INSERT INTO answer_history (checkin_id, question, value, raw, message_id, recorded_at)"
        " SELECT checkin_id, question, value, raw, message_id, recorded_at FROM answers"
        " WHERE checkin_id = ? AND message_id = ? AND question IN (SELECT value FROM json_each(?))"
        " ON CONFLICT (checkin_id, question, message_id) DO UPDATE SET value = excluded.value, raw = excluded.raw,"
        " recorded_at = excluded.recorded_at",
        [checkin_id, message_id, keys],
    )


def stored_answers(db: Database, checkin_id: int) -> dict[str, Row]:
    return {row["question"]: row for row in rows(db, "SELECT * FROM answers WHERE checkin_id = ?", [checkin_id])}


def still_needed(form: Form, stored: dict[str, Any], reading: Reading, asked: list[str] | None = None) -> list[str]:
    """Required questions with no stored answer (skipping follow-ups of a 'no'), plus unclear ones, in form order;
    only among `asked` (the questions for her side of the pair) when given."""
    needed = []
    for question in form.questions:
        if asked is not None and question.key not in asked:
            continue
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
    month = month_name(checkin["period"])
    recorded = [
        {**q, "value": stored[q["key"]]["value"], "new": q["key"] in reading.answers}
        for q in numbered(form, month=month)
        if q["key"] in stored
    ]
    inbound.outbox.enqueue(
        Mail(
            key=f"reply:{inbound.msg.message_id}",
            template="checkin_reply",
            to=[(checkin["participant_name"], checkin["participant_email"])],
            context={
                "name": checkin["participant_name"],
                "partner_name": checkin["partner_name"] or "",
                "month": month,
                "recorded": recorded,
                "to_ask": numbered(form, to_ask, month),
                "unclear": {k: v for k, v in reading.unclear.items() if k in to_ask},
            },
            reply_token=checkin["token"],
            in_reply_to=inbound.msg.message_id,
            references=inbound.msg.references,
            entity=f"checkin:{checkin['id']}",
        )
    )
