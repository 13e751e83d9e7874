"""The coordinators' daily list: what the rules found that needs a person, one mail per coordinator per day.

A rule whose mail to the coordinators says `batch: daily` does not send a mail of its own: its firing (still the
at-most-once guard, as for every rule) becomes an entry in `escalation_items`, written by the rule's template (its
subject is the entry's one line, its text and HTML the entry). Once a day, inside the coordinators' quiet window,
each coordinator gets one `escalations` mail with every entry not yet listed, grouped by pair: both silent people of
a pair in one entry, forty pairs in one mail instead of eighty (issue 13, point 4).

An escalation about a check-in carries what the person wrote when nothing could be recorded from it (a reply held
for review or quarantined, or read with no answer): she is not silent, and the coordinator sees her own words
(bounded, her new text only) instead of "hasn't answered" (point 13). An entry whose check-in was answered before
the list went out is dropped: a person who wrote and was recorded is not escalated.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso, iso
from assistant.config import Config
from assistant.db import insert_row, one, rows
from assistant.engine.evaluate import Intent, inside
from assistant.engine.schema import DEFAULT_QUIET
from assistant.mail.message import parse_message
from assistant.mail.reply_text import new_text
from assistant.outbox import Mail, Outbox
from assistant.outbox.enqueue import common_context

log = logging.getLogger(__name__)

TEMPLATE = "escalations"
WORDS_CHARS = 500  # of her words quoted in an entry: enough to judge, short enough for a list of forty pairs
READ_SECONDS = 2.0  # the reading budget for one kept message (the pipeline's own is for mail arriving)

# What became of what she wrote, in a coordinator's words (the outcome the chain gave it).
WHY = {
    "asked_again": "I couldn't find an answer in it, and asked her once more",
    "held_unreadable": "I still couldn't find an answer in it, so it waits for you in the review queue",
    "quarantined": "I couldn't handle it, so it waits for you in the review queue",
}
HELD = "it is kept for you in the review queue"

# Her messages since the prompt that a person has to look at: the review queue (its partial index answers this).
_KEPT = (
    "SELECT m.id, m.received_at, m.status, m.outcome, m.raw FROM messages m WHERE m.id IN"
    " (SELECT id FROM review_queue WHERE received_at > ? AND (from_addr = ? OR from_addr LIKE ? ESCAPE '\\'))"
)
# Her replies to this check-in read with no answer (the reply handler's own event, found by the check-in).
_UNREAD = "SELECT detail FROM events WHERE entity = ? AND kind = 'checkin_answers'"


def record(db: Database, config: Config, outbox: Outbox, intent: Intent, context: dict[str, Any], now: datetime) -> int:
    """The firing of a batched rule as an entry of the next daily list (in the firing's transaction). Returns 0:
    no mail is queued now."""
    fields = intent.fact.fields
    wrote = unrecorded(db, config, intent.fact.entity, fields)
    assert intent.rule.send is not None  # only a rule that sends is batched
    entry = outbox.renderer.render(intent.rule.send.template, {**common_context(config), **context, "wrote": wrote})
    insert_row(
        db,
        "escalation_items",
        {
            "rule": intent.rule.name,
            "entity": intent.fact.entity,
            "pairing_id": fields.get("pairing.id"),
            "participant_id": fields.get("participant.id"),
            "reason": intent.reason,
            "headline": entry.subject,
            "text": entry.text.strip(),
            "html": entry.html.strip(),
            "words": wrote["words"] if wrote else None,
            "words_message_id": wrote["message"] if wrote else None,
            "created_at": iso(now),
        },
    )
    return 0


def unrecorded(db: Database, config: Config, entity: str, fields: Any) -> dict[str, Any] | None:
    """The latest thing the person of this check-in wrote since its prompt from which nothing could be recorded, as
    the entry's `wrote`; None when she wrote nothing of the kind (or the entity is not a check-in)."""
    email, since = fields.get("participant.email"), fields.get("checkin.sent_at")
    if not entity.startswith("checkin:") or not email or not since:
        return None
    found = rows(db, _KEPT, [since, email, f"%<{_like(email)}>"])
    for event in rows(db, _UNREAD, [entity]):
        detail = _json(event["detail"])
        if detail.get("recorded") == [] and detail.get("message"):
            message = one(
                db,
                "SELECT id, received_at, status, outcome, raw FROM messages WHERE message_id = ?",
                [detail["message"]],
            )
            found += [message] if message else []
    if not found:
        return None
    latest = max(found, key=lambda m: (m["received_at"], m["id"]))
    outcome = "quarantined" if latest["status"] == "quarantined" else latest["outcome"] or ""
    words, more = _words(latest.get("raw"))
    in_queue = one(db, "SELECT id FROM review_queue WHERE id = ?", [latest["id"]]) is not None
    local = from_iso(latest["received_at"]).astimezone(config.timezone)
    return {
        "message": latest["id"],
        "on": f"{local.day} {local:%b}",
        "outcome": outcome,
        "why": WHY.get(outcome, HELD),
        "words": words,
        "more": more,
        "review_id": latest["id"] if in_queue else None,
        "messages": len({m["id"] for m in found}),
    }


def _words(raw: bytes | None) -> tuple[str, bool]:
    """Her new text (quotes and signature left out), at most WORDS_CHARS; and whether there was more. A message
    that cannot be read now gives no words, never an error: the entry still says she wrote."""
    if raw is None:
        return "", False
    try:
        text = new_text(parse_message(bytes(raw), READ_SECONDS).text).strip()
    except Exception:  # hostile mail is normal mail: one unreadable message must not stop the rules
        log.warning("could not read a kept message for an escalation", exc_info=True)
        return "", False
    return (text[:WORDS_CHARS].rstrip() + " …", True) if len(text) > WORDS_CHARS else (text, False)


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _json(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text or "{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


# --- the daily list --------------------------------------------------------------------------------------------


def send_if_due(db: Database, config: Config, outbox: Outbox, now: datetime) -> int:
    """Queue today's list for each coordinator, when entries wait and today's has not gone yet. Returns how many
    mails were queued. Outside the coordinators' quiet window (program time) entries wait, like any rule's mail;
    entries found after today's list wait for tomorrow's: at most one such mail per coordinator per day."""
    if not inside(DEFAULT_QUIET, now, config.timezone):
        return 0
    day = now.astimezone(config.timezone).date().isoformat()
    if any(outbox.has(key(c.email, day)) for c in config.coordinators):
        return 0
    with db.atomic():
        _drop_answered(db, now)
        items = rows(db, "SELECT * FROM escalation_items WHERE sent_in IS NULL AND dropped IS NULL ORDER BY id")
        if not items:
            return 0
        groups = grouped(db, items)
        queued = 0
        for coordinator in config.coordinators:
            mail = Mail(
                key=key(coordinator.email, day),
                template=TEMPLATE,
                to=[(coordinator.name, coordinator.email)],
                context={"coordinator": coordinator, "groups": groups, "entries": len(items)},
                entity=f"escalations:{day}",
            )
            queued += 1 if outbox.enqueue(mail) else 0
        db.execute(
            f"UPDATE escalation_items SET sent_in = ? WHERE id IN ({', '.join('?' * len(items))})",
            [f"escalations:{day}", *[item["id"] for item in items]],
        )
        return queued


def key(email: str, day: str) -> str:
    """The outbox key of a coordinator's list of a day: unique, so a second list that day is never queued."""
    return f"escalations:{day}:{email}"


def _drop_answered(db: Database, now: datetime) -> None:
    """An entry about a check-in answered since it was found is not sent: she wrote, and it was recorded."""
    db.execute(
        "UPDATE escalation_items SET dropped = ? WHERE sent_in IS NULL AND dropped IS NULL"
        " AND entity LIKE 'checkin:%' AND EXISTS (SELECT 1 FROM checkins c"
        " WHERE c.id = CAST(substr(escalation_items.entity, 9) AS INTEGER) AND c.status = 'answered')",
        [f"answered before the list went out ({iso(now)})"],
    )


def grouped(db: Database, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The entries by pair, in the order they were found: each pair once, with both people, then its entries."""
    groups: dict[Any, dict[str, Any]] = {}
    for item in items:
        group_key = item["pairing_id"] if item["pairing_id"] is not None else f"item:{item['id']}"
        if group_key not in groups:
            groups[group_key] = {"pair": _pair(db, item["pairing_id"]), "entries": []}
        groups[group_key]["entries"].append({k: item[k] for k in ("headline", "text", "html")})
    return list(groups.values())


def _pair(db: Database, pairing_id: int | None) -> dict[str, Any] | None:
    if pairing_id is None:
        return None
    row = one(
        db,
        "SELECT m.name AS mentor_name, m.email AS mentor_email, e.name AS mentee_name, e.email AS mentee_email,"
        " pr.started_at FROM pairings pr JOIN participants m ON m.id = pr.mentor_id"
        " JOIN participants e ON e.id = pr.mentee_id WHERE pr.id = ?",
        [pairing_id],
    )
    if row is None:
        return None
    return {
        "mentor": {"name": row["mentor_name"], "email": row["mentor_email"]},
        "mentee": {"name": row["mentee_name"], "email": row["mentee_email"]},
        "started_on": (row["started_at"] or "")[:10],
    }


# What a batched rule's template is given beyond the rule's own context (for `check`, program/samples.py).
WROTE_SAMPLE = {
    "message": 12,
    "on": "3 Dec",
    "outcome": "held_unreadable",
    "why": WHY["held_unreadable"],
    "words": "Sorry, it's been a hectic month. Lena and I had coffee but I'm not sure it counts!",
    "more": False,
    "review_id": 12,
    "messages": 1,
}
