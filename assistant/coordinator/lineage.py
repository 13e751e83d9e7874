"""The program's lineage: who mentored whom, across generations (a mentee who later mentors, whose mentees mentor…).

Read from the pairings (every one that got under way: active, paused or closed) and `participants.mentored_by`
(pay it forward). The data may hold anything, a loop included (A mentored B, B mentored A): every walk keeps the
people it has seen and stops at `MAX_DEPTH` generations and `MAX_STEPS` steps, so the work is bounded whatever is
stored.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

MAX_DEPTH = 30  # generations followed; real programs have a handful
MAX_STEPS = 50_000  # chain steps explored for the longest chains, in all
MAX_CHAINS = 5  # the longest chains shown
MAX_SHOWN = 20  # people named per generation in `explain`

_EDGES = """
SELECT mentor_id, mentee_id FROM pairings WHERE status IN ('active', 'paused', 'closed')
UNION SELECT mentored_by, id FROM participants WHERE mentored_by IS NOT NULL
"""


@dataclass
class Graph:
    """Who mentored whom: `mentees[a]` are the people `a` mentored, `mentors[b]` the people who mentored `b`."""

    names: dict[int, str] = field(default_factory=dict)
    emails: dict[int, str] = field(default_factory=dict)
    mentees: dict[int, list[int]] = field(default_factory=dict)
    mentors: dict[int, list[int]] = field(default_factory=dict)

    def name(self, person: int) -> str:
        return self.names.get(person) or self.emails.get(person) or f"#{person}"


def load(db: Database) -> Graph:
    graph = Graph()
    for mentor, mentee in db.execute(_EDGES).fetchall():
        if mentor == mentee:
            continue  # nobody is her own mentor: a row saying so is a mistake, left out
        graph.mentees.setdefault(mentor, []).append(mentee)
        graph.mentors.setdefault(mentee, []).append(mentor)
    people = json.dumps(sorted(set(graph.mentees) | set(graph.mentors)))
    for row in db.execute(
        "SELECT id, name, email FROM participants WHERE id IN (SELECT value FROM json_each(?))", [people]
    ).fetchall():
        graph.names[row[0]], graph.emails[row[0]] = row[1] or "", row[2] or ""
    return graph


def generations(graph: Graph) -> tuple[dict[int, int], list[int]]:
    """Each person's generation (1: mentored by nobody here; 2: mentored by a first-generation mentor; …, the
    shortest way down from a first generation), and the people no first generation reaches (a loop in the data)."""
    roots = sorted(p for p in graph.mentees if p not in graph.mentors)
    level = {p: 1 for p in roots}
    queue = deque(roots)
    while queue:  # breadth first: each person once, so a loop cannot keep it going
        person = queue.popleft()
        if level[person] >= MAX_DEPTH:
            continue
        for mentee in graph.mentees.get(person, []):
            if mentee not in level:
                level[mentee] = level[person] + 1
                queue.append(mentee)
    unplaced = sorted((set(graph.mentees) | set(graph.mentors)) - set(level))
    return level, unplaced


def longest_chains(graph: Graph) -> list[list[int]]:
    """The longest chains of mentoring (first generation downwards, nobody twice in a chain), longest first, at
    most MAX_CHAINS; a chain is only counted when it cannot go further."""
    roots = sorted(p for p in graph.mentees if p not in graph.mentors)
    found: list[list[int]] = []
    steps = 0
    for root in roots:
        stack: list[tuple[int, list[int]]] = [(root, [root])]
        while stack and steps < MAX_STEPS:
            steps += 1
            person, chain = stack.pop()
            onward = [m for m in graph.mentees.get(person, []) if m not in chain] if len(chain) < MAX_DEPTH else []
            if not onward:
                if len(chain) > 1:
                    found.append(chain)
                continue
            stack.extend((mentee, [*chain, mentee]) for mentee in reversed(onward))
    found.sort(key=lambda chain: (-len(chain), [graph.name(p) for p in chain]))
    return found[:MAX_CHAINS]


def summary(db: Database) -> dict[str, Any]:
    """The lineage as `report` shows it: people per generation, the longest chains, who sits in a loop."""
    graph = load(db)
    level, unplaced = generations(graph)
    counts: dict[int, int] = {}
    for generation in level.values():
        counts[generation] = counts.get(generation, 0) + 1
    return {
        "generations": [{"generation": g, "people": counts[g]} for g in sorted(counts)],
        "chains": [
            {
                "length": len(chain),
                "names": [graph.name(p) for p in chain],
                "text": " \u2192 ".join(graph.name(p) for p in chain),
            }
            for chain in longest_chains(graph)
        ],
        "in_a_loop": [{"name": graph.name(p), "email": graph.emails.get(p, "")} for p in unplaced],
    }


def around(graph: Graph, person: int, upward: bool) -> list[list[int]]:
    """Her mentors level by level upward (her mentors, theirs, …) or her mentees downward; each person once."""
    links = graph.mentors if upward else graph.mentees
    seen = {person}
    levels: list[list[int]] = []
    current = [person]
    while current and len(levels) < MAX_DEPTH:
        following = []
        for each in current:
            for other in links.get(each, []):
                if other not in seen:
                    seen.add(other)
                    following.append(other)
        if following:
            levels.append(following)
        current = following
    return levels


def for_person(db: Database, person: int) -> list[str]:
    """`explain` lines for one person: her mentors upward and her mentees downward, a generation a line."""
    graph = load(db)
    lines = []
    for upward, word in ((True, "mentored by"), (False, "mentored")):
        for distance, level in enumerate(around(graph, person, upward), start=1):
            names = [graph.name(p) for p in level[:MAX_SHOWN]]
            more = f" and {len(level) - MAX_SHOWN} more" if len(level) > MAX_SHOWN else ""
            step = "" if distance == 1 else f" ({distance} generations {'up' if upward else 'down'})"
            lines.append(f"  {word}{step}: {', '.join(names)}{more}")
    return lines
