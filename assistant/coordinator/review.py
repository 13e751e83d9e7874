"""The review queue: mail the assistant kept for a person rather than guess, and mail it could not handle.

What needs a person is one definition, the `review_queue` view (db.py): held outcomes (a reply under someone else's
token, a participant writing about nothing of ours, a stranger, a reply whose only robot sign is `Auto-Submitted`,
a check-in reply still unreadable after one question) and quarantined mail, until a coordinator decides. Here it is
listed, shown (headers, the decoded text, bounded, and why it was kept) and dismissed; releasing a message as a
participant's reply runs the inbound chain again, so it lives with the pipeline (inbound/release.py).

Every message is named by its ledger id (`messages.id`), short enough to type: `mentor-assistant review show 12`.
"""

from __future__ import annotations

import json
from datetime import datetime, tzinfo
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso, iso, local_day
from assistant.db import one, record_event, rows
from assistant.mail.message import parse_message

SHOW_CHARS = 4000  # of the decoded text in `review show`: enough to judge, short enough for a terminal
COMMAND = "mentor-assistant review"

# Why each kind of mail waits for a person, in a coordinator's words.
WHY = {
    "sender_mismatch": "a reply to mail of ours sent to someone else",
    "no_context": "from someone we know, about nothing the assistant can act on",
    "unknown_sender": "from someone who is not in the program",
    "no_sender": "without a usable From address",
    "held": "marked as automatic (Auto-Submitted), but it reads like a person",
    "held_unreadable": "a check-in reply with no answer the assistant could read, after it had asked once",
    "too_large": "too large to read",
    "quarantined": "the assistant failed to handle it",
}

QUEUE = "SELECT * FROM review_queue ORDER BY received_at, id"
REVIEWED = (
    "SELECT id, message_id, from_addr, subject, received_at, status, outcome, reasons, error, attempts, size,"
    " reviewed_at, review, released_as, review_note FROM messages WHERE reviewed_at IS NOT NULL"
    " ORDER BY reviewed_at, id"
)


def waiting(db: Database, zone: tzinfo, limit: int | None = None) -> tuple[list[dict[str, Any]], int]:
    """The first `limit` messages that need a person (oldest first), each described, and how many there are."""
    count = db.execute("SELECT count(*) FROM review_queue").fetchone()[0]
    sql = QUEUE if limit is None else f"{QUEUE} LIMIT {int(limit)}"
    return [describe(row, zone) for row in rows(db, sql)], count


def reviewed(db: Database, zone: tzinfo) -> list[dict[str, Any]]:
    """Every message a coordinator already released or dismissed, with the decision."""
    return [describe(row, zone) for row in rows(db, REVIEWED)]


def counts(db: Database) -> dict[str, int]:
    """How many messages wait for a person: in all, kept by the chain (held), and set aside as failed."""
    waiting_count, quarantined = db.execute(
        "SELECT count(*), coalesce(sum(status = 'quarantined'), 0) FROM review_queue"
    ).fetchone()
    return {"waiting": waiting_count, "held": waiting_count - quarantined, "quarantined": quarantined}


def describe(row: dict[str, Any], zone: tzinfo) -> dict[str, Any]:
    """A queue row as a coordinator reads it: who, what, when (program time), and why it waits."""
    reasons = _reasons(row.get("reasons"))
    kind = "quarantined" if row["status"] == "quarantined" else "held"
    outcome = row.get("outcome") or kind
    detail = _first_line(row.get("error")) if kind == "quarantined" else _detail(outcome, reasons)
    described = {
        "id": row["id"],
        "message_id": row["message_id"],
        "from_addr": row["from_addr"] or "",
        "subject": row["subject"] or "",
        "received_at": row["received_at"],
        "on": _on(row["received_at"], zone),
        "kind": kind,
        "outcome": outcome,
        "why": WHY.get(outcome, WHY[kind] if kind == "quarantined" else outcome.replace("_", " ")),
        # WHY's key (the digest says it in its reader's language), "" for an outcome it does not name
        "why_code": outcome if outcome in WHY else kind if kind == "quarantined" else "",
        "detail": detail,
    }
    if row.get("reviewed_at"):
        described |= {k: row[k] for k in ("reviewed_at", "review", "released_as", "review_note")}
    return described


