"""Match suggestions for mentees who are waiting: mentors with room, ranked by what they offer.

PROGRAM.md: a good mentor has a skill or an experience the mentee needs — not necessarily the title she wants or
her industry. So a mentee's `goals` are compared with each mentor's `skills` (never titles), word by word after a
small stemming ("speaking" finds "speak", "leadership" finds "leading"), and one more mentor from outside that
circle — whose skills share nothing with the mentee's own or with the top matches' — is offered as well.
Nothing here writes: the coordinator decides, and accepts by replying `intro: mentee -> mentor`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import cache, cached_property
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


@cache  # a program's vocabulary is small, and the digest stems the same skills for every waiting mentee
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


def mentees_in_hand(db: Database, mentor_id: int, other_than: int | None = None) -> int:
    """How much of a mentor's capacity is used: her pairings in hand (TAKEN), the count the suggestions read
    (`participants.mentees_now`, kept by triggers). A proposed or paused pairing with `other_than` is left out: an
    introduction to that mentee takes it up again."""
    sql = """SELECT p.mentees_now - (SELECT count(*) FROM pairings x WHERE x.mentor_id = p.id AND x.mentee_id IS ?
        AND x.status IN ('proposed', 'paused')) FROM participants p WHERE p.id = ?"""
    return db.execute(sql, [other_than, mentor_id]).fetchone()[0]


@dataclass(frozen=True)
class Mentor:
    id: int
    name: str
    email: str
    skills: str
    spare: int  # capacity minus the pairings she already has
    industry: str = ""

    @cached_property
    def stems(self) -> frozenset[str]:
        """The stems of her skills, worked out once however many mentees she is compared with."""
        return frozenset(words(self.skills))

    @cached_property
    def field(self) -> str:
        return self.industry.strip().lower()

    def as_dict(self, goals: set[str]) -> dict[str, Any]:
        shared = [p for p in phrases(self.skills) if words(p) & goals]
        return {
            "name": self.name,
            "email": self.email,
            "skills": self.skills,
            "industry": self.industry,
            "spare": self.spare,
            "score": len(self.stems & goals),
            "shared": shared,
        }


# Read from the partial index that holds exactly the active mentors with room (db.py, 0026), by name: its terms are
# the index's own, word for word, and `mentees_now` counts her pairings in hand (TAKEN), kept by triggers. INDEXED
# BY makes a query that no longer matches them (DEFAULT_CAPACITY changed, say) fail at once rather than read every
# participant.
MENTORS = f"""
SELECT p.id, p.name, p.email, p.skills, {{industry}} AS industry,
       COALESCE(p.capacity, {DEFAULT_CAPACITY}) - p.mentees_now AS spare
FROM participants p INDEXED BY participants_room
WHERE p.role IN ('mentor', 'both') AND p.status = 'active' AND p.bounced_at IS NULL
    AND p.mentees_now < COALESCE(p.capacity, {DEFAULT_CAPACITY})
