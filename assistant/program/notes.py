"""Replies to our other mail (nudges, expectations, milestones, surveys, the pay-it-forward invitation) are a
person's words: they go to the coordinators, who can answer directly, and the sender hears that they did."""

from __future__ import annotations

from typing import Any

from assistant.clock import iso
from assistant.db import one, record_event, update_row
from assistant.forms.answers import read_answers
from assistant.forms.form import numbered
from assistant.identity import token_for
from assistant.outbox import Mail
from assistant.program.closure import give_reason
from assistant.program.context import Inbound
from assistant.program.introductions.answers import classify_answer


def is_reply_to_our_note(inbound: Inbound) -> str | None:
    """Chain check: a reply to one of our other mails (a nudge, a milestone, a survey): words for the coordinator."""
    ours = inbound.look.our_mail
    return f"a reply to our mail {ours['subject']!r} ({ours['entity']})" if ours else None


def handle_note(inbound: Inbound) -> str:
    msg, ours = inbound.msg, inbound.look.our_mail
    assert ours is not None  # the check claimed it
    text = inbound.new_text.strip()
    config = inbound.config
    paying_forward = ours["template"] == "pay_it_forward" and classify_answer(inbound.new_text) == "yes"
    if ours["template"] in SURVEYS:
        _record_survey(inbound, ours)
    inbound.outbox.enqueue(
        Mail(
            key=f"note:{msg.message_id}",
            template="note_for_coordinator",
            to=[(c.name, c.email) for c in config.coordinators],
            context={
                "sender_name": msg.from_name,
                "sender_email": msg.from_addr,
                "about": ours["subject"],
                "text": text,
            },
            reply_to_person=(msg.from_name, msg.from_addr),
            entity=_about(inbound, ours["entity"]),
        )
    )
    if paying_forward:
        return _becomes_mentor(inbound, ours["entity"])
    inbound.outbox.enqueue(  # once a day by its key, and within the per-address cap like all the rest
        Mail(
            key=f"note-ack:{msg.from_addr}:{inbound.now.date().isoformat()}",
            template="note_received",
            to=[(msg.from_name, msg.from_addr)],
            context={"name": msg.from_name},
            in_reply_to=msg.message_id,
            references=msg.references,
        )
    )
    record_event(
        inbound.db, iso(inbound.now), "note_for_coordinator", f"message:{msg.message_id}", about=ours["entity"]
    )
    return "note_for_coordinator"


def _about(inbound: Inbound, entity: str) -> str:
    """What the passed-on note is about, so that a coordinator's reply to it is kept as a note on that pair (the
    entity of our mail the participant answered), or else on her."""
    if _pairing_id(entity) is not None or entity.startswith(("checkin:", "rule:checkin:")):
        return f"note:{entity}"
    sender = inbound.look.sender
    return f"note:participant:{sender['id']}" if sender else ""


def _becomes_mentor(inbound: Inbound, entity: str) -> str:
    """Pay it forward: a mentee said yes to mentoring. She becomes a mentor too, the program's lineage records who
    mentored her, and she gets the few profile questions a mentor answers (read like the joining form)."""
    db, msg, now = inbound.db, inbound.msg, iso(inbound.now)
    person = inbound.look.sender
    pairing = one(db, "SELECT mentor_id FROM pairings WHERE id = ?", [_pairing_id(entity)])
    if person is None:
        return "note_for_coordinator"
    update_row(
        db,
        "participants",
        person["id"],
        {
            "role": "both" if person["role"] == "mentee" else person["role"],
            "became_mentor_at": now,
            "mentored_by": pairing["mentor_id"] if pairing else None,
            "updated_at": now,
        },
    )
    form = inbound.forms.profile
    inbound.outbox.enqueue(
        Mail(
            key=f"pay-forward-yes:{msg.message_id}",
            template="pay_it_forward_yes",
            to=[(person["name"], person["email"])],
            context={"name": person["name"], "questions": numbered(form, ["skills", "industry", "capacity"])},
            reply_token=token_for(db, person["id"], "join", None, now),
            in_reply_to=msg.message_id,
            references=msg.references,
        )
    )
    record_event(db, now, "became_mentor", f"participant:{person['id']}", mentored_by=pairing and pairing["mentor_id"])
    return "became_mentor"


def _pairing_id(entity: str) -> int | None:
    """`rule:pairing:12` (the entity of a rule's mail about a pairing) → 12."""
    parts = entity.split(":")
    return int(parts[-1]) if len(parts) >= 2 and parts[-2] == "pairing" and parts[-1].isdigit() else None


SURVEYS = ("closing_survey_mentor", "closing_survey_mentee")


def _record_survey(inbound: Inbound, ours: dict[str, Any]) -> None:
    """A closing survey's answers are kept like a check-in's (period "closing"), so sponsorship and the rest are
    data a coordinator can count; the coordinator also reads the words themselves. Its last answer, why the pairing
    ends, becomes the pairing's reason."""
    db, msg, now = inbound.db, inbound.msg, iso(inbound.now)
    forms = inbound.forms
    form = forms.closing_mentor if ours["template"] == "closing_survey_mentor" else forms.closing_mentee
    person = inbound.look.sender
    pairing_id = _pairing_id(ours["entity"])
    if person is None or pairing_id is None:
        return
    reading = read_answers(msg.text, form)
    db.execute(
        "INSERT INTO checkins (pairing_id, participant_id, period, status, sent_at, answered_at)"
        " VALUES (?, ?, 'closing', 'answered', ?, ?) ON CONFLICT (pairing_id, participant_id, period)"
        " DO UPDATE SET answered_at = excluded.answered_at",
        [pairing_id, person["id"], now, now],
    )
    checkin = one(
        db,
        "SELECT id FROM checkins WHERE pairing_id = ? AND participant_id = ? AND period = 'closing'",
        [pairing_id, person["id"]],
    )
    for answer in reading.answers.values():
        db.execute(
            "INSERT INTO answers (checkin_id, question, value, raw, message_id, recorded_at) VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (checkin_id, question) DO UPDATE SET value = excluded.value, raw = excluded.raw,"
            " message_id = excluded.message_id, recorded_at = excluded.recorded_at",
            [checkin["id"], answer.key, answer.value, answer.raw[:2000], msg.message_id, now],
        )
    record_event(db, now, "closing_survey", f"pairing:{pairing_id}", recorded=sorted(reading.answers))
    ending = reading.answers.get("ending")
    if ending is not None:  # why it ends, in her words: the pairing's reason (closure.py says whose counts)
        side = "mentor" if ours["template"] == "closing_survey_mentor" else "mentee"
        give_reason(db, pairing_id, side, ending.value, inbound.now)
