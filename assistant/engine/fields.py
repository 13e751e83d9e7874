"""The vocabulary of the rules: each entity, the fields it offers, and the SQL that computes each field.

A rule file is checked against this at load time, so a typo fails with the valid choices. The SQL expressions
let the engine select candidates in the database (only entities a rule could act on are loaded), and load the
facts of those candidates in one query. `:now` is the moment of the tick.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from assistant.db import CLOSE_REASONS

PERSON_FIELDS = ("name", "email", "status", "role", "timezone")
_CHECKED = ("status", "role")  # columns whose CHECK allows only lowercase words
KEY_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"  # answers.<key>: inlined in SQL only after this check


@dataclass(frozen=True)
class Field:
    sql: str
    kind: str = "text"  # text | number | time
    days_since: str | None = None  # for "days since X" fields: X, so `lte N` becomes an index-friendly X >= cutoff
    lowercase: bool = False  # stored values are lowercase words (a CHECK says so): `eq` needs no lower(), so an
    # index on the column can answer it
    # An SQL term true of every row where the field has a value, written so an index finds those rows: a comparison
    # that an empty field fails (and a rule's `since`) is narrowed by it, so a rule about a few rows reads only those.
    # `{where}` in it stands for the comparison itself, when the field is computed from the rows the term selects.
    present: str | None = None
    # What `present`'s `{where}` tests instead of the comparison, when the field is computed from other rows too
    # (a pair's start beside its cohort's: "1", in a cohort at all).
    present_where: str | None = None
    # `present` selects through one row of another table the entity has at most one of (a pairing's cohort), and
    # tests `{where}` on that row: the narrowings of one query's conjuncts are then one, their tests joined by AND
    # (conditions.Narrowings), rather than a list per test that the planner would choose one of to walk.
    one_row: bool = False
    # For "days until a yearly date" fields: an SQL term true of the rows whose MM-DD is one of `{days}`, written so
    # an index finds them, so `lte N` is narrowed to the rows whose date is in the N + 1 days ahead.
    yearly: str | None = None


@dataclass(frozen=True)
class Settable:
    """What a rule's `set` may change: a status (any of `values`), a reason that fills an empty one, or a mark
    (`now`: the moment, set once; a rule whose mark is already set fires without its mail)."""

    table: str
    column: str
    id_field: str  # the fact field holding the row's id
    values: tuple[str, ...]

    @property
    def mark(self) -> bool:
        return self.values == ("now",)


@dataclass(frozen=True)
class Entity:
    name: str
    source: str  # FROM … JOIN …
    key: str  # the SQL of the entity's id
    fields: dict[str, Field]
    people: dict[str, str]  # recipient name → field prefix ("participant" → "participant.")
    settable: dict[str, Settable] = field(default_factory=dict)

    def sql(self, name: str, form_keys: tuple[str, ...] = ()) -> Field | None:
        if name in self.fields:
            return self.fields[name]
        if name.startswith("answers.") and self.name == "checkin":
            key = name.removeprefix("answers.")
            if key in form_keys:
                return Field(f"(SELECT a.value FROM answers a WHERE a.checkin_id = c.id AND a.question = '{key}')")
        return None


def _person(alias: str, prefix: str) -> dict[str, Field]:
    return {f"{prefix}.{f}": Field(f"{alias}.{f}", lowercase=f in _CHECKED) for f in PERSON_FIELDS}


def _status(sql: str) -> Field:
    return Field(sql, lowercase=True)


def _days_since(sql: str) -> Field:
    return Field(f"(julianday(:now) - julianday({sql}))", "number", days_since=sql)


_PAIR_JOIN = "JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id"
# A pair's ratings: its check-ins, then each one's rating read from answers_ratings (db.py) alone. INDEXED BY, since
# the planner would rather read the answers table itself, once per check-in of every pair a rule looks at.
_RATING = (
    "(SELECT {fn}(CAST(a.value AS REAL)) FROM checkins c2 CROSS JOIN answers a INDEXED BY answers_ratings"
    " ON a.checkin_id = c2.id WHERE c2.pairing_id = pr.id AND a.question = 'rating'{who})"
)
# The last reported meeting; before any, the later of the start and the day we began tracking the pair (an imported
# pair's history is unknown, and nudging everyone on the first day would be wrong).
_LAST_MET = "max(COALESCE(pr.last_met_at, ''), COALESCE(pr.started_at, ''), pr.created_at)"
# The periods in which the pair said they met (either of them, a check-in answer `met: yes`): found from the pair's
# check-ins (index checkins_pairing) and each one's `met` answer (the answers' unique (checkin_id, question)).
_PERIODS_MET = (
    "(SELECT count(DISTINCT c4.period) FROM checkins c4 JOIN answers a4 ON a4.checkin_id = c4.id"
    " AND a4.question = 'met' WHERE c4.pairing_id = pr.id AND a4.value = 'yes')"
)


def _birthday_in(year: str) -> str:
    """The mentee's birthday in `year` (SQL), as a date: 29 February is noted on 28 February in other years."""
    return (
        f"(CASE WHEN e.birthday = '02-29' THEN date(printf('%04d-03-01', {year}), '-1 day')"
        f" ELSE printf('%04d-%s', {year}, e.birthday) END)"
    )


