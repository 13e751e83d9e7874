"""Warm wishes through the mentor: the milestones a mentee reported in her check-in, kept for the rules.

Only her answer to "What did you work on?" (`topics`) is read, only on her own side of a pairing (a mentor's
check-in is about the pair, not her news), and only what `forms/milestones.py` finds unmistakable. Her private
`help` answer is never read here: it goes to the coordinators alone. The rules then tell her mentor, once per
milestone and paced (`milestone-note-to-mentor`); her birthday is a field of the pairing (`engine/fields.py`).
"""

from __future__ import annotations

from sqlite_utils import Database

from assistant.db import one, record_event
from assistant.forms.answers import Reading
from assistant.forms.milestones import find_milestones
from assistant.program.context import Row

QUESTION = "topics"  # the check-in question whose answer may hold news; never `help` (private)


def note_milestones(db: Database, checkin: Row, reading: Reading, message_id: str, now: str) -> int:
    """Store the milestones her `topics` answer reports (one per kind per check-in); how many were new."""
    answer = reading.answers.get(QUESTION)
    if answer is None:
        return 0
    if not _mentees(db, checkin):
        return 0
    new = 0
    for found in find_milestones(answer.value):
        inserted = db.execute(
            "INSERT OR IGNORE INTO milestones (participant_id, pairing_id, checkin_id, kind, sentence, message_id,"
            " found_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                checkin["participant_id"],
                checkin["pairing_id"],
                checkin["id"],
                found.kind,
                found.sentence,
                message_id,
                now,
            ),
        ).rowcount
        if inserted:  # a later reply to the same check-in repeating her news is the same milestone
            record_event(db, now, "milestone_noted", f"checkin:{checkin['id']}", milestone=found.kind)
            new += 1
    return new


def _mentees(db: Database, checkin: Row) -> bool:
    """Whether the check-in is the mentee's side of its pairing (the lookup's row says so; otherwise ask)."""
    if "side" in checkin:
        return bool(checkin["side"] == "mentee")
    pair = one(db, "SELECT mentee_id FROM pairings WHERE id = ?", [checkin["pairing_id"]])
    return pair is not None and pair["mentee_id"] == checkin["participant_id"]