def find(db: Database, ledger_id: int) -> dict[str, Any] | None:
    """The message with this ledger id, with its review columns, or None."""
    return one(db, "SELECT * FROM messages WHERE id = ?", [ledger_id])


def in_queue(db: Database, ledger_id: int) -> bool:
    return one(db, "SELECT id FROM review_queue WHERE id = ?", [ledger_id]) is not None


def dismiss(db: Database, ledger_id: int, now: datetime, reason: str = "") -> None:
    """Take a message out of the queue without acting on it; it stays in the ledger, with the decision and why."""
    with db.atomic():
        db.execute(
            "UPDATE messages SET reviewed_at = ?, review = 'dismissed', review_note = ? WHERE id = ?",
            (iso(now), reason or None, ledger_id),
        )
        message = find(db, ledger_id)
        assert message is not None  # the caller found it in the queue
        entity = f"message:{message['message_id']}"
        record_event(db, iso(now), "review_dismissed", entity, ledger_id=ledger_id, reason=reason)


def show(message: dict[str, Any], zone: tzinfo, chars: int = SHOW_CHARS) -> list[str]:
    """What `review show` prints: why it waits, its headers, and the decoded text (at most `chars` characters)."""
    described = describe(message, zone)
    lines = [f"Message {message['id']}: {described['kind']}, {described['why']} ({described['outcome']})"]
    for reason in _reasons(message.get("reasons")):
        lines.append(f"  why: {reason}")
    if message.get("error"):
        lines.append(f"  error: {_first_line(message['error'])}")
    lines.append(f"  received: {_local(message['received_at'], zone)} (program time)")
    if message.get("reviewed_at"):
        decided = message["review"] + (f" as {message['released_as']}" if message.get("released_as") else "")
        note = f": {message['review_note']}" if message.get("review_note") else ""
        lines.append(f"  reviewed: {decided}, {_local(message['reviewed_at'], zone)}{note}")
    raw = bytes(message["raw"]) if message.get("raw") is not None else None
    if raw is None:
        return [*lines, "", "(its text is no longer kept: retention or an erasure removed it)"]
    msg = parse_message(raw)
    lines.append("")
    for name in ("From", "To", "Cc", "Reply-To", "Date", "Subject", "Message-ID", "In-Reply-To"):
        value = msg.header(name)
        if value:
            lines.append(f"{name}: {value[:300]}")
    lines.append("")
    if len(raw) < message["size"]:
        lines.append(f"(only the first {len(raw):,} of {message['size']:,} bytes are kept)")
    text = msg.text.strip()
    lines.append(text[:chars] if text else "(no text)")
    if len(text) > chars:
        lines.append(f"… ({len(text) - chars:,} more characters)")
    return lines


def _reasons(stored: str | None) -> list[str]:
    try:
        found = json.loads(stored or "[]")
    except ValueError:
        return []
    return [str(reason) for reason in found] if isinstance(found, list) else []


def _detail(outcome: str, reasons: list[str]) -> str:
    """The check's own words for why it claimed the message (its name left out), kept short, where they add to
    `WHY` (whose token it was, what the From line said)."""
    if not reasons or outcome not in ("sender_mismatch", "no_sender"):
        return ""
    return reasons[0].split(": ", 1)[-1][:160]


def _first_line(text: str | None) -> str:
    stripped = (text or "").strip()
    return stripped.splitlines()[0][:160] if stripped else ""


def _on(moment: str | None, zone: tzinfo) -> str:
    """'2026-12-03T18:00:00+00:00' → '3 Dec' (program time)."""
    if not moment:
        return ""
    local = from_iso(moment).astimezone(zone)
    return local_day(local.date(), f"{local.day} {local:%b}", skeleton="MMMd")  # said in the reader's language


def _local(moment: str, zone: tzinfo) -> str:
    return f"{from_iso(moment).astimezone(zone):%Y-%m-%d %H:%M}"
