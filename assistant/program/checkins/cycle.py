"""The monthly check-in cycle: on the configured day, each active pairing's mentor and mentee get one prompt
about the period it asks (`checkins.asks_about`: by default the month just ended), paced like the rules' mail.

A prompt is a check-in row, a reply token and an outbox row, written in one transaction; the check-in's
uniqueness (pairing, participant, period) and the outbox key make the cycle safe to run any number of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from assistant.clock import iso, month_name
from assistant.config import Config
from assistant.db import each_row, insert_row, update_row
from assistant.forms.form import Form, numbered
from assistant.mail.tokens import new_token, reply_address
from assistant.outbox import Mail, Outbox
from assistant.program.cohorts import period_index
from assistant.program.pacing import RULE_MAIL, last_mailed

# Active pairings with a side still to prompt this period. A pair in a cohort is asked about the cohort's months in
# its rhythm (every `every_months` from its first month), never its last month: the closing survey speaks for that.
# Checked here, in one statement, because every tick of the catch-up week runs the cycle: a query per pair from
# Python cost seconds a tick at 100,000 pairings. In that week nearly every pair has both its check-ins: the pairs
# with two this period (read once from checkins_period, which holds period and pair) are set aside first, so only
# the few others are looked at closely (two rows can only be both sides: a pair's check-in is one per person).
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
    WHERE p.status = 'active'
      AND p.id NOT IN (SELECT c.pairing_id FROM checkins c WHERE c.period = :period
                       GROUP BY c.pairing_id HAVING count(*) >= 2)
      AND (p.started_at IS NULL OR p.started_at <= :until)
      AND (p.cohort IS NULL OR EXISTS (SELECT 1 FROM cohorts co WHERE co.name = p.cohort AND co.every_months > 0
           AND :month >= co.start_month AND :month < co.end_month AND (:month - co.start_month) % co.every_months = 0))
) WHERE (mentor_status = 'active' AND NOT mentor_prompted) OR (mentee_status = 'active' AND NOT mentee_prompted)
"""


CATCH_UP = timedelta(days=7)


def catch_up(config: Config) -> timedelta:
    """How long after the check-in moment a prompt may still go: a week, or a day more than the pace (8 days by
    default), so a prompt that waits for its free slot after a rule's mail sent just before the moment still goes
    inside the window, and before its last day (when it would go regardless of the pace)."""
    return max(CATCH_UP, timedelta(days=config.limits.pace_days + 1))


def current_period(config: Config, now: datetime) -> str | None:
    """The period ('YYYY-MM') the prompt asks about, from this month's check-in moment (program time) until the
    catch-up window after it ends, else None. With `checkins.asks_about: previous_month` (the default) it is the month
    just ended: on 1 December the prompt asks about November, and every answer to it counts for November.

    The window lets a program that was down on the day, or a prompt waiting for the pace, catch up; later than
    that, a check-in would arrive too late to make sense, so the period is skipped.
    """
    local = now.astimezone(config.timezone)
    moment = local.replace(
        day=config.checkins.day_of_month, hour=config.checkins.hour, minute=0, second=0, microsecond=0
    )
    if not moment <= local < moment + catch_up(config):
        return None
    if config.checkins.asks_about == "current_month":
        return f"{local.year:04d}-{local.month:02d}"
    return previous_month(local.year, local.month)


def previous_month(year: int, month: int) -> str:
    return f"{year - 1:04d}-12" if month == 1 else f"{year:04d}-{month - 1:02d}"


def is_month(period: str) -> bool:
    """A monthly period ('2026-11'), not the closing survey's ('closing')."""
    return len(period) == 7 and period[4] == "-" and period.replace("-", "").isdigit()


def period_end(config: Config, period: str) -> datetime:
    """The last moment of a monthly period, program time: a meeting reported for November happened by then."""
    year, month = (int(part) for part in period.split("-"))
    first_next = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=config.timezone)
    return first_next - timedelta(seconds=1)


