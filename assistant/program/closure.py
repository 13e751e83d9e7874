"""A pairing ends with `ended_at` and a reason: the one way every path closes a pairing (the cycle's end by a rule, a
coordinator's `close`, someone leaving, erasure, the pairs sheet), and where a closing survey's answer becomes the
pairing's reason.

The reason is a word of `CLOSE_REASONS` (assistant/db.py) in `pairings.close_reason`; the words it was read from
stay in `close_note`, and `close_reason_by` says whose reason it is. Whose counts when several give one: a
coordinator who writes a reason (in a `close` or in the pairs sheet), then someone leaving (that is what happened),
then the mentee (she drives the pairing), then the mentor, then the cycle's end, which only fills a reason nobody
gave.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from assistant.clock import iso
from assistant.db import CLOSE_REASONS, one, record_event
from assistant.forms.reasons import reason_of

OPEN = ("proposed", "active", "paused")
_RANK = {"rule": 1, "mentor": 2, "mentee": 3, "leaving": 4, "sheet": 5, "coordinator": 5}
MAX_NOTE = 500  # her words, as many as a coordinator needs to read them


def read(words: str | None) -> tuple[str, str | None]:
    """What someone wrote as a reason → (reason, the words to keep). Unmistakable words give their reason; anything
    else is `other`, the words kept whole (bounded)."""
    text = " ".join((words or "").split())[:MAX_NOTE] or None
    return (reason_of(text) if text else None) or "other", text


def close(
    db: Database, pairing_id: int, now: datetime, by: str, reason: str = "other", words: str | None = None
) -> bool:
    """Close an open pairing now: `ended_at` and a reason. `reason` is a word of CLOSE_REASONS; whether it replaces
    one already recorded (a closing survey's, answered while the pairing ran) follows the order above. Returns
    False when it was not open (nothing changes: its end and reason stay as they were)."""
    assert reason in CLOSE_REASONS and by in _RANK, (reason, by)
    pairing = one(db, "SELECT status, close_reason, close_reason_by FROM pairings WHERE id = ?", [pairing_id])
    if pairing is None or pairing["status"] not in OPEN:
        return False
    changes = {"status": "closed", "ended_at": iso(now)}
    # The cycle's end, and a coordinator or a sheet without words, leave a reason someone already gave in place.
    weak = by == "rule" or (by in ("coordinator", "sheet") and words is None)
    if not (weak and pairing["close_reason"]):
        changes |= {"close_reason": reason, "close_note": words, "close_reason_by": by}
    sets = ", ".join(f"{k} = :{k}" for k in changes)
    db.execute(f"UPDATE pairings SET {sets} WHERE id = :id", {**changes, "id": pairing_id})
    record_event(db, iso(now), "pairing_ended", f"pairing:{pairing_id}", by=by, reason=reason)
    return True


def give_reason(db: Database, pairing_id: int, by: str, words: str, now: datetime) -> str | None:
    """A closing survey's answer (`by` mentee or mentor) kept as the pairing's reason, open or closed, unless someone
    whose reason counts more gave one. Returns the reason stored, or None when it was left alone."""
    pairing = one(db, "SELECT close_reason, close_reason_by FROM pairings WHERE id = ?", [pairing_id])
    if pairing is None:
        return None
    current = _RANK.get(pairing["close_reason_by"] or "", 0) if pairing["close_reason"] else 0
    if current > _RANK[by]:
        return None
    reason, note = read(words)
    db.execute(
        "UPDATE pairings SET close_reason = ?, close_note = ?, close_reason_by = ? WHERE id = ?",
        [reason, note, by, pairing_id],
    )
    record_event(db, iso(now), "close_reason", f"pairing:{pairing_id}", by=by, reason=reason)
    return reason


def reopened() -> dict[str, None]:
    """The columns a pairing that starts again leaves behind: its last end, and why."""
    return {"ended_at": None, "close_reason": None, "close_note": None, "close_reason_by": None}