# Birthdays are compared by the UTC day of the tick; a note a few days ahead does not need the hour.
_YEAR = "CAST(strftime('%Y', :now) AS INTEGER)"
_THIS, _NEXT_YEAR, _LAST_YEAR = _birthday_in(_YEAR), _birthday_in(f"{_YEAR} + 1"), _birthday_in(f"{_YEAR} - 1")
_NEXT_BIRTHDAY = f"(CASE WHEN {_THIS} >= date(:now) THEN {_THIS} ELSE {_NEXT_YEAR} END)"
_LAST_BIRTHDAY = f"(CASE WHEN {_THIS} <= date(:now) THEN {_THIS} ELSE {_LAST_YEAR} END)"


def _when_birthday(sql: str) -> str:
    return f"(CASE WHEN e.birthday IS NULL THEN NULL ELSE {sql} END)"


_BIRTHDAY_FIELDS = {
    "mentee.birthday": Field("e.birthday"),
    "mentee.next_birthday": Field(_when_birthday(f"{_NEXT_BIRTHDAY} || 'T00:00:00+00:00'"), "time"),
    "mentee.last_birthday": Field(_when_birthday(f"{_LAST_BIRTHDAY} || 'T00:00:00+00:00'"), "time"),
    "mentee.days_until_birthday": Field(
        _when_birthday(f"CAST(julianday({_NEXT_BIRTHDAY}) - julianday(date(:now)) AS INTEGER)"),
        "number",
        # The mentees born on one of the days ahead (index participants_birthday), their pairings by pairings_mentee.
        yearly="pr.mentee_id IN (SELECT id FROM participants WHERE birthday IN ({days}))",
    ),
}
# The mentee's latest milestone reported in this pairing's check-ins (program/checkins/reply.py, milestones table).
_MILESTONE = (
    "(SELECT ms.{column} FROM milestones ms WHERE ms.pairing_id = pr.id ORDER BY ms.found_at DESC, ms.id LIMIT 1)"
)
_HAS_MILESTONE = "pr.id IN (SELECT pairing_id FROM milestones)"  # the few pairs with news, by milestones_pairing
_MILESTONE_FIELDS = {
    "pairing.mentee_milestone_at": Field(_MILESTONE.format(column="found_at"), "time", present=_HAS_MILESTONE),
    "pairing.mentee_milestone_kind": Field(_MILESTONE.format(column="kind"), present=_HAS_MILESTONE),
    "pairing.mentee_milestone_sentence": Field(_MILESTONE.format(column="sentence"), present=_HAS_MILESTONE),
    "pairing.days_since_mentee_milestone": replace(
        _days_since(_MILESTONE.format(column="found_at")), present=_HAS_MILESTONE
    ),
}

# A pairing's cohort (config `cohorts:`, mirrored in the cohorts table by program/cohorts.py): its calendar. Every
# field is empty for a pair in no cohort, so `lt`/`gt` never hold for it and `exists` tells the two kinds apart.
_COHORT_JOIN = "LEFT JOIN cohorts co ON co.name = pr.cohort"
# The pairs of the cohorts where the comparison holds (a cohort's fields are its row's: the comparison is tested on
# the few cohorts first), found by the partial index pairings_cohort; as a list of ids, so the planner tests each
# pairing against it at once, whichever index it walks.
_IN_COHORT = "pr.id IN (SELECT p.id FROM pairings p WHERE p.cohort IN (SELECT co.name FROM cohorts co WHERE {where}))"


def _cohort(sql: str, kind: str = "text", **more: Any) -> Field:
    return Field(sql, kind, present=_IN_COHORT, one_row=True, **more)


