"""Match suggestions for mentees who are waiting: mentors with room, ranked by what they offer.

PROGRAM.md: a good mentor has a skill or an experience the mentee needs — not necessarily the title she wants or
her industry. So a mentee's `goals` are compared with each mentor's `skills` (never titles), word by word after a
small stemming ("speaking" finds "speak", "leadership" finds "leading"), and one more mentor from outside that
circle — whose skills share nothing with the mentee's own or with the top matches' — is offered as well.
Nothing here writes: the coordinator decides, and accepts by replying `intro: mentee -> mentor`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

TOP = 3  # ranked suggestions per mentee, besides the one from outside the box
DEFAULT_CAPACITY = 1  # a mentor who gave no capacity is asked for one mentee at a time
TAKEN = ("active", "proposed", "paused")  # pairings that use a mentor's capacity

# Words that say how someone wants to grow rather than in what; they must not make a match on their own.
_STOP = """a about an and as at be become better case from for get getting good grow help her his how i in into is it
    learn like make me more move my new next of on or our role some start switch the their to up want way we what
    when with work would first"""
STOP_WORDS = frozenset(_STOP.split())
_SUFFIXES = ("ship", "ment", "ing", "ers", "er", "es", "ed", "s", "e")


def stem(word: str) -> str:
    """A crude, predictable stem: 'leadership' → 'lead', 'speaking' → 'speak', 'management' → 'manag'."""
    changed = True
    while changed:
        changed = False
        for suffix in _SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word, changed = word[: -len(suffix)], True
                break
    return word


def words(text: str | None) -> set[str]:
    """The stems of the meaningful words of a free-text field."""
    found = re.findall(r"[a-z0-9]+", (text or "").lower())
    return {stem(w) for w in found if w not in STOP_WORDS and len(w) > 2}


def phrases(text: str | None) -> list[str]:
    """'product strategy, negotiating promotions' → ['product strategy', 'negotiating promotions']."""
    return [p.strip() for p in re.split(r"[,;/\n]+|\band\b", text or "") if p.strip()]


@dataclass(frozen=True)
class Mentor:
    id: int
    name: str
    email: str
    skills: str
    spare: int  # capacity minus the pairings she already has
    industry: str = ""

    def as_dict(self, goals: set[str]) -> dict[str, Any]:
        shared = [p for p in phrases(self.skills) if words(p) & goals]
        return {
            "name": self.name,
            "email": self.email,
            "skills": self.skills,
            "industry": self.industry,
            "spare": self.spare,
            "score": len(words(self.skills) & goals),
            "shared": shared,
        }


MENTORS = f"""
SELECT p.id, p.name, p.email, p.skills, {{industry}} AS industry,
       COALESCE(p.capacity, {DEFAULT_CAPACITY}) - (SELECT count(*) FROM pairings x WHERE x.mentor_id = p.id
                                                    AND x.status IN ({", ".join(f"'{s}'" for s in TAKEN)})) AS spare
FROM participants p
WHERE p.role IN ('mentor', 'both') AND p.status = 'active' AND p.bounced_at IS NULL
ORDER BY p.name, p.id
"""


def has_industry(db: Database) -> bool:
    """Whether participants have an `industry` column (added with joining by email)."""
    return any(row[1] == "industry" for row in db.execute("PRAGMA table_info(participants)"))


def mentors_with_room(db: Database) -> list[Mentor]:
    sql = MENTORS.replace("{industry}", "COALESCE(p.industry, '')" if has_industry(db) else "''")
    return [Mentor(**row) for row in db.query(sql) if row["spare"] > 0]


def suggest(db: Database, mentee: dict[str, Any], mentors: list[Mentor] | None = None) -> dict[str, Any]:
    """For one mentee (a participants row): {matches: [...], outside: {...} | None}.

    matches: mentors with room whose skills share words with her goals, most shared words first (then the most
    room, then the name). outside: one mentor with room not among the matches, from another industry than hers
    and the matches' when industries are known, whose skills share the fewest words with hers and the matches'
    (another field), so the coordinator can offer a different perspective.
    """
    mentors = mentors if mentors is not None else mentors_with_room(db)
    paired_before = {
        row["mentor_id"] for row in db.query("SELECT mentor_id FROM pairings WHERE mentee_id = ?", [mentee["id"]])
    }
    candidates = [m for m in mentors if m.id != mentee["id"] and m.id not in paired_before]
    goals = words(mentee.get("goals"))
    scored = sorted(
        ((len(words(m.skills) & goals), m) for m in candidates),
        key=lambda pair: (-pair[0], -pair[1].spare, pair[1].name.lower(), pair[1].id),
    )
    matches = [m for score, m in scored if score > 0][:TOP]
    circle = words(mentee.get("skills")).union(*(words(m.skills) for m in matches))
    industries = {i.strip().lower() for i in [mentee.get("industry") or "", *(m.industry for m in matches)] if i}

    def familiar(m: Mentor) -> int:  # 0: another industry, 1: unknown, 2: the same as hers or a match's
        return 1 if not m.industry.strip() else 2 if m.industry.strip().lower() in industries else 0

    others = [m for m in candidates if m not in matches]
    outside = min(
        others,
        key=lambda m: (
            familiar(m),
            len(words(m.skills) & circle),
            -len(words(m.skills) & goals),
            -m.spare,
            m.name.lower(),
            m.id,
        ),
        default=None,
    )
    return {
        "matches": [m.as_dict(goals) for m in matches],
        "outside": outside.as_dict(goals) if outside else None,
    }
