"""A mentee's mentor wish list (PROGRAM.md: "a mentee may send a mentor wish list"): read from her answer to the
profile form, kept in her order, and turned into the mentors an introduction asks in turn.

Each wish keeps the words she wrote and the mentor they name, only when unmistakable: an exact address of a
participant who mentors, or a name that exactly one mentor has (her full name, or a first name alone that no other
mentor shares). Anything else stays unresolved, with why, for the coordinator to read; nothing is guessed. A new
answer replaces her whole list.

Who can be asked now (`review`, `usable`) is decided here once, for the digest's `intro:` line and for a request
that names only the mentee: in her order, leaving out mentors without room, who are not active (paused, left,
bounced), whom she was already introduced to, or who declined her or let an ask about her expire.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from sqlite_utils import Database

from assistant.clock import iso
from assistant.db import insert_row, record_event
from assistant.headertext import clean_name
from assistant.mail.message import strict_address
from assistant.program.matching import mentors_with_room

MAX_WISHES = 10  # a wish list, not a directory: the rest of a longer answer is said to be left out
MAX_WORDS = 200  # characters kept of one wish
# An answer that means "no list": it clears her list rather than becoming a wish called "none".
NOTHING = {"", "-", "n/a", "na", "no", "none", "nobody", "no one", "not yet", "nothing", "no preference", "anyone"}
# Wishes are separated by commas, semicolons, new lines, "then" or "and"; a leading "1." or "-" is a list marker.
_SPLIT = re.compile(r"\s*(?:[,;\n]|\bthen\b|\band\b)\s*", re.I)
_MARKER = re.compile(r"^\s*(?:\d{1,2}[.)]\s*|[-*•]\s*)")
# Why a wish's mentor is not asked now (shown beside it in the digest).
DECLINED = ("declined", "expired")


def read(answer: str) -> list[str]:
    """Her answer → the wishes in her order, each as she wrote it (marker and surrounding quotes taken off)."""
    if _fold(answer).strip(".!") in NOTHING:
        return []
    wishes = []
    for part in _SPLIT.split(answer):
        wish = _unquoted(_MARKER.sub("", part).strip())
        if wish and _fold(wish) not in NOTHING:
            wishes.append(wish[:MAX_WORDS])
    return list(dict.fromkeys(wishes))


def _unquoted(wish: str) -> str:
    """'"Dana Okafor"' → 'Dana Okafor'; quotes that are part of an address ('"Dana" <d@x.org>') stay."""
    if len(wish) > 1 and wish[0] in "\"'“" and wish[-1] in "\"'”":
        return wish[1:-1].strip()
    return wish


def replace(db: Database, mentee_id: int, answer: str, now: datetime) -> list[dict[str, Any]]:
    """Her list becomes this answer's (the old one is deleted, not kept); returns the wishes as stored."""
    wishes = read(answer)
    db.execute("DELETE FROM wishlist WHERE mentee_id = ?", [mentee_id])
    at = iso(now)
    for position, wrote in enumerate(wishes[:MAX_WISHES], start=1):
        mentor_id, why = resolve(db, mentee_id, wrote)
        row = {"mentee_id": mentee_id, "position": position, "wrote": wrote, "mentor_id": mentor_id}
        insert_row(db, "wishlist", {**row, "unresolved": why, "created_at": at})
    record_event(
        db,
        at,
        "wishlist_set",
        f"participant:{mentee_id}",
        wishes=len(wishes[:MAX_WISHES]),
        left_out=max(0, len(wishes) - MAX_WISHES),
    )
    return entries(db, mentee_id)


def resolve(db: Database, mentee_id: int, wrote: str) -> tuple[int | None, str]:
    """(the mentor she means, "") when unmistakable; (None, why) otherwise."""
    address = _address(wrote)
    if address:
        row = db.execute("SELECT id, role FROM participants WHERE email = ?", [address]).fetchone()
        if row is None:
            return None, f"no participant has the address {address}"
        if row[0] == mentee_id:
            return None, "that is her own address"
        if row[1] not in ("mentor", "both"):
            return None, f"{address} is not a mentor in the program"
        return row[0], ""
    if "@" in wrote:
        return None, "not one clear email address"
    return _by_name(db, mentee_id, wrote)


def _by_name(db: Database, mentee_id: int, wrote: str) -> tuple[int | None, str]:
    wanted = _fold(clean_name(wrote))
    mentors = list(
        db.execute(
            "SELECT id, name, email FROM participants WHERE role IN ('mentor', 'both') AND id != ? ORDER BY name, id",
            [mentee_id],
        )
    )
    same = [m for m in mentors if _fold(m[1]) == wanted]
    if not same and " " not in wanted:  # a first name alone: hers only if no other mentor's name starts with it
        same = [m for m in mentors if _fold(m[1]).split(" ")[:1] == [wanted]]
    if len(same) == 1:
        return same[0][0], ""
    if same:
        return None, f"{len(same)} mentors have that name: " + ", ".join(f"{m[1]} <{m[2]}>" for m in same)
    return None, "no mentor in the program has that name"