_COHORT = {
    "cohort.name": _cohort("co.name"),
    "cohort.starts_at": _cohort("co.starts_at", "time"),
    "cohort.midpoint_at": _cohort("co.midpoint_at", "time"),
    "cohort.ends_at": _cohort("co.ends_at", "time"),
    "cohort.start_day": _cohort("co.start_day"),  # the config's days, 2027-08-31
    "cohort.end_day": _cohort("co.end_day"),
    "cohort.days_since_start": replace(_days_since("co.starts_at"), present=_IN_COHORT, one_row=True),
    "cohort.days_since_midpoint": replace(_days_since("co.midpoint_at"), present=_IN_COHORT, one_row=True),
    "cohort.days_to_end": _cohort("(julianday(co.ends_at) - julianday(:now))", "number"),
    "cohort.midpoint_passed": _cohort(
        "CASE WHEN co.name IS NULL THEN NULL WHEN co.midpoint_at <= :now THEN 'yes' ELSE 'no' END", lowercase=True
    ),
    # How many days after its cohort's start the pair began: 0 or less, it began with the cohort (imported for it,
    # or introduced before it); more, it joined late and its own introduction spoke for the start.
    "pairing.cohort_days_late": Field(  # the pair's own start too: only "in a cohort" narrows it
        "(julianday(COALESCE(pr.started_at, pr.created_at)) - julianday(co.starts_at))",
        "number",
        present=_IN_COHORT,
        present_where="1",
        one_row=True,
    ),
}
_STATUS = {
    "checkin.status": Settable("checkins", "status", "checkin.id", ("awaiting", "answered", "skipped")),
    "pairing.status": Settable("pairings", "status", "pairing.id", ("proposed", "active", "paused", "closed")),
    "participant.status": Settable("participants", "status", "participant.id", ("active", "paused", "left")),
}
# A rule that closes a pairing says why (`set: {pairing.status: closed, pairing.close_reason: completed}`); a reason
# someone gave (a closing survey) is kept. Pay it forward marks the mentee it invited, once, ever.
_CLOSURE = {
    "pairing.close_reason": Settable("pairings", "close_reason", "pairing.id", CLOSE_REASONS),
    "mentee.invited_to_mentor_at": Settable("participants", "invited_to_mentor_at", "mentee.id", ("now",)),
}

CHECKIN = Entity(
    name="checkin",
    source=(
        "checkins c JOIN pairings pr ON pr.id = c.pairing_id JOIN participants me ON me.id = c.participant_id "
        "JOIN participants o ON o.id = CASE WHEN pr.mentor_id = c.participant_id THEN pr.mentee_id "
        f"ELSE pr.mentor_id END {_PAIR_JOIN}"
    ),
    key="c.id",
    fields={
        "checkin.id": Field("c.id", "number"),
        "checkin.period": Field("c.period"),
        "checkin.status": _status("c.status"),
        "checkin.sent_at": Field("c.sent_at", "time"),
        "checkin.answered_at": Field("c.answered_at", "time"),
        "checkin.days_waiting": _days_since("c.sent_at"),
        "checkin.days_since_answer": _days_since("c.answered_at"),
        "checkin.side": Field("CASE WHEN pr.mentor_id = c.participant_id THEN 'mentor' ELSE 'mentee' END"),
        "checkin.prompt_message_id": Field("c.prompt_message_id"),
        "checkin.token": Field(
            "(SELECT t.token FROM reply_tokens t WHERE t.purpose = 'checkin' AND t.entity_id = c.id)"
        ),
        "participant.id": Field("me.id", "number"),
        "pairing.id": Field("pr.id", "number"),
        "pairing.status": _status("pr.status"),
        "pairing.started_at": Field("pr.started_at", "time"),
        "pairing.cohort": Field("pr.cohort"),
        **_person("me", "participant"),
        **_person("o", "partner"),
        **_person("m", "mentor"),
        **_person("e", "mentee"),
    },
    people={"participant": "participant", "partner": "partner", "mentor": "mentor", "mentee": "mentee"},
    settable=_STATUS,
)

