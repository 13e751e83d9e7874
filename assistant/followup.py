"""The tick: start this month's check-ins, evaluate the follow-through rules, and queue what they intend.

Each intent is written as a firing (unique per rule, entity and repeat number) and its mail, in one transaction.
Participants who paused or left are never mailed by a rule; coordinators always can be.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from assistant.checkins import month_name, numbered, run_cycle
from assistant.clock import iso
from assistant.config import Config
from assistant.engine.evaluate import Intent, evaluate
from assistant.engine.facts import checkin_facts, load_firings
from assistant.engine.schema import Rule
from assistant.forms import Form
from assistant.outbox import Mail, Outbox

log = logging.getLogger(__name__)


def tick(db: Database, config: Config, form: Form, rules: list[Rule], outbox: Outbox, now: datetime) -> dict[str, int]:
    prompts = run_cycle(db, config, form, outbox, now)
    facts = {"checkin": checkin_facts(db, now)}
    firings = load_firings(db, [f.entity for group in facts.values() for f in group])
    fired = sum(apply(db, config, form, outbox, intent, now) for intent in evaluate(rules, facts, firings, now))
    return {"prompts": prompts, "rule_mails": fired}


def apply(db: Database, config: Config, form: Form, outbox: Outbox, intent: Intent, now: datetime) -> int:
    with db.atomic():
        inserted = db.execute(
            "INSERT OR IGNORE INTO firings (rule, entity, seq, fired_at, reason) VALUES (?, ?, ?, ?, ?)",
            (intent.rule.name, intent.fact.entity, intent.seq, iso(now), intent.reason),
        ).rowcount
        if not inserted or intent.rule.send is None:
            return 0
        sent = 0
        for to, threaded in recipients(config, intent):
            sent += _enqueue(outbox, form, intent, to, threaded, now)
        log.info("%s → %d mail(s)", intent.reason, sent)
        return sent


def recipients(config: Config, intent: Intent) -> list[tuple[list[tuple[str, str]], bool]]:
    """[(To addresses, whether the mail continues the participant's check-in thread)] for the rule's `to`."""
    x = intent.fact.extra
    people = {
        "participant": (x["participant_name"], x["participant_email"], x["participant_status"]),
        "partner": (x["partner_name"], x["partner_email"], x["partner_status"]),
    }
    people["mentor" if x["side"] == "mentor" else "mentee"] = people["participant"]
    people["mentee" if x["side"] == "mentor" else "mentor"] = people["partner"]
    to = intent.rule.send.to if intent.rule.send else ""
    if to == "coordinator":
        return [([(c.name, c.email) for c in config.coordinators], False)]
    chosen = [people["participant"], people["partner"]] if to == "pair" else [people[to]]
    active = [(name, email) for name, email, status in chosen if status == "active"]
    return [(active, to == "participant")] if active else []


def _enqueue(
    outbox: Outbox, form: Form, intent: Intent, to: list[tuple[str, str]], threaded: bool, now: datetime
) -> int:
    x = intent.fact.extra
    missing = [q.key for q in form.questions if q.required and q.key not in x["answers"]]
    context: dict[str, Any] = {
        "name": x["participant_name"],
        "role": x["side"],
        "partner_name": x["partner_name"],
        "participant_name": x["participant_name"],
        "participant_email": x["participant_email"],
        "month": month_name(x["period"]),
        "period": x["period"],
        "questions": numbered(form),
        "missing": numbered(form, missing),
        "answers": x["answers"],
        "answered": [dict(q, value=x["answers"][q["key"]]) for q in numbered(form) if q["key"] in x["answers"]],
        "days_waiting": (now - datetime.fromisoformat(x["sent_at"])).days,
        "reminder_number": intent.seq + 1,
        "reason": intent.reason,
    }
    queued = outbox.enqueue(
        Mail(
            key=f"rule:{intent.key}:{','.join(email for _, email in to)}",
            template=intent.rule.send.template if intent.rule.send else "",
            to=to,
            context=context,
            reply_token=x["token"] if threaded else None,
            in_reply_to=x["prompt_message_id"] if threaded else None,
            entity=intent.fact.entity if threaded else f"rule:{intent.fact.entity}",
        )
    )
    return 1 if queued else 0
