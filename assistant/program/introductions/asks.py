"""Introductions with double opt-in: the mentor is asked first, privately; only a yes introduces the pair.

A request names the mentee and a wish list of mentors, in order. Each mentor is asked in turn: a no, or silence
for `introductions.answer_days` after one reminder, moves on to the next, and the mentee never learns who
declined. A mentor at capacity (her pairings in hand: active, proposed or paused, as `matching` counts them) is
skipped. When everyone has declined, the coordinator is told.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from sqlite_utils import Database

from assistant.clock import iso
from assistant.config import Config
from assistant.db import insert_row, one, record_event, update_row
from assistant.identity import token_for
from assistant.outbox import Mail, Outbox
from assistant.program.closure import reopened
from assistant.program.introductions.words import in_her_words
from assistant.program.matching import mentees_in_hand

log = logging.getLogger(__name__)

_ASK = """
SELECT a.*, i.mentee_id, i.note, i.coordinator, i.status AS intro_status,
       m.name AS mentor_name, m.email AS mentor_email, m.status AS mentor_status, m.capacity, m.skills,
       e.name AS mentee_name, e.email AS mentee_email, e.goals AS mentee_goals
FROM intro_asks a JOIN introductions i ON i.id = a.introduction_id
JOIN participants m ON m.id = a.mentor_id JOIN participants e ON e.id = i.mentee_id
"""


def start(
    db: Database,
    config: Config,
    outbox: Outbox,
    mentee_id: int,
    mentor_ids: list[int],
    coordinator: str,
    note: str,
    message_id: str | None,
    now: datetime,
    cohort: str | None = None,
) -> int:
    """Record the request and ask the first mentor who can say yes. `cohort`: the cohort the pairing will join (a
    name the config has, checked by the request)."""
    at = iso(now)
    intro_id = insert_row(
        db,
        "introductions",
        {
            "mentee_id": mentee_id,
            "coordinator": coordinator,
            "note": note,
            "request_message_id": message_id,
            "cohort": cohort,
            "created_at": at,
            "updated_at": at,
        },
    )
    for position, mentor_id in enumerate(dict.fromkeys(mentor_ids), start=1):
        insert_row(db, "intro_asks", {"introduction_id": intro_id, "mentor_id": mentor_id, "position": position})
    advance(db, config, outbox, intro_id, now)
    return intro_id


def advance(db: Database, config: Config, outbox: Outbox, intro_id: int, now: datetime) -> None:
    """Ask the next waiting mentor; tell the coordinator when nobody is left."""
    while True:
        ask = one(db, _ASK + " WHERE a.introduction_id = ? AND a.status = 'waiting' ORDER BY a.position", [intro_id])
        if ask is None:
            _declined_by_all(db, config, outbox, intro_id, now)
            return
        taken = mentees_in_hand(db, ask["mentor_id"], ask["mentee_id"])
        if ask["mentor_status"] != "active":
            _skip(db, ask["id"], f"the mentor is {ask['mentor_status']}")
        elif ask["capacity"] is not None and taken >= ask["capacity"]:
            _skip(db, ask["id"], f"no capacity ({taken} of {ask['capacity']} mentees)")
        else:
            _ask(db, config, outbox, ask, taken, now)
            return


def _skip(db: Database, ask_id: int, reason: str) -> None:
    update_row(db, "intro_asks", ask_id, {"status": "skipped", "reason": reason})


def _ask(db: Database, config: Config, outbox: Outbox, ask: dict[str, Any], taken: int, now: datetime) -> None:
    update_row(db, "intro_asks", ask["id"], {"status": "asked", "asked_at": iso(now)})
    token = token_for(db, ask["mentor_id"], "intro_ask", ask["id"], iso(now))
    outbox.enqueue(
        Mail(
            key=f"intro-ask:{ask['id']}",
            template="intro_ask",
            to=[(ask["mentor_name"], ask["mentor_email"])],
            context=_context(ask, taken, config),
            reply_token=token,
            entity=f"intro_ask:{ask['id']}",
            program_mail=True,  # the next mentor asked, even when a mentor's "no" set it off: never capped
        )
    )
    record_event(db, iso(now), "intro_asked", f"introduction:{ask['introduction_id']}", mentor=ask["mentor_email"])


def _context(ask: dict[str, Any], taken: int, config: Config) -> dict[str, Any]:
    return {
        "name": ask["mentor_name"],
        "mentor_name": ask["mentor_name"],
        "mentee_name": ask["mentee_name"],
        **_goals(ask),
        "note": ask["note"],
        "capacity": ask["capacity"],
        "taken": taken,
        "answer_days": config.introductions.answer_days,
    }


def _goals(ask: dict[str, Any]) -> dict[str, Any]:
    """The mentee's goals as the ask and the introduction show them: quoted when in her own words, and left out when
    they only repeat the coordinator's note (an `intro:` request's note is both)."""
    goals = (ask["mentee_goals"] or "").strip()
    if goals == (ask["note"] or "").strip():
        goals = ""
    return {"mentee_goals": goals, "goals_in_her_words": in_her_words(goals)}


def _declined_by_all(db: Database, config: Config, outbox: Outbox, intro_id: int, now: datetime) -> None:
    intro = one(
        db,
        "SELECT i.*, e.name AS mentee_name, e.email AS mentee_email FROM introductions i"
        " JOIN participants e ON e.id = i.mentee_id WHERE i.id = ?",
        [intro_id],
    )
    if intro is None or intro["status"] != "asking":
        return
    update_row(db, "introductions", intro_id, {"status": "declined_by_all", "updated_at": iso(now)})
    asks = list(
        db.query(
            "SELECT m.name, a.status, a.reason FROM intro_asks a JOIN participants m ON m.id = a.mentor_id"
            " WHERE a.introduction_id = ? ORDER BY a.position",
            [intro_id],
        )
    )
    outbox.enqueue(
        Mail(
            key=f"intro-none:{intro_id}",
            template="intro_declined_all",
            to=[(c.name, c.email) for c in config.coordinators if c.email == intro["coordinator"]]
            or [(c.name, c.email) for c in config.coordinators],
            context={"mentee_name": intro["mentee_name"], "mentee_email": intro["mentee_email"], "asks": asks},
            program_mail=True,
        )
    )


def accept(
    db: Database, config: Config, outbox: Outbox, ask: dict[str, Any], now: datetime, mentor_note: str = ""
) -> str:
    """The mentor said yes: the pairing starts, both are introduced, the other asks are withdrawn. `mentor_note`: what
    came with her yes ("but not until March"), passed on in the introduction."""
    taken = mentees_in_hand(db, ask["mentor_id"], ask["mentee_id"])
    if ask["capacity"] is not None and taken >= ask["capacity"]:
        return "at_capacity"
    at = iso(now)
    existing = one(
        db, "SELECT id FROM pairings WHERE mentor_id = ? AND mentee_id = ?", [ask["mentor_id"], ask["mentee_id"]]
    )
    intro = one(db, "SELECT cohort FROM introductions WHERE id = ?", [ask["introduction_id"]])
    cohort = intro["cohort"] if intro else None  # the request's `cohort:` line: the pair runs on its calendar
    if existing:
        again: dict[str, Any] = {"status": "active", "started_at": at, **reopened()}
        update_row(db, "pairings", existing["id"], again | ({"cohort": cohort} if cohort else {}))
        pairing_id = existing["id"]
    else:
        pairing_id = insert_row(
            db,
            "pairings",
            {
                "mentor_id": ask["mentor_id"],
                "mentee_id": ask["mentee_id"],
                "status": "active",
                "started_at": at,
                "created_at": at,
                "cohort": cohort,
            },
        )
    update_row(db, "intro_asks", ask["id"], {"status": "accepted", "answered_at": at})
    db.execute(
        "UPDATE intro_asks SET status = 'skipped', reason = 'another mentor said yes'"
        " WHERE introduction_id = ? AND status = 'waiting'",
        [ask["introduction_id"]],
    )
    update_row(
        db,
        "introductions",
        ask["introduction_id"],
        {"status": "introduced", "pairing_id": pairing_id, "updated_at": at},
    )
    _introduce(config, outbox, ask, pairing_id, mentor_note)
    return "introduced"


def _introduce(config: Config, outbox: Outbox, ask: dict[str, Any], pairing_id: int, mentor_note: str) -> None:
    """One mail to both, the coordinator in Cc, `Reply-To` both of them: a plain Reply from either reaches the other,
    and the assistant is out of their conversation (a reply that still reaches it is passed on: handover.py)."""
    coordinator = next((c for c in config.coordinators if c.email == ask["coordinator"]), config.coordinators[0])
    pair = [(ask["mentor_name"], ask["mentor_email"]), (ask["mentee_name"], ask["mentee_email"])]
    outbox.enqueue(
        Mail(
            key=f"introduction:{pairing_id}:{ask['introduction_id']}",
            template="introduction",
            to=pair,
            cc=[(coordinator.name, coordinator.email)] if config.introductions.cc_coordinator else [],
            context={
                "mentor_name": ask["mentor_name"],
                "mentor_email": ask["mentor_email"],
                "mentor_skills": ask["skills"],
                "mentee_name": ask["mentee_name"],
                "mentee_email": ask["mentee_email"],
                **_goals(ask),
                "note": ask["note"],
                "mentor_note": mentor_note,
                "introducer": coordinator,
            },
            reply_to_people=pair,
            entity=f"pairing:{pairing_id}",
            program_mail=True,  # a mentor's yes sets it off, but it is the program's mail: never capped
        )
    )


def decline(db: Database, config: Config, outbox: Outbox, ask: dict[str, Any], now: datetime, why: str) -> None:
    update_row(db, "intro_asks", ask["id"], {"status": why, "answered_at": iso(now)})
    if why == "declined":
        outbox.enqueue(
            Mail(
                key=f"intro-thanks:{ask['id']}",
                template="intro_decline_thanks",
                to=[(ask["mentor_name"], ask["mentor_email"])],
                context={"name": ask["mentor_name"]},
            )
        )
    advance(db, config, outbox, ask["introduction_id"], now)


def ask_row(db: Database, ask_id: int) -> dict[str, Any] | None:
    return one(db, _ASK + " WHERE a.id = ?", [ask_id])


def tick(db: Database, config: Config, outbox: Outbox, now: datetime) -> int:
    """One reminder after `answer_days` of silence; after as many again, the ask expires and the next mentor is
    asked. Returns how many mails were queued."""
    wait = timedelta(days=config.introductions.answer_days)
    queued = 0
    rows = list(db.query(_ASK + " WHERE a.status = 'asked' AND a.asked_at <= ?", [iso(now - wait)]))
    for ask in rows:
        with db.atomic():
            if ask["asked_at"] <= iso(now - 2 * wait):
                decline(db, config, outbox, ask, now, "expired")
                continue
            token = token_for(db, ask["mentor_id"], "intro_ask", ask["id"], iso(now))
            queued += bool(
                outbox.enqueue(
                    Mail(
                        key=f"intro-ask:{ask['id']}:reminder",
                        template="intro_ask_reminder",
                        to=[(ask["mentor_name"], ask["mentor_email"])],
                        context=_context(ask, mentees_in_hand(db, ask["mentor_id"], ask["mentee_id"]), config),
                        reply_token=token,
                        entity=f"intro_ask:{ask['id']}",
                    )
                )
            )
    return queued
