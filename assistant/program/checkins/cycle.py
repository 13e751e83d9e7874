"""The monthly check-in cycle: on the configured day, each active pairing's mentor and mentee get one prompt.

A prompt is a check-in row, a reply token and an outbox row, written in one transaction; the check-in's
uniqueness (pairing, participant, period) and the outbox key make the cycle safe to run any number of times.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from assistant.clock import iso, month_name
from assistant.config import Config
from assistant.db import each_row, insert_row, update_row
from assistant.forms.form import Form, numbered
from assistant.mail.tokens import new_token
from assistant.outbox import Mail, Outbox

# Active pairings with a side still to prompt this period. Checked here, in one statement, because every tick of the
# catch-up week runs the cycle: a query per pair from Python cost seconds a tick at 100,000 pairings.
PAIRS_DUE = """
SELECT * FROM (
    SELECT p.id AS pairing_id, p.started_at,
           m.id AS mentor_id, m.name AS mentor_name, m.email AS mentor_email, m.status AS mentor_status,
           e.id AS mentee_id, e.name AS mentee_name, e.email AS mentee_email, e.status AS mentee_status,
           EXISTS (SELECT 1 FROM checkins c WHERE c.pairing_id = p.id AND c.participant_id = p.mentor_id
                   AND c.period = :period) AS mentor_prompted,
           EXISTS (SELECT 1 FROM checkins c WHERE c.pairing_id = p.id AND c.participant_id = p.mentee_id
                   AND c.period = :period) AS mentee_prompted
    FROM pairings p JOIN participants m ON m.id = p.mentor_id JOIN participants e ON e.id = p.mentee_id
    WHERE p.status = 'active' AND (p.started_at IS NULL OR p.started_at <= :now)
) WHERE (mentor_status = 'active' AND NOT mentor_prompted) OR (mentee_status = 'active' AND NOT mentee_prompted)
"""


CATCH_UP = timedelta(days=7)


def current_period(config: Config, now: datetime) -> str | None:
    """'YYYY-MM' from this month's check-in moment (program time zone) until a week after it, else None.

    The week lets a program that was down on the day catch up; later than that, a check-in about "this month"
    would arrive too late to make sense, so the period is skipped.
    """
    local = now.astimezone(config.timezone)
    moment = local.replace(
        day=config.checkins.day_of_month, hour=config.checkins.hour, minute=0, second=0, microsecond=0
    )
    if moment <= local < moment + CATCH_UP:
        return f"{local.year:04d}-{local.month:02d}"
    return None


def run_cycle(db: Database, config: Config, form: Form, outbox: Outbox, now: datetime) -> int:
    """Send this period's prompts that have not been sent. Returns how many were queued."""
    period = current_period(config, now)
    if period is None:
        return 0
    queued = 0
    for pair in each_row(db, PAIRS_DUE, {"now": iso(now), "period": period}):
        for side, other in (("mentor", "mentee"), ("mentee", "mentor")):
            if pair[f"{side}_status"] != "active" or pair[f"{side}_prompted"]:
                continue  # paused or left: no prompt (RELIABILITY: never mail who asked us not to)
            queued += _prompt(db, config, form, outbox, pair, side, other, period, now)
    return queued


def _prompt(
    db: Database,
    config: Config,
    form: Form,
    outbox: Outbox,
    pair: dict[str, Any],
    side: str,
    other: str,
    period: str,
    now: datetime,
) -> int:
    participant_id = pair[f"{side}_id"]
    exists = db.execute(
        "SELECT 1 FROM checkins WHERE pairing_id = ? AND participant_id = ? AND period = ?",
        (pair["pairing_id"], participant_id, period),
    ).fetchone()
    if exists:
        return 0
    with db.atomic():
        checkin_id = insert_row(
            db,
            "checkins",
            {
                "pairing_id": pair["pairing_id"],
                "participant_id": participant_id,
                "period": period,
                "status": "awaiting",
                "sent_at": iso(now),
            },
        )
        token = new_token()
        insert_row(
            db,
            "reply_tokens",
            {
                "token": token,
                "participant_id": participant_id,
                "purpose": "checkin",
                "entity_id": checkin_id,
                "created_at": iso(now),
            },
        )
        context = prompt_context(config, form, pair, side, other, period)
        message_id = outbox.enqueue(
            Mail(
                key=f"checkin:{pair['pairing_id']}:{participant_id}:{period}:prompt",
                template="checkin_prompt",
                to=[(pair[f"{side}_name"], pair[f"{side}_email"])],
                context=context,
                reply_token=token,
                entity=f"checkin:{checkin_id}",
            )
        )
        update_row(db, "checkins", checkin_id, {"prompt_message_id": message_id})
    return 1


def prompt_context(
    config: Config, form: Form, pair: dict[str, Any], side: str, other: str, period: str
) -> dict[str, Any]:
    return {
        "name": pair[f"{side}_name"],
        "role": side,
        "partner_name": pair[f"{other}_name"],
        "partner_role": other,
        "period": period,
        "month": month_name(period),
        "questions": numbered(form),
    }