ORDER BY p.name, p.id
"""


def has_industry(db: Database) -> bool:
    """Whether participants have an `industry` column (added with joining by email)."""
    return any(row[1] == "industry" for row in db.execute("PRAGMA table_info(participants)"))


def mentors_with_room(db: Database, limit: int | None = None) -> list[Mentor]:
    """The active mentors with room, by name (the first `limit` of them)."""
    sql = MENTORS.replace("{industry}", "COALESCE(p.industry, '')" if has_industry(db) else "''")
    return [Mentor(**row) for row in db.query(f"{sql} LIMIT ?", [-1 if limit is None else limit])]


class Pool:
    """Mentors with room, prepared once for many mentees (the digest and `report` suggest for every waiting mentee).

    Mentors are kept in the order that breaks every tie (most room, then the name, then the id), with, for each stem,
    which of them offer it; a mentee's goals are then scored against all of them at once, in vectors (numpy),
    rather than mentor by mentor in Python.
    """

    def __init__(self, mentors: list[Mentor]):
        import numpy as np  # here, not at the top: most commands never suggest a mentor

        self.mentors = sorted(mentors, key=lambda m: (-m.spare, m.name.lower(), m.id))
        self.index = {m.id: i for i, m in enumerate(self.mentors)}
        offering: dict[str, list[int]] = defaultdict(list)
        for i, mentor in enumerate(self.mentors):
            for word in mentor.stems:
                offering[word].append(i)
        self.offering = {word: np.array(found, dtype=np.int64) for word, found in offering.items()}
        fields = sorted({m.field for m in self.mentors} | {""})
        self.field_code = {field: code for code, field in enumerate(fields)}  # "" (unknown) is 0
        self.fields = np.array([self.field_code[m.field] for m in self.mentors], dtype=np.int64)

    def shared(self, stems: set[str]) -> Any:
        """For each mentor, in order, how many of these stems her skills share."""
        import numpy as np

        found = [self.offering[word] for word in stems if word in self.offering]
        if not found:
            return np.zeros(len(self.mentors), dtype=np.int64)
        return np.bincount(np.concatenate(found), minlength=len(self.mentors))

    def mask(self, ids: set[int]) -> Any:
        """True for the mentors that may be suggested: not these ids."""
        import numpy as np

        free = np.ones(len(self.mentors), dtype=bool)
        free[[self.index[i] for i in ids if i in self.index]] = False
        return free


def suggest(db: Database, mentee: dict[str, Any], mentors: list[Mentor] | Pool | None = None) -> dict[str, Any]:
    """For one mentee (a participants row): {matches: [...], outside: {...} | None}.

    matches: mentors with room whose skills share words with her goals, most shared words first (then the most
    room, then the name). outside: one mentor with room not among the matches, from another industry than hers
    and the matches' when industries are known, whose skills share the fewest words with hers and the matches'
    (another field), so the coordinator can offer a different perspective. Pass a Pool when suggesting for many.
    """
    pool = mentors if isinstance(mentors, Pool) else Pool(mentors if mentors is not None else mentors_with_room(db))
    excluded = {mentee["id"]} | {
        row["mentor_id"] for row in db.query("SELECT mentor_id FROM pairings WHERE mentee_id = ?", [mentee["id"]])
    }
    goals = words(mentee.get("goals"))
    score, free = pool.shared(goals), pool.mask(excluded)
    # Most goals shared first, then the pool's order (its index): one sort key, smallest first.
    order = _smallest((score.max(initial=0) - score) * len(pool.mentors), free & (score > 0), TOP)
    matches = [pool.mentors[i] for i in order]
    circle = words(mentee.get("skills")).union(*(m.stems for m in matches))
    industries = {i.strip().lower() for i in [mentee.get("industry") or "", *(m.industry for m in matches)] if i}
    free[order] = False
    outside = _outside(pool, free, score, circle, industries)
    return {
        "matches": [m.as_dict(goals) for m in matches],
        "outside": outside.as_dict(goals) if outside else None,
    }


def _smallest(key: Any, allowed: Any, count: int) -> list[int]:
    """The indexes of the `count` allowed mentors with the smallest key + index (ties go to the pool's order)."""
    import numpy as np

    candidates = np.flatnonzero(allowed)
    if not len(candidates):
        return []
    full = key[candidates] + candidates  # unique: no two mentors share an index
    if len(full) > count:
        nearest = np.argpartition(full, count - 1)[:count]  # the `count` smallest, in no order: O(n), not a sort
        candidates, full = candidates[nearest], full[nearest]
    return [int(i) for i in candidates[np.argsort(full)]]


def _outside(pool: Pool, free: Any, score: Any, circle: set[str], industries: set[str]) -> Mentor | None:
    """The free mentor that comes first by (familiar: 0 another industry, 1 unknown, 2 hers or a match's; stems
    shared with the circle; most goals shared; the pool's order), as min() over every mentor with that key."""
    import numpy as np

    codes = [pool.field_code[i] for i in industries if i in pool.field_code]
    familiar = np.where(pool.fields == 0, 1, np.where(np.isin(pool.fields, codes), 2, 0))
    shared = pool.shared(circle)
    size, most_shared, most_goals = len(pool.mentors), int(shared.max(initial=0)) + 1, int(score.max(initial=0)) + 1
    key = ((familiar * most_shared + shared) * most_goals + (most_goals - 1 - score)) * size
    found = _smallest(key, free, 1)
    return pool.mentors[found[0]] if found else None
