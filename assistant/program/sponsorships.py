"""The sponsorship log: a mentor recommending her mentee for an opportunity, one row per sponsorship.

Read from the mentee's check-in answers (`sponsored`, yes/no, and `sponsored_for`, what), never guessed: the row
follows what the check-in's answers say now (a later reply to the same check-in that corrects them corrects the
row), and a sponsorship already recorded for the same two people with the same words (folded: case, accents,
punctuation and spaces aside) is not recorded again, so a later check-in repeating it adds nothing. A coordinator
may log one by email (`sponsor MENTOR MENTEE what`). The digest, `report`, `export` and `explain` read the table.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlite_utils import Database

from assistant.db import record_event, rows
from assistant.forms.language import fold
from assistant.forms.values import LEX, POLARITY_WORDS

# The check-in questions (templates/forms/monthly.yaml) the log is read from.
ASKED = "sponsored"
WHAT = "sponsored_for"
SPONSORSHIP_KEYS = frozenset({ASKED, WHAT})
MAX_WHAT = 300  # a sponsorship is named in a line; the rest of a long answer stays in `answers.raw`

_WORD = re.compile(r"[^\W\d_]+")
# "For a conference panel" answers "for what?": the what is "a conference panel", in each language of the forms.
_FOR = re.compile(r"^(?:for|para|pour|für|fuer|per|voor)\s+", re.I)


def what_key(what: str) -> str:
    """The words folded (case, accents, punctuation, spaces): "A conference panel!" and "a Conference panel" are one
    sponsorship."""
    folded = unicodedata.normalize("NFKD", fold(what))
    return " ".join(re.findall(r"\w+", "".join(c for c in folded if not unicodedata.combining(c))))


def after_yes(raw: str) -> str:
    """What follows the yes in a yes/no answer ("Yes, for a conference panel" → "for a conference panel"): her own
    words, so a one-line answer to the question keeps its "what"; "" when only yes words were written."""
    at = 0
    for match in _WORD.finditer(raw[: MAX_WHAT * 4]):
        word = fold(match.group())
        if word not in POLARITY_WORDS and word not in LEX.fillers:
            break
        at = match.end()
    else:
        return ""
    return _FOR.sub("", raw[at:].strip(" \t\n,.;:!-\u2013\u2014"))[:MAX_WHAT]


def what_of(stored: dict[str, dict[str, Any]]) -> str:
    """For what she was recommended: her answer to "for what?", else her words after the yes, else ""."""
    if WHAT in stored and (stored[WHAT]["value"] or "").strip():
        return _FOR.sub("", " ".join(stored[WHAT]["value"].split()))[:MAX_WHAT]
    return " ".join(after_yes(stored[ASKED]["raw"] or "").split())


def record_from_checkin(db: Database, checkin: dict[str, Any], stored: dict[str, dict[str, Any]], now: str) -> None:
    """Make the log agree with this check-in's answers: its own rows are replaced by what the answers say now (a
    yes: one row, with what empty when none was given; a no: none). Only a mentee's check-in is read."""
    if checkin["side"] != "mentee" or checkin["period"] == "closing":
        return
    pair = db.execute("SELECT mentor_id, mentee_id FROM pairings WHERE id = ?", [checkin["pairing_id"]]).fetchone()
    if pair is None:
        return
    db.execute("DELETE FROM sponsorships WHERE checkin_id = ?", [checkin["id"]])
    answer = stored.get(ASKED)
    if answer is None or answer["value"] != "yes":
        return
    what = what_of(stored)
    key = what_key(what)
    if key:  # the "what" now given replaces an earlier "yes" of the pair that had none
        db.execute(
            "DELETE FROM sponsorships WHERE sponsor_id = ? AND protege_id = ? AND what_key = '' AND source = 'checkin'",
            [pair[0], pair[1]],
        )
    elif db.execute(
        "SELECT 1 FROM sponsorships WHERE sponsor_id = ? AND protege_id = ?", [pair[0], pair[1]]
    ).fetchone():
        return  # a bare "yes" again: most likely the sponsorship already recorded, not a new one
    cursor = db.execute(
        "INSERT INTO sponsorships (sponsor_id, protege_id, pairing_id, what, what_key, period, recorded_at,"
        " checkin_id, message_id, source) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'checkin')"
        " ON CONFLICT (sponsor_id, protege_id, what_key) DO NOTHING",
        [pair[0], pair[1], checkin["pairing_id"], what, key, checkin["period"], now, checkin["id"],
         stored[ASKED]["message_id"]],
    )  # fmt: skip
    if cursor.rowcount:
        record_event(db, now, "sponsorship_recorded", f"checkin:{checkin['id']}", what=what)


def log_by_coordinator(
    db: Database, mentor: dict[str, Any], mentee: dict[str, Any], what: str, by: str, message_id: str, now: str
) -> bool:
    """A coordinator's `sponsor MENTOR MENTEE what`: recorded once (False when the same one already is)."""
    pairing = db.execute(
        "SELECT id FROM pairings WHERE mentor_id = ? AND mentee_id = ? ORDER BY status = 'active' DESC, id DESC",
        [mentor["id"], mentee["id"]],
    ).fetchone()
    what = " ".join(what.split())[:MAX_WHAT]
    cursor = db.execute(
        "INSERT INTO sponsorships (sponsor_id, protege_id, pairing_id, what, what_key, period, recorded_at,"
        " message_id, source, logged_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'coordinator', ?)"
        " ON CONFLICT (sponsor_id, protege_id, what_key) DO NOTHING",
        [mentor["id"], mentee["id"], pairing[0] if pairing else None, what, what_key(what), now[:7], now,
         message_id, by],
    )  # fmt: skip
    return bool(cursor.rowcount)


_LIST = """
SELECT s.id, s.what, s.period, s.recorded_at, s.source, s.logged_by, s.pairing_id, s.checkin_id, s.message_id,
       m.name AS sponsor_name, m.email AS sponsor, e.name AS protege_name, e.email AS protege
FROM sponsorships s JOIN participants m ON m.id = s.sponsor_id JOIN participants e ON e.id = s.protege_id
WHERE (:since IS NULL OR s.recorded_at >= :since) AND (:person IS NULL OR :person IN (s.sponsor_id, s.protege_id))
ORDER BY s.recorded_at, s.id
"""


def listed(db: Database, since: str | None = None, person: int | None = None) -> list[dict[str, Any]]:
    """Every sponsorship (recorded since `since`, or naming `person`), oldest first."""
    return rows(db, _LIST, {"since": since, "person": person})
