"""The follow-through rules carried out: what they intend now (paced), and each intent done once.

Each intent becomes, in one transaction, a firing (unique per rule, entity, episode and repeat number), its status
changes, and its mail in the outbox. Participants who paused or left, and closed pairings, are never mailed by a
rule unless the rule says `allow_inactive: true`; coordinators always can be. A rule whose mail to the coordinators
says `batch: daily` adds an entry to their daily list instead (program/escalations.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso, iso, month_name
from assistant.config import Config
from assistant.db import record_event
from assistant.engine.evaluate import Fact, Intent, evaluate
from assistant.engine.facts import complete, gather
from assistant.engine.fields import ENTITIES
from assistant.engine.schema import Rule
from assistant.forms.form import Form, numbered
from assistant.outbox import Mail, Outbox
from assistant.program import closure, escalations
from assistant.program.pacing import Held, Settled, keep, last_mailed, revive

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What the rules do at one tick: carry out `due` now; `held` waits for its slot (pacing); `settled` leaves the
    waiting list (done, or dropped with why)."""

    due: list[Intent]
    held: list[Held]
    settled: list[Settled]


def plan(db: Database, config: Config, form: Form, rules: list[Rule], now: datetime) -> list[Intent]:
    """What the rules would do now (nothing is written): judged and paced on the fields the rules read, then with
    every field for the templates of what remains."""
    return schedule(db, config, form, rules, now).due


def schedule(db: Database, config: Config, form: Form, rules: list[Rule], now: datetime) -> Plan:
    """The plan (nothing is written): the intents that waited for the pace and may go now first, then the rules'
    new intents, in file order; what the pace holds back, and what no longer waits."""
    form_keys = tuple(q.key for q in form.questions)
    facts, firings, candidates = gather(db, rules, now, form_keys, _undeferred)
    fresh = evaluate(rules, facts, firings, now, config.timezone, candidates)
    waited, settled = revive(db, rules, now, form_keys, config.timezone)
    kept, held = split(db, config, [*waited, *fresh], now)
    return Plan(complete(db, kept, now, form_keys), held, settled)


def split(db: Database, config: Config, intents: list[Intent], now: datetime) -> tuple[list[Intent], list[Held]]:
    """At most one program mail a week to a participant (PROGRAM.md; `limits.pace_days`, 0 for no pacing): an
    intent whose participant had a check-in prompt or a rule's mail in the last `pace_days` is held back until the
    pace allows it, never dropped. Replies in a conversation don't count, and coordinators are not paced. The
    first in the list wins when two are due for one person at once."""
    if not config.limits.pace_days:
        return list(intents), []
    pace = timedelta(days=config.limits.pace_days)
    people = {
        id(i): [email for to, _ in recipients(config, i) for _, email in to] if _paced(i) else [] for i in intents
    }
    last = last_mailed(db, {email for emails in people.values() for email in emails}, iso(now - pace))
    kept, held = [], []
    for intent in intents:
        times = [last[email] for email in people[id(intent)] if email in last]
        if times:
            held.append(Held(intent, from_iso(max(times)) + pace))
            continue
        last.update({email: iso(now) for email in people[id(intent)]})
        kept.append(intent)
    return kept, held


def wait(db: Database, planned: Plan, now: datetime) -> None:
    """After the tick carried out `planned.due`: what was held waits in `deferred`, the rest leaves it."""
    keep(db, planned.held, planned.settled, planned.due, now)


def _paced(intent: Intent) -> bool:
    return _paces(intent.rule)


def _paces(rule: Rule) -> bool:
    return rule.send is not None and rule.send.to != "coordinator"


def _undeferred(rule: Rule, params: dict[str, Any]) -> str | None:
    """For the rules' candidates in SQL: leave out what already waits in `deferred` for this rule (`revive` judges
    it), so a paced intent is judged once as new, then only from the waiting list."""
    if not _paces(rule):
        return None
    return f"NOT EXISTS (SELECT 1 FROM deferred d WHERE d.rule = :rule AND d.entity = :prefix || {rule.entity.key})"


def apply(db: Database, config: Config, form: Form, outbox: Outbox, intent: Intent, now: datetime) -> int:
    rule, fact = intent.rule, intent.fact
    with db.atomic():
        inserted = db.execute(
            "INSERT OR IGNORE INTO firings (rule, entity, episode, seq, fired_at, reason) VALUES (?, ?, ?, ?, ?, ?)",
            (rule.name, fact.entity, intent.episode, intent.seq, iso(now), intent.reason),
        ).rowcount
        if not inserted:
            return 0
        fresh = _set(db, rule, fact, now)
        sent = 0
        if not fresh:  # its mark was already set (pay it forward, once per person): the firing stays, no mail
            record_event(db, iso(now), "rule_already_marked", fact.entity, rule=rule.name)
        elif rule.send and rule.send.batch:  # an entry of the coordinators' daily list, not a mail of its own
            escalations.record(db, config, outbox, intent, context(form, intent, [], now), now)
        elif rule.send:
            for to, threaded in recipients(config, intent):
                sent += _enqueue(outbox, form, intent, to, threaded, now)
        record_event(db, iso(now), "rule_fired", fact.entity, rule=rule.name, reason=intent.reason, mails=sent)
        log.info("%s → %d mail(s)", intent.reason, sent)
        return sent


