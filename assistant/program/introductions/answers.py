"""Mentors' answers to being asked: yes, no, "tell me more", or unclear (which gets a polite question).

Only a clear first line counts as a yes or a no; anything else is asked about, never guessed.
"""

from __future__ import annotations

import re
from typing import Any

from assistant.clock import iso
from assistant.db import record_event
from assistant.mail.reply_text import new_text
from assistant.outbox import Mail
from assistant.program.authority import authority
from assistant.program.context import Inbound
from assistant.program.introductions import asks as introductions

_YES = re.compile(
    r"^(?:yes|yep|yeah|sure|of course|absolutely|gladly|happy to|i'?d (?:be )?(?:happy|glad|love) to"
    r"|i would (?:be )?(?:happy|glad|love) to|count me in|with pleasure|definitely)\b",
    re.I,
)
_NO = re.compile(
    r"^(?:no\b|nope\b|sorry\b|not (?:now|this time|at the moment|right now)|i can'?t\b|i cannot\b"
    r"|unfortunately\b|i'?ll (?:have to )?pass\b|i (?:have to|must) (?:decline|pass)|decline\b)",
    re.I,
)
_MORE = re.compile(
    r"\b(?:tell me more|more (?:info|information|details)|who is (?:she|he|they)|what does .* want)\b"
    r"|\?\s*$",
    re.I,
)


def is_intro_answer(inbound: Inbound) -> str | None:
    auth = authority(inbound)
    if not (auth.token and auth.token["purpose"] == "intro_ask" and auth.token_is_sender):
        return None
    ask = introductions.ask_row(inbound.db, auth.token["entity_id"])
    if ask is None:
        return None
    inbound.found["ask"] = ask
    return f"{ask['mentor_email']} answers the ask {ask['id']} about introduction {ask['introduction_id']}"


def classify_answer(text: str) -> str:
    """yes, no, more ("tell me more", or a question) or unclear: only a clear first line counts."""
    lines = [line.strip() for line in new_text(text).splitlines() if line.strip()]
    first = lines[0] if lines else ""
    if _NO.match(first):
        return "no"
    if _YES.match(first):
        return "yes"
    if any(_MORE.search(line) for line in lines[:3]):
        return "more"
    return "unclear"


def handle_intro_answer(inbound: Inbound) -> str:
    ask, db, config, outbox, now = inbound.found["ask"], inbound.db, inbound.config, inbound.outbox, inbound.now
    if ask["status"] != "asked":
        inbound.reasons.append(f"the ask is already {ask['status']}")
        return "intro_answer_late"
    answer = classify_answer(inbound.msg.text)
    inbound.reasons.append(f"read as {answer!r}")
    record_event(
        db, iso(now), f"intro_answer_{answer}", f"introduction:{ask['introduction_id']}", mentor=ask["mentor_email"]
    )
    if answer == "yes":
        result = introductions.accept(db, config, outbox, ask, now)
        if result == "at_capacity":
            introductions.decline(db, config, outbox, ask, now, "skipped")
        return "introduced" if result == "introduced" else "intro_mentor_at_capacity"
    if answer == "no":
        introductions.decline(db, config, outbox, ask, now, "declined")
        return "intro_declined"
    _reply_to_mentor(inbound, ask, answer)
    return "intro_tell_me_more" if answer == "more" else "intro_unclear"


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
                    "question": new_text(msg.text).strip(),
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
            reply_token=(authority(inbound).token or {}).get("token"),
            in_reply_to=msg.message_id,
            references=msg.references,
        )
    )