def _address(text: str) -> str:
    """The one address a wish holds ("dana@example.org", "Dana <dana@example.org>"), lower case; "" otherwise."""
    from assistant.program.introductions.requests import ADDRESS  # here: requests imports this module

    _, address = strict_address(text)
    if not address:
        found = ADDRESS.findall(text)
        address = found[0] if len(found) == 1 else ""
    return address.lower()


def _fold(text: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


WISHES = """
SELECT w.position, w.wrote, w.mentor_id, w.unresolved, m.name AS mentor_name, m.email AS mentor_email,
       m.status AS mentor_status, m.bounced_at,
       EXISTS (SELECT 1 FROM pairings p WHERE p.mentor_id = w.mentor_id AND p.mentee_id = w.mentee_id) AS paired,
       (SELECT group_concat(a.status) FROM intro_asks a JOIN introductions i ON i.id = a.introduction_id
         WHERE i.mentee_id = w.mentee_id AND a.mentor_id = w.mentor_id) AS asks
FROM wishlist w LEFT JOIN participants m ON m.id = w.mentor_id
WHERE w.mentee_id = ? ORDER BY w.position
"""


def entries(db: Database, mentee_id: int) -> list[dict[str, Any]]:
    """Her wishes in her order, as stored: position, wrote, and the mentor ({name, email}) or why unresolved."""
    return [_entry(row) for row in db.query(WISHES, [mentee_id])]


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    mentor = None
    if row["mentor_id"] is not None:
        name = row["mentor_name"] or row["mentor_email"]
        mentor = {"id": row["mentor_id"], "name": name, "email": row["mentor_email"]}
    return {
        "position": row["position"],
        "wrote": row["wrote"],
        "mentor": mentor,
        "unresolved": row["unresolved"],
        "unresolved_why": unresolved_why(row["unresolved"]),
    }


# Why a wish names nobody for sure, as resolve() words it (and the table keeps it), read back as a code and its
# values: what the digest's templates say in their reader's language.
UNRESOLVED = (
    ("no_address", re.compile(r"no participant has the address (?P<address>.+)")),
    ("own_address", re.compile(r"that is her own address")),
    ("not_mentor", re.compile(r"(?P<address>.+) is not a mentor in the program")),
    ("unclear_address", re.compile(r"not one clear email address")),
    ("same_name", re.compile(r"(?P<count>\d+) mentors have that name: (?P<names>.+)", re.S)),
    ("no_name", re.compile(r"no mentor in the program has that name")),
)


def unresolved_why(text: str | None) -> dict[str, Any] | None:
    """{"code": …, and its values} for a stored reason; None when resolved; code "" for words it does not know."""
    if not text:
        return None
    for code, pattern in UNRESOLVED:
        found = pattern.fullmatch(text)
        if found:
            values: dict[str, Any] = found.groupdict()
            if "count" in values:
                values["count"] = int(values["count"])
            return {"code": code, **values}
    return {"code": "", "text": text}


def review(db: Database, mentee_id: int, room: set[int] | None = None) -> list[dict[str, Any]]:
    """Her wishes in order, each with `skip`: why its mentor is not asked now ("" when she can be). `room`: the ids
    of the mentors with room, when the caller has them already (the digest, for many mentees)."""
    room = room if room is not None else {m.id for m in mentors_with_room(db)}
    found = []
    for row in db.query(WISHES, [mentee_id]):
        why = _skip(row, room)
        found.append(
            {
                **_entry(row),
                "skip": SKIP[why].format(**row) if why else "",
                "skip_why": why,
                "mentor_status": row["mentor_status"],
            }
        )
    return found


# Why a wish's mentor is not asked now: a code (the digest's templates say it in the reader's language), and its
# English for `report` (`skip`).
SKIP = {
    "unresolved": "not sure who she means: {unresolved}",
    "not_active": "{mentor_status}, not active",
    "bounced": "her address bounces",
    "introduced": "already introduced to her",
    "declined": "declined her, or did not answer",
    "asked": "being asked about her now",
    "no_room": "no room",
}


def _skip(row: dict[str, Any], room: set[int]) -> str:
    asks = set((row["asks"] or "").split(","))
    if row["mentor_id"] is None:
        return "unresolved"
    if row["mentor_status"] != "active":
        return "not_active"
    if row["bounced_at"]:
        return "bounced"
    if row["paired"] or "accepted" in asks:
        return "introduced"
    if asks & set(DECLINED):
        return "declined"
    if "asked" in asks:
        return "asked"
    if row["mentor_id"] not in room:
        return "no_room"
    return ""


def usable(db: Database, mentee_id: int, room: set[int] | None = None) -> list[dict[str, Any]]:
    """The mentors ({id, name, email}) to ask in turn, in her order: her resolved wishes that can be asked now."""
    return [w["mentor"] for w in review(db, mentee_id, room) if not w["skip"]]


def intro_line(mentee_email: str, mentors: list[dict[str, Any]]) -> str:
    """The `intro:` line a coordinator sends to ask these mentors in this order (requests.py reads it)."""
    return f"intro: {mentee_email} -> " + ", ".join(m["email"] for m in mentors)