def _set(db: Database, rule: Rule, fact: Fact, now: datetime) -> bool:
    """The rule's `set`: statuses; a pairing closed through `closure.close` (its end, and the rule's reason when
    nobody gave one; `other` when the rule names none); a reason alone fills an empty one; a mark is set once.
    False when a mark was already set: the caller then sends nothing."""
    settable = ENTITIES[fact.entity.split(":")[0]].settable
    sets = dict(rule.set)
    fresh = True
    for name, value in sets.items():
        target = settable[name]
        row_id = fact.fields[target.id_field]
        if name == "pairing.status" and value == "closed":
            closure.close(db, row_id, now, by="rule", reason=sets.get("pairing.close_reason", "other"))
        elif name == "pairing.close_reason":
            if "pairing.status" not in sets:  # a reason alone fills an empty one
                sql = "UPDATE pairings SET close_reason = ?, close_reason_by = 'rule' WHERE id = ?"
                db.execute(sql + " AND close_reason IS NULL", [value, row_id])
        elif target.mark:
            sql = f"UPDATE {target.table} SET {target.column} = ? WHERE id = ? AND {target.column} IS NULL"
            fresh = db.execute(sql, [iso(now), row_id]).rowcount == 1 and fresh
        else:
            db[target.table].update(row_id, {target.column: value})
    return fresh


def recipients(config: Config, intent: Intent) -> list[tuple[list[tuple[str, str]], bool]]:
    """[(To addresses, whether the mail continues the participant's check-in thread)] for the rule's `to`."""
    to = intent.rule.send.to if intent.rule.send else ""
    if to == "coordinator":
        return [([(c.name, c.email) for c in config.coordinators], False)]
    fields = intent.fact.fields
    people = ["mentor", "mentee"] if to == "pair" else [to]
    chosen = [
        (fields.get(f"{p}.name") or "", fields[f"{p}.email"])
        for p in people
        if fields.get(f"{p}.email") and (intent.rule.allow_inactive or fields.get(f"{p}.status") == "active")
    ]
    threaded = to == "participant" and intent.fact.entity.startswith("checkin:")
    return [(chosen, threaded)] if chosen else []


def context(form: Form, intent: Intent, to: list[tuple[str, str]], now: datetime) -> dict[str, Any]:
    """Template variables: every fact field as nested dicts (participant.name …), plus check-in conveniences."""
    nested: dict[str, Any] = {}
    for name, value in intent.fact.fields.items():
        group, _, key = name.partition(".")
        nested.setdefault(group, {})[key] = value
    nested.setdefault("answers", {})
    result = {
        **nested,
        "name": to[0][0] if len(to) == 1 else "",
        "rule": intent.rule.name,
        "reason": intent.reason,
        "reminder_number": intent.seq + 1,
    }
    if intent.fact.entity.startswith("checkin:"):
        result.update(_checkin_context(form, nested, now))
    return result


def _checkin_context(form: Form, f: dict[str, Any], now: datetime) -> dict[str, Any]:
    answers = {k: v for k, v in f["answers"].items() if v is not None}
    asked = form.keys_for(f["checkin"]["side"])  # a question only for mentees is never put to a mentor
    missing = [q.key for q in form.questions if q.required and q.key not in answers and q.key in asked]
    month = month_name(f["checkin"]["period"])
    return {
        "answers": answers,
        "role": f["checkin"]["side"],
        "partner_name": f["partner"]["name"],
        "participant_name": f["participant"]["name"],
        "participant_email": f["participant"]["email"],
        "month": month,
        "period": f["checkin"]["period"],
        "questions": numbered(form, asked, month),
        "missing": numbered(form, missing, month),
        "answered": [dict(q, value=answers[q["key"]]) for q in numbered(form, month=month) if q["key"] in answers],
        "days_waiting": (now - datetime.fromisoformat(f["checkin"]["sent_at"])).days,
    }


def _enqueue(
    outbox: Outbox, form: Form, intent: Intent, to: list[tuple[str, str]], threaded: bool, now: datetime
) -> int:
    fields = intent.fact.fields
    queued = outbox.enqueue(
        Mail(
            key=f"rule:{intent.key}:{','.join(email for _, email in to)}",
            template=intent.rule.send.template if intent.rule.send else "",
            to=to,
            context=context(form, intent, to, now),
            reply_token=fields.get("checkin.token") if threaded else None,
            in_reply_to=fields.get("checkin.prompt_message_id") if threaded else None,
            entity=intent.fact.entity if threaded else f"rule:{intent.fact.entity}",
        )
    )
    return 1 if queued else 0
