"""`mentor-assistant explain MESSAGE-ID|EMAIL`: why the assistant did what it did, from what it recorded.

For a Message-ID: the ledger row (status, outcome, the reasons of the chain, error, attempts), the answers it
recorded, its events, and the mail sent because of it (outbox rows it set off, whose key names it, or that reply to
it); mail the per-address cap held back is among the reasons. One of our own Message-IDs shows the outbox row and the
rule firing behind it. For an address: the person, their pairings, check-ins and answers, the rules that fired for
them, the mail they sent and got, and what the rules would do next if nothing changed (nobody replies, nobody
meets). Read-only.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, time, timedelta, tzinfo
from email import message_from_bytes, policy
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso
from assistant.coordinator import lineage
from assistant.db import one
from assistant.engine.evaluate import judge
from assistant.engine.facts import load_facts, load_firings
from assistant.engine.fields import ENTITIES
from assistant.engine.schema import Rule
from assistant.forms.reasons import label
from assistant.program import sponsorships

HORIZON_DAYS = 90
QUIET = "waiting for the recipient's quiet window"  # judge()'s reason when only the recipient's local hour holds


def explain(
    db: Database, target: str, rules: Sequence[Rule], form_keys: tuple[str, ...], now: datetime, zone: tzinfo
) -> list[str]:
    """Lines that answer "why?" for a Message-ID (with or without <>) or a participant's address."""
    text = target.strip()
    if not text.startswith("<"):
        person = one(db, "SELECT * FROM participants WHERE email = ?", [text.lower()])
        if person:
            return explain_person(db, person, rules, form_keys, now, zone)
    message_id = text if text.startswith("<") else f"<{text}>"
    row = one(db, "SELECT * FROM messages WHERE message_id = ?", [message_id])
    if row:
        return explain_message(db, row, zone)
    sent = one(db, "SELECT * FROM outbox WHERE message_id = ?", [message_id])
    if sent:
        return explain_outgoing(db, sent, zone)
    if "@" in text and not text.startswith("<"):
        received = list(db.query("SELECT * FROM messages WHERE from_addr = ? ORDER BY id", [text.lower()]))
        if received:
            return [f"{text} is not a participant; mail received from this address:", *_inbound(received, zone)]
    return [f"nothing is known about {target!r}: no participant with that address, and no message with that ID"]


# --- a message ----------------------------------------------------------------------------------------------------


def explain_message(db: Database, row: dict[str, Any], zone: tzinfo) -> list[str]:
    message_id = row["message_id"]
    lines = [
        f"Message {message_id}",
        f"  from {row['from_addr'] or '(no address)'}, subject {row['subject']!r}",
        f"  received {_when(row['received_at'], zone)} in {row['mailbox'] or 'the inbox'}, {row['size']:,} bytes",
        f"  status {row['status']}, outcome {row['outcome'] or '(none yet)'}, attempts {row['attempts']}"
        + (f", processed {_when(row['processed_at'], zone)}" if row["processed_at"] else ""),
        "Why:",
        *(f"  - {reason}" for reason in _reasons(row["reasons"])),
    ]
    if row["error"]:
        lines += ["Error:", *(f"  {line}" for line in row["error"].strip().splitlines()[-6:])]
    if row["status"] == "quarantined":
        lines.append("  It is quarantined: set aside for a person, and nothing was answered.")
    lines += _review(db, row, zone)
    lines += provenance(db, message_id, zone)
    lines += _events(db, [f"message:{message_id}"], zone)
    replies = _replies_to(db, message_id, row["id"])
    lines.append("Sent because of it:" if replies else "Sent because of it: nothing")
    lines += _outgoing(replies, zone)
    return lines


def provenance(db: Database, message_id: str, zone: tzinfo) -> list[str]:
    """What was recorded from this message (`answer_history`), which later message replaced each answer, and what
    this message's answers replaced."""
    recorded = list(db.query("SELECT * FROM answer_history WHERE message_id = ? ORDER BY checkin_id, id", [message_id]))
    lines = ["Recorded from it:"] if recorded else []
    for a in recorded:
        line = f"  check-in {a['checkin_id']}: {a['question']} = {a['value']} (wrote {a['raw']!r})"
        if a["replaced_by"]:
            later = one(
                db,
                "SELECT value FROM answer_history WHERE checkin_id = ? AND question = ? AND message_id = ?",
                [a["checkin_id"], a["question"], a["replaced_by"]],
            )
            now_value = f" (now {later['value']})" if later else ""
            line += f"; replaced by {a['replaced_by']} on {_when(a['replaced_at'], zone)}{now_value}"
        else:
            line += " (still the recorded answer)"
        lines.append(line)
    changed = list(
        db.query(
            "SELECT h.*, n.value AS new_value FROM answer_history h JOIN answer_history n"
            " ON n.message_id = h.replaced_by AND n.checkin_id = h.checkin_id AND n.question = h.question"
            " WHERE h.replaced_by = ? ORDER BY h.id",
            [message_id],
        )
    )
    if changed:
        lines.append("It changed:")
        lines += [
            f"  check-in {c['checkin_id']}: {c['question']} from {c['value']} (from {c['message_id']})"
            f" to {c['new_value']}"
            for c in changed
        ]
    return lines