def run_cycle(db: Database, config: Config, form: Form, outbox: Outbox, now: datetime) -> int:
    """Send this period's prompts that have not been sent. Returns how many were queued.

    The pace covers prompts (PROGRAM.md: at most one program mail a week): a person who had a rule's mail in the
    last `limits.pace_days` gets her prompt at the first tick after the pace, inside the catch-up window; on its
    last day the prompt goes anyway, as a period nobody was asked about would be lost. Rule mail in turn waits a
    pace after a prompt (program/followup.py), so the prompt never yields twice."""
    period = current_period(config, now)
    if period is None:
        return 0
    # A pair is asked about a month it was under way in: one that starts after the month asked about waits for
    # the next period.
    until = iso(min(now, period_end(config, period)))
    params = {"until": until, "period": period, "month": period_index(period)}
    due = list(each_row(db, PAIRS_DUE, params))
    busy = _paced_now(db, config, due, now)
    # One mail per person: a mentor with two mentees is asked about both at once (each pairing its own check-in).
    wanted: dict[int, list[Side]] = {}
    for pair in due:
        for side, other in (("mentor", "mentee"), ("mentee", "mentor")):
            if pair[f"{side}_status"] != "active" or pair[f"{side}_prompted"]:
                continue  # paused or left: no prompt (RELIABILITY: never mail who asked us not to)
            if pair[f"{side}_email"] in busy:
                continue  # her free slot comes later in the window
            wanted.setdefault(pair[f"{side}_id"], []).append(Side(pair, side, other))
    return sum(_prompt(db, config, form, outbox, sides, period, now) for sides in wanted.values())


@dataclass(frozen=True)
class Side:
    """One person's side of one pairing, to be asked about it."""

    pair: dict[str, Any]
    side: str  # mentor | mentee
    other: str


def _paced_now(db: Database, config: Config, due: list[dict[str, Any]], now: datetime) -> set[str]:
    """The addresses among these pairs' that had a rule's mail within the pace (none on the window's last day)."""
    if not config.limits.pace_days or not due:
        return set()
    local = now.astimezone(config.timezone)
    moment = local.replace(day=config.checkins.day_of_month, hour=config.checkins.hour, minute=0, second=0)
    if local >= moment + catch_up(config) - timedelta(days=1):
        return set()
    emails = {pair[f"{side}_email"] for pair in due for side in ("mentor", "mentee")}
    since = iso(now - timedelta(days=config.limits.pace_days))
    return set(last_mailed(db, emails, since, RULE_MAIL))


def _prompt(
    db: Database, config: Config, form: Form, outbox: Outbox, sides: list[Side], period: str, now: datetime
) -> int:
    """One prompt mail to one person about each of her pairings here; 1 when it was queued. Its plain reply answers
    the first pairing; each other pairing has its own reply address (its check-in's token), said in the mail, so
    every answer is recorded for the pair it is about and nothing is guessed."""
    with db.atomic():
        made = [(s, row) for s in sides if (row := _checkin(db, s, period, now))]
        if not made:
            return 0
        (first, (checkin_id, token)), more = made[0], made[1:]
        context = prompt_context(config, form, first.pair, first.side, first.other, period)
        context["also"] = [
            {
                "partner_name": s.pair[f"{s.other}_name"],
                "partner_role": s.other,
                "address": reply_address(config.assistant.email, other_token),
                # No name in the link: an erasure redacts names in the text, not inside a URL's encoding.
                "subject": f"My {month_name(period)} check-in",
            }
            for s, (_, other_token) in more
        ]
        message_id = outbox.enqueue(
            Mail(
                key=f"checkin:{first.pair['pairing_id']}:{first.pair[f'{first.side}_id']}:{period}:prompt",
                template="checkin_prompt",
                to=[(first.pair[f"{first.side}_name"], first.pair[f"{first.side}_email"])],
                context=context,
                reply_token=token,
                entity=f"checkin:{checkin_id}",
            )
        )
        for _, (each, _) in made:
            update_row(db, "checkins", each, {"prompt_message_id": message_id})
    return 1


def _checkin(db: Database, s: Side, period: str, now: datetime) -> tuple[int, str] | None:
    """A new check-in and its reply token; None when this side was already asked about this period."""
    participant_id = s.pair[f"{s.side}_id"]
    exists = db.execute(
        "SELECT 1 FROM checkins WHERE pairing_id = ? AND participant_id = ? AND period = ?",
        (s.pair["pairing_id"], participant_id, period),
    ).fetchone()
    if exists:
        return None
    checkin_id = insert_row(
        db,
        "checkins",
        {
            "pairing_id": s.pair["pairing_id"],
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
    return checkin_id, token


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
        "questions": numbered(form, form.keys_for(side), month_name(period)),
    }