PAIRING = Entity(
    name="pairing",
    source=f"pairings pr {_PAIR_JOIN} {_COHORT_JOIN}",
    key="pr.id",
    fields={
        "pairing.id": Field("pr.id", "number"),
        "pairing.status": _status("pr.status"),
        "pairing.started_at": Field("pr.started_at", "time"),
        "pairing.ended_at": Field("pr.ended_at", "time"),
        "pairing.days_since_ended": _days_since("pr.ended_at"),
        # A word of CLOSE_REASONS (db.py): why it ended, or, while it runs, what its closing survey said.
        "pairing.close_reason": _status("pr.close_reason"),
        "pairing.days_active": _days_since("pr.started_at"),
        "pairing.cohort": Field("pr.cohort"),
        **_COHORT,
        "pairing.last_met_at": Field(_LAST_MET, "time"),
        "pairing.days_since_met": _days_since(_LAST_MET),
        # Only a meeting someone reported (no start date standing in for one): empty, so never `lte N`, when the pair
        # never said they met. What a milestone needs: "met in recent cycles" is `lte 62`.
        "pairing.days_since_reported_meeting": _days_since("pr.last_met_at"),
        "pairing.periods_met": Field(_PERIODS_MET, "number"),
        "pairing.rating_avg": Field(_RATING.format(fn="avg", who=""), "number"),
        "pairing.rating_min": Field(_RATING.format(fn="min", who=""), "number"),
        "pairing.mentee_rating_min": Field(
            _RATING.format(fn="min", who=" AND c2.participant_id = pr.mentee_id"), "number"
        ),
        # `+c3.status`: the pair's check-ins are found by its id; the status alone would lead to every answered one.
        "pairing.checkins_answered": Field(
            "(SELECT count(*) FROM checkins c3 WHERE c3.pairing_id = pr.id AND +c3.status = 'answered')", "number"
        ),
        **_MILESTONE_FIELDS,
        "mentor.id": Field("m.id", "number"),
        "mentee.id": Field("e.id", "number"),
        # When pay it forward invited her (a mark: once per person, whichever pairing it came from).
        "mentee.invited_to_mentor_at": Field("e.invited_to_mentor_at", "time"),
        **_person("m", "mentor"),
        **_person("e", "mentee"),
        **_BIRTHDAY_FIELDS,
    },
    people={"mentor": "mentor", "mentee": "mentee"},
    settable={"pairing.status": _STATUS["pairing.status"], **_CLOSURE},
)

PARTICIPANT = Entity(
    name="participant",
    source="participants me",
    key="me.id",
    fields={
        "participant.id": Field("me.id", "number"),
        "participant.created_at": Field("me.created_at", "time"),
        "participant.paused_until": Field("me.paused_until", "time"),
        "participant.bounced_at": Field("me.bounced_at", "time"),
        "participant.days_in_program": _days_since("me.created_at"),
        # Two counts rather than one with OR: each side is then a search of its own index, never a pass over every
        # active pairing (a pairing of someone with herself counts once, as before).
        "participant.active_pairings": Field(
            "((SELECT count(*) FROM pairings p2 WHERE p2.mentor_id = me.id AND p2.status = 'active')"
            " + (SELECT count(*) FROM pairings p2 WHERE p2.mentee_id = me.id AND p2.status = 'active'"
            " AND p2.mentor_id != me.id))",
            "number",
        ),
        **_person("me", "participant"),
    },
    people={"participant": "participant"},
    settable={k: v for k, v in _STATUS.items() if k == "participant.status"},
)

_ASKS = "(SELECT count(*) FROM intro_asks a WHERE a.introduction_id = i.id{where})"

INTRODUCTION = Entity(
    name="introduction",
    source="introductions i JOIN participants e ON e.id = i.mentee_id",
    key="i.id",
    fields={
        "introduction.id": Field("i.id", "number"),
        "introduction.status": _status("i.status"),
        "introduction.coordinator": Field("i.coordinator"),
        "introduction.created_at": Field("i.created_at", "time"),
        "introduction.updated_at": Field("i.updated_at", "time"),
        "introduction.days_open": _days_since("i.created_at"),
        "introduction.mentors_asked": Field(_ASKS.format(where=" AND a.status != 'waiting'"), "number"),
        "introduction.mentors_left": Field(_ASKS.format(where=" AND a.status IN ('waiting', 'asked')"), "number"),
        "mentee.id": Field("e.id", "number"),
        **_person("e", "mentee"),
    },
    people={"mentee": "mentee"},
    settable={
        "introduction.status": (
            "introductions",
            "introduction.id",
            ("asking", "introduced", "declined_by_all", "cancelled"),
        )
    },
)

ENTITIES: dict[str, Entity] = {e.name: e for e in (CHECKIN, PAIRING, PARTICIPANT, INTRODUCTION)}

# Who a rule's mail can go to; "pair" is the mentor and the mentee in one mail, "coordinator" all coordinators.
RECIPIENTS = ("participant", "partner", "mentor", "mentee", "pair", "coordinator")


def recipients_for(entity: Entity) -> tuple[str, ...]:
    pair = ("pair",) if {"mentor", "mentee"} <= set(entity.people) else ()
    return (*entity.people, *pair, "coordinator")
