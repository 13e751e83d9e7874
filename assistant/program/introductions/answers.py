"""Mentors' answers to being asked: yes, no, "tell me more", or mixed or unclear (which get a polite question).

The answer is read by the sentence that decides it (consent.py): an apology for a slow reply is not a no, and a
reply that still says both yes and no is asked about, never guessed.
"""

from __future__ import annotations

from typing import Any

from assistant.clock import iso
from assistant.db import record_event
from assistant.outbox import Mail
from assistant.program.context import Inbound
from assistant.program.introductions import asks as introductions
from assistant.program.introductions.consent import read_consent


def is_intro_answer(inbound: Inbound) -> str | None:
    """Chain check: the mentor's reply to being asked, carrying her own intro_ask token."""
    ask = inbound.look.ask
    if ask is None or not inbound.look.token_is_sender:
        return None
    return f"{ask['mentor_email']} answers the ask {ask['id']} about introduction {ask['introduction_id']}"


def classify_answer(new: str) -> str:
    """yes, no, more ("tell me more", or a question), mixed or unclear, from what the person newly wrote."""
    return read_consent(new).answer


def handle_intro_answer(inbound: Inbound) -> str:
    ask, db, config, outbox, now = inbound.look.ask, inbound.db, inbound.config, inbound.outbox, inbound.now
    assert ask is not None  # the check claimed it
    if ask["status"] != "asked":
        inbound.reasons.append(f"the ask is already {ask['status']}")
        return "intro_answer_late"
    consent = read_consent(inbound.new_text)
    answer = consent.answer
    inbound.reasons.append(f"read as {answer!r}" + (f" with the note {consent.note!r}" if consent.note else ""))
    detail = {"note": consent.note} if consent.note else {}
    record_event(
        db,
        iso(now),
        f"intro_answer_{answer}",
        f"introduction:{ask['introduction_id']}",
        mentor=ask["mentor_email"],
        **detail,
    )
    if answer == "yes":
        result = introductions.accept(db, config, outbox, ask, now, consent.note)
        if result == "at_capacity":
            introductions.decline(db, config, outbox, ask, now, "skipped")
        return "introduced" if result == "introduced" else "intro_mentor_at_capacity"
    if answer == "no":
        introductions.decline(db, config, outbox, ask, now, "declined")
        return "intro_declined"
    _reply_to_mentor(inbound, ask, answer)
    return {"more": "intro_tell_me_more", "mixed": "intro_mixed"}.get(answer, "intro_unclear")


def _reply_to_mentor(inbound: Inbound, ask: dict[str, Any], answer: str) -> None:
    config, msg = inbound.config, inbound.msg
    if answer == "more":
        to_mentee = config.introductions.tell_me_more == "mentee"
        who = (
            [(ask["mentee_name"], ask["mentee_email"])]
            if to_mentee
            else [(c.name, c.email) for c in config.coordinators]
        )
        inbound.outbox.enqueue(
            Mail(
                key=f"intro-more:{msg.message_id}",
                template="intro_tell_me_more",
                to=who,
                context={
                    "mentor_name": ask["mentor_name"],
                    "mentee_name": ask["mentee_name"],
                    "question": inbound.new_text.strip(),
                    "to_mentee": to_mentee,
                },
                reply_to_person=(ask["mentor_name"], ask["mentor_email"]),
            )
        )
    inbound.outbox.enqueue(
        Mail(
            key=f"intro-{answer}-ack:{msg.message_id}",
            template="intro_answer_ack",
            to=[(ask["mentor_name"], ask["mentor_email"])],
            context={
                "name": ask["mentor_name"],
                "answer": answer,
                "mentee_name": ask["mentee_name"],
                "to_mentee": config.introductions.tell_me_more == "mentee",
            },
            reply_token=inbound.look.token,
            in_reply_to=msg.message_id,
            references=msg.references,
        )
    )
