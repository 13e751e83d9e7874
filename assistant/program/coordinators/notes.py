"""A coordinator's own words to the assistant, when they are not commands: her reply to one of our alerts,
escalations, digests or forwarded notes is recorded as a note on the person or pair that mail was about (the
`notes` table), and acknowledged once, to her only, in coordinator wording.

Which person or pair it is about comes from our mail she answers (the outbox row her In-Reply-To or References
names, and its entity). When that cannot be told (a digest, a fresh mail), the note is about nobody and the
acknowledgement says so: a person is never guessed. Nothing here ever reaches a participant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlite_utils import Database

from assistant.clock import iso
from assistant.db import insert_row, one, record_event
from assistant.outbox import Mail
from assistant.program.context import Inbound
from assistant.program.introductions.requests import asks_for_introduction

MAX_NOTE = 4000  # characters of a note kept; a coordinator's reply is a few lines, a pasted thread is not a note
# The last `kind:id` of an outbox entity: `rule:checkin:4`, `pairing:2`, `note:rule:pairing:2`, `participant:7`.
_ENTITY = re.compile(r"(checkin|pairing|participant|introduction):(\d+)$")


@dataclass(frozen=True)
class About:
    """Who a note is about: a participant, a pairing, both (a check-in: her, in that pair), or nobody."""

    participant_id: int | None = None
    pairing_id: int | None = None
    label: str = ""  # "Maya Patel and Dana Okafor (pair 1)", said in the acknowledgement; empty: nobody

    @property
    def entity(self) -> str:
        if self.pairing_id is not None:
            return f"pairing:{self.pairing_id}"
        return f"participant:{self.participant_id}" if self.participant_id is not None else ""


NOBODY = About()


def about_entity(db: Database, entity: str, text: str = "") -> About:
    """Who our mail with this outbox entity was about; NOBODY when it names no one (a digest, a reply). For the
    daily list of escalations, the one pair of that list her `text` names (see `about_listed`)."""
    if (entity or "").startswith("escalations:"):
        return about_listed(db, entity, text)
    found = _ENTITY.search(entity or "")
    if found is None:
        return NOBODY
    kind, number = found.group(1), int(found.group(2))
    if kind == "participant":
        return about_people(db, number, None)
    if kind == "pairing":
        return about_people(db, None, number)
    sql = {
        "checkin": "SELECT participant_id, pairing_id FROM checkins WHERE id = ?",
        "introduction": "SELECT mentee_id AS participant_id, pairing_id FROM introductions WHERE id = ?",
    }[kind]
    row = one(db, sql, [number])
    return about_people(db, row["participant_id"], row["pairing_id"]) if row else NOBODY


def about_listed(db: Database, entity: str, text: str) -> About:
    """Her reply to a daily list of escalations is about the one pair of that list she names (a full name, a first
    name no one else in the list has, or an address, as whole words); when she names none or several, nobody."""
    listed = db.execute(
        "SELECT DISTINCT i.pairing_id, p.id, p.name, p.email FROM escalation_items i"
        " JOIN pairings r ON r.id = i.pairing_id JOIN participants p ON p.id IN (r.mentor_id, r.mentee_id)"
        " WHERE i.sent_in = ?",
        [entity],
    ).fetchall()
    firsts = [(name or "").split()[0].casefold() for _, _, name, _ in listed if (name or "").split()]
    words = set(re.findall(r"[\w.+'@-]+", text.casefold()))
    folded = " ".join(re.findall(r"[\w.+'@-]+", text.casefold()))
    named: dict[int, set[int]] = {}
    for pairing_id, person_id, name, address in listed:
        full = " ".join((name or "").casefold().split())
        first = full.split()[0] if full else ""
        if (
            (full and f" {full} " in f" {folded} ")
            or (first and firsts.count(first) == 1 and first in words)
            or address.casefold() in words
        ):
            named.setdefault(pairing_id, set()).add(person_id)
    if len(named) != 1:
        return NOBODY
    [(pairing_id, people)] = named.items()
    return about_people(db, next(iter(people)) if len(people) == 1 else None, pairing_id)


def about_people(db: Database, participant_id: int | None, pairing_id: int | None) -> About:
    """The About for these ids, with a label naming them; NOBODY when neither exists (any more)."""
    person = one(db, "SELECT name, email FROM participants WHERE id = ?", [participant_id]) if participant_id else None
    pair = (
        one(
            db,
            "SELECT m.name AS mentor, e.name AS mentee FROM pairings p JOIN participants m ON m.id = p.mentor_id"
            " JOIN participants e ON e.id = p.mentee_id WHERE p.id = ?",
            [pairing_id],
        )
        if pairing_id
        else None
    )
    if person is None and pair is None:
        return NOBODY
    who = f"{person['name'] or person['email']}" if person else ""
    if pair:
        pair_label = f"{pair['mentee']} and {pair['mentor']} (pair {pairing_id})"
        label = f"{who}, in the pairing of {pair_label}" if who else f"the pairing of {pair_label}"
    else:
        label = who
    return About(participant_id if person else None, pairing_id if pair else None, label)


def record_note(db: Database, author: str, about: About, text: str, message_id: str, now: str) -> int:
    """A note in the `notes` table, and an event on what it is about (so `explain` shows it)."""
    note_id = insert_row(
        db,
        "notes",
        {
            "author": author,
            "participant_id": about.participant_id,
            "pairing_id": about.pairing_id,
            "text": text[:MAX_NOTE],
            "message_id": message_id,
            "created_at": now,
        },
    )
    record_event(db, now, "coordinator_note", about.entity or f"note:{note_id}", note=note_id, by=author)
    return note_id


def is_coordinator_reply(inbound: Inbound) -> str | None:
    """Chain check: a coordinator answers a mail of ours (an alert, an escalation, a digest, a note): a note."""
    coordinator, ours = inbound.look.coordinator, inbound.look.our_mail
    if coordinator is None or ours is None or asks_for_introduction(inbound):
        return None  # `intro:` lines or a forward in a reply are still a request
    return f"coordinator {coordinator.email} replied to our mail {ours['subject']!r} ({ours['entity'] or 'no entity'})"


def is_coordinator_mail(inbound: Inbound) -> str | None:
    """Chain check: anything else a coordinator writes is hers to keep, as a note about nobody, never a
    participant's mail."""
    coordinator = inbound.look.coordinator
    return f"coordinator {coordinator.email} wrote, answering nothing of ours" if coordinator else None


def handle_coordinator_note(inbound: Inbound) -> str:
    coordinator, ours, msg = inbound.look.coordinator, inbound.look.our_mail, inbound.msg
    assert coordinator is not None  # the check claimed it
    text = inbound.new_text.strip()
    about = about_entity(inbound.db, ours["entity"], text) if ours else NOBODY
    if text:
        record_note(inbound.db, coordinator.email, about, text, msg.message_id, iso(inbound.now))
        inbound.reasons.append(f"noted about {about.entity or 'nobody: our mail it answers names no one'}")
    else:
        inbound.reasons.append("nothing of her own in it (only quoted text): nothing noted")
    inbound.outbox.enqueue(
        Mail(
            key=f"coordinator-note-ack:{msg.message_id}",  # once per mail of hers
            template="coordinator_note_ack",
            to=[(coordinator.name, coordinator.email)],
            context={
                "name": coordinator.name,
                "about": about.label,
                "noted": bool(text),
                "replied_to": ours["subject"] if ours else "",
            },
            in_reply_to=msg.message_id,
            references=msg.references,
        )
    )
    return "coordinator_note" if text else "coordinator_note_empty"