def _review(db: Database, row: dict[str, Any], zone: tzinfo) -> list[str]:
    """Whether it waits for a person (by its id in the review queue), or what a coordinator decided."""
    if row.get("reviewed_at"):
        as_whom = f" as {row['released_as']}'s" if row.get("released_as") else ""
        note = f" ({row['review_note']})" if row.get("review_note") else ""
        return [f"  A coordinator {row['review']} it{as_whom} on {_when(row['reviewed_at'], zone)}{note}."]
    if db.execute("SELECT 1 FROM review_queue WHERE id = ?", [row["id"]]).fetchone():
        return [f"  It waits for a person: mentor-assistant review show {row['id']}"]
    return []


def _reasons(text: str | None) -> list[str]:
    try:
        reasons = json.loads(text or "[]")
    except ValueError:
        return [text or ""]
    return [str(r) for r in reasons] if isinstance(reasons, list) and reasons else ["(no reasons recorded)"]


def _replies_to(db: Database, message_id: str, ledger_id: int) -> list[dict[str, Any]]:
    """Outbox rows it set off (`triggered_by`), whose dedupe key names the message, or whose In-Reply-To is it."""
    rows = list(
        db.query(
            "SELECT * FROM outbox WHERE triggered_by = ? OR instr(dedupe_key, ?) > 0"
            " OR instr(CAST(raw AS TEXT), ?) > 0 ORDER BY id",
            [ledger_id, message_id, message_id],
        )
    )
    result = []
    for row in rows:
        if row["triggered_by"] == ledger_id or message_id in row["dedupe_key"]:
            result.append(row)
            continue
        headers = message_from_bytes(row["raw"], policy=policy.default)
        if str(headers.get("In-Reply-To", "")).strip() == message_id:
            result.append(row)
    return result


def explain_outgoing(db: Database, row: dict[str, Any], zone: tzinfo) -> list[str]:
    lines = [f"Message {row['message_id']} is one the assistant sent:", *_outgoing([row], zone)]
    key = row["dedupe_key"]
    if key.startswith("rule:"):
        parts = key.split(":")  # rule:<rule>:<kind>:<id>:<episode, itself with colons>:<seq>:<addresses>
        rule, entity = parts[1], ":".join(parts[2:4])
        firing = one(db, "SELECT * FROM firings WHERE rule = ? AND entity = ? ORDER BY id DESC", [rule, entity])
        if firing:
            lines.append(f"Because the rule {rule} fired for {entity} on {_when(firing['fired_at'], zone)}:")
            lines.append(f"  {firing['reason']}")
    else:
        lines.append(f"  its key {key!r} says what caused it (see `explain` of the Message-ID in it, if any)")
    lines += _events(db, [row["entity"]] if row["entity"] else [], zone)
    return lines


# --- a person -----------------------------------------------------------------------------------------------------

PAIRINGS = """
SELECT pr.*, CASE WHEN pr.mentor_id = :id THEN 'mentor' ELSE 'mentee' END AS side,
       o.name AS partner_name, o.email AS partner_email
FROM pairings pr JOIN participants o
  ON o.id = CASE WHEN pr.mentor_id = :id THEN pr.mentee_id ELSE pr.mentor_id END
WHERE pr.mentor_id = :id OR pr.mentee_id = :id ORDER BY pr.id
"""


def _why_it_ended(pairing: dict[str, Any]) -> str:
    """ " (moved on: Lena changed teams; from a coordinator)": its reason, the words, whose."""
    if not pairing.get("close_reason"):
        return ""
    words = f": {pairing['close_note']}" if pairing.get("close_note") else ""
    by = {
        "mentee": "the mentee",
        "mentor": "the mentor",
        "coordinator": "a coordinator",
        "sheet": "the pairs sheet",
        "rule": "the rules",
        "leaving": "someone leaving",
    }.get(pairing.get("close_reason_by") or "")
    return f" ({label(pairing['close_reason'])}{words}" + (f"; from {by})" if by else ")")


def explain_person(
    db: Database, person: dict[str, Any], rules: Sequence[Rule], form_keys: tuple[str, ...], now: datetime, zone: tzinfo
) -> list[str]:
    pid = person["id"]
    status = person["status"] + (f" until {person['paused_until'][:10]}" if person["paused_until"] else "")
    lines = [
        f"{person['name'] or person['email']} <{person['email']}>: participant {pid}, {person['role']}, {status}",
        f"  in the program since {_when(person['created_at'], zone)}"
        + (f"; capacity {person['capacity']}" if person["capacity"] is not None else ""),
    ]
    if person["skills"]:
        lines.append(f"  offers: {person['skills']}")
    if person["goals"]:
        lines.append(f"  wants to work on: {person['goals']}")
    if person["bounced_at"]:
        lines.append(f"  MAIL BOUNCES: since {_when(person['bounced_at'], zone)}")
    pairings = list(db.query(PAIRINGS, {"id": pid}))
    lines.append("Pairings:" if pairings else "Pairings: none")
    for p in pairings:
        met = _when(p["last_met_at"], zone) if p["last_met_at"] else "none reported"
        lines.append(
            f"  pairing:{p['id']} {p['side']} with {p['partner_name']} <{p['partner_email']}>, {p['status']},"
            f" started {(p['started_at'] or '')[:10] or '-'}, last meeting {met}"
            + (f", cohort {p['cohort']}" if p.get("cohort") else "")
            + (f", ended {p['ended_at'][:10]}" if p["ended_at"] else "")
            + _why_it_ended(p)
        )
    checkins = list(db.query("SELECT * FROM checkins WHERE participant_id = ? ORDER BY period, id", [pid]))
    answers: dict[int, list[str]] = {}
    for a in db.query(
        "SELECT checkin_id, question, value FROM answers WHERE checkin_id IN"
        " (SELECT id FROM checkins WHERE participant_id = ?) ORDER BY id",
        [pid],
    ):
        answers.setdefault(a["checkin_id"], []).append(f"{a['question']}={a['value']}")
    lines.append("Check-ins:" if checkins else "Check-ins: none")
    for c in checkins:
        when = f"answered {_when(c['answered_at'], zone)}" if c["answered_at"] else f"sent {_when(c['sent_at'], zone)}"
        lines.append(f"  checkin:{c['id']} {c['period']} {c['status']} ({when}) {', '.join(answers.get(c['id'], []))}")
    lines += _sponsorships(db, pid, zone)
    found = lineage.for_person(db, pid)
    lines += ["Lineage (who mentored whom):", *found] if found else ["Lineage: none"]
    entities = [
        f"participant:{pid}",
        *(f"pairing:{p['id']}" for p in pairings),
        *(f"checkin:{c['id']}" for c in checkins),
    ]
    marks = ", ".join("?" * len(entities))
    firings = list(db.query(f"SELECT * FROM firings WHERE entity IN ({marks}) ORDER BY fired_at, id", entities))
    lines.append("Rules that fired:" if firings else "Rules that fired: none")
    lines += [f"  {_when(f['fired_at'], zone)}  {f['rule']} #{f['seq'] + 1} for {f['entity']}" for f in firings]
    sent = [
        row
        for row in db.query("SELECT * FROM outbox WHERE instr(to_addr, ?) > 0 ORDER BY id", [person["email"]])
        if person["email"] in [a.strip() for a in row["to_addr"].split(",")]
    ]
    lines.append("Mail sent to them:" if sent else "Mail sent to them: none")
    lines += _outgoing(sent, zone)
    received = list(db.query("SELECT * FROM messages WHERE from_addr = ? ORDER BY id", [person["email"]]))
    lines.append("Mail received from them:" if received else "Mail received from them: none")
    lines += _inbound(received, zone)
    lines += notes(db, pid, [p["id"] for p in pairings], zone)
    lines += _events(db, [f"participant:{pid}", *(f"pairing:{p['id']}" for p in pairings)], zone)
    lines += scheduled(db, pairings, checkins, pid, rules, form_keys, now, zone)
    return lines


def _sponsorships(db: Database, pid: int, zone: tzinfo) -> list[str]:
    """Sponsorships she gave (as a mentor) or received (as a mentee), where each came from."""
    found = sponsorships.listed(db, person=pid)
    lines = ["Sponsorships:" if found else "Sponsorships: none"]
    for s in found:
        what = f"for {s['what']!r}" if s["what"] else "(for what was not said)"
        source = f"checkin:{s['checkin_id']}" if s["checkin_id"] else f"logged by {s['logged_by'] or 'a coordinator'}"
        lines.append(
            f"  {_when(s['recorded_at'], zone)}  {s['sponsor_name']} recommended {s['protege_name']} {what}"
            f" ({s['period'] or '-'}, {source}, message {s['message_id'] or '-'})"
        )
    return lines


def notes(db: Database, pid: int, pairing_ids: list[int], zone: tzinfo) -> list[str]:
    """What coordinators noted about her, or about her pairings (the `notes` table), oldest first."""
    marks = ", ".join("?" * len(pairing_ids)) or "NULL"
    found = list(
        db.query(
            f"SELECT * FROM notes WHERE participant_id = ? OR pairing_id IN ({marks}) ORDER BY created_at, id",
            [pid, *pairing_ids],
        )
    )
    if not found:
        return ["Coordinators' notes: none"]
    lines = ["Coordinators' notes:"]
    for note in found:
        about = f"pairing:{note['pairing_id']}" if note["pairing_id"] else f"participant:{note['participant_id']}"
        text = " ".join(note["text"].split())
        lines.append(f"  {_when(note['created_at'], zone)}  {note['author']} on {about}: {text[:300]}")
    return lines


def scheduled(
    db: Database,
    pairings: list[dict[str, Any]],
    checkins: list[dict[str, Any]],
    pid: int,
    rules: Sequence[Rule],
    form_keys: tuple[str, ...],
    now: datetime,
    zone: tzinfo,
) -> list[str]:
    """The first time each rule would fire for this person's entities in the next 90 days, if nothing changed.

    It evaluates the real rules on the real facts, day by day at noon (program time), without writing anything;
    a rule that is due but waits for the recipient's quiet hours counts as due that day.
    A firing that would itself change things (a repeat, an inhibition, a status set) is not followed further,
    and the weekly pace may move a participant's mail by a few days."""
    ids = {
        "participant": [pid],
        "pairing": [p["id"] for p in pairings if p["status"] != "closed"],
        "checkin": [c["id"] for c in checkins if c["status"] == "awaiting" or c["answered_at"]],
    }
    entities = [f"{kind}:{i}" for kind, values in ids.items() for i in values]
    firings = load_firings(db, entities)
    found: dict[tuple[str, str], tuple[datetime, Rule]] = {}
    for moment in _moments(now, zone):
        for kind, values in ids.items():
            kind_rules = [r for r in rules if r.match == kind and r.enabled]
            if not values or not kind_rules:
                continue
            for fact in load_facts(db, ENTITIES[kind], values, moment, form_keys):
                for rule in kind_rules:
                    if (rule.name, fact.entity) in found:
                        continue
                    verdict = judge(rule, fact, firings, moment, zone)
                    if verdict.fires or verdict.reason.startswith(QUIET):  # due; the mail waits for their day
                        found[(rule.name, fact.entity)] = (moment, rule)
    if not found:
        return [f"Scheduled next: nothing in the next {HORIZON_DAYS} days"]
    lines = [f"Scheduled next, if nothing changes (the next {HORIZON_DAYS} days, first firing of each rule):"]
    for (name, entity), (moment, rule) in sorted(found.items(), key=lambda item: item[1][0]):
        local = moment.astimezone(zone)
        action = f"sends {rule.send.template} to the {rule.send.to}" if rule.send else ""
        sets = ", ".join(f"sets {field} = {value}" for field, value in rule.set)
        what = "; ".join(part for part in (action, sets) if part)
        lines.append(f"  {'now' if moment == now else f'{local:%a %d %b %Y}'}  {name} for {entity}: {what}")
    return lines


def _moments(now: datetime, zone: tzinfo) -> list[datetime]:
    day = now.astimezone(zone).date()
    noons = [datetime.combine(day + timedelta(days=n), time(12), tzinfo=zone) for n in range(HORIZON_DAYS + 1)]
    return [now, *(moment for moment in noons if moment > now)]


# --- shared -------------------------------------------------------------------------------------------------------


def _when(moment: str | None, zone: tzinfo) -> str:
    return from_iso(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "-"


def _outgoing(rows: list[dict[str, Any]], zone: tzinfo) -> list[str]:
    lines = []
    for row in rows:
        sent = f"sent {_when(row['sent_at'], zone)}" if row["sent_at"] else row["status"]
        lines.append(f"  {_when(row['created_at'], zone)}  {row['template']} to {row['to_addr']}: {row['subject']!r}")
        error = f", last error: {row['last_error']}" if row["last_error"] else ""
        lines.append(f"      {sent}, attempts {row['attempts']}, key {row['dedupe_key']}{error}")
    return lines


def _inbound(rows: list[dict[str, Any]], zone: tzinfo) -> list[str]:
    lines = []
    for row in rows:
        lines.append(
            f"  {_when(row['received_at'], zone)}  {row['message_id']} {row['subject']!r}: {row['status']},"
            f" {row['outcome'] or '-'}"
        )
        lines += [f"      - {reason}" for reason in _reasons(row["reasons"])]
    return lines


def _events(db: Database, entities: list[str], zone: tzinfo) -> list[str]:
    if not entities:
        return []
    marks = ", ".join("?" * len(entities))
    rows = list(db.query(f"SELECT * FROM events WHERE entity IN ({marks}) ORDER BY at, id", entities))
    if not rows:
        return []
    return ["Events:", *(f"  {_when(r['at'], zone)}  {r['kind']} {r['entity']} {r['detail']}" for r in rows)]
