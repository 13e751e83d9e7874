"""Joining by email: someone writes "join", gets a short profile form, and replies to it like a check-in.

The new person is `pending` until the profile names a role; then they are active and the coordinators are told,
so that a person, not the assistant, decides on a match. A mentee's mentor wish list, when she gives one, is kept
in her order (program/wishlist.py); answering it again replaces it.
"""

from __future__ import annotations

import re
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from assistant.clock import iso
from assistant.db import insert_row, record_event, update_row
from assistant.forms.answers import read_answers
from assistant.forms.birthday import read_birthday
from assistant.forms.form import numbered
from assistant.identity import token_for
from assistant.outbox import Mail
from assistant.program import wishlist
from assistant.program.context import Inbound

_JOIN = re.compile(r"^(?:join|sign me up|i(?:'d| would) like to join(?: the program(?:me)?)?|subscribe)[\s.!]*$", re.I)
_ROLE = re.compile(r"\b(both|mentor|mentee)\b", re.I)


def _answers_the_form(inbound: Inbound) -> bool:
    owner = inbound.look.owner
    return owner is not None and owner.purpose == "join" and inbound.look.token_is_sender


def is_join(inbound: Inbound) -> str | None:
    """Chain check: a reply to the joining form, or a stranger asking to join."""
    if _answers_the_form(inbound):
        return "a reply to the joining form"
    if inbound.look.coordinator or inbound.look.sender:
        return None
    lines = [line.strip() for line in inbound.new_text.splitlines() if line.strip()][:2]
    subject = re.sub(r"^\s*(re|fwd?)\s*:\s*", "", inbound.msg.subject, flags=re.I).strip()
    if any(_JOIN.match(line) for line in [subject, *lines]):
        return "asks to join"
    return None


def handle_join(inbound: Inbound) -> str:
    if _answers_the_form(inbound):
        return _profile_reply(inbound)
    at = iso(inbound.now)
    person_id = insert_row(
        inbound.db,
        "participants",
        {
            "email": inbound.msg.from_addr,
            "name": inbound.msg.from_name,
            "status": "pending",
            "created_at": at,
            "updated_at": at,
        },
    )
    _send_form(inbound, person_id, inbound.msg.from_name, inbound.msg.from_addr, None)
    record_event(inbound.db, at, "join_asked", f"participant:{person_id}")
    return "join_form_sent"


def _send_form(
    inbound: Inbound, person_id: int, name: str, address: str, keys: list[str] | None, unclear: str = ""
) -> None:
    token = token_for(inbound.db, person_id, "join", None, iso(inbound.now))
    inbound.outbox.enqueue(
        Mail(
            key=f"join-form:{inbound.msg.message_id}",
            template="join_form",
            to=[(name, address)],
            context={
                "name": name,
                "questions": numbered(inbound.forms.profile, keys),
                "again": keys is not None,
                "unclear": unclear,
            },
            reply_token=token,
            in_reply_to=inbound.msg.message_id,
            references=inbound.msg.references,
        )
    )


def _profile_reply(inbound: Inbound) -> str:
    reading = read_answers(inbound.msg.text, inbound.forms.profile)
    values = {key: answer.value for key, answer in reading.answers.items()}
    changes: dict[str, Any] = {k: values[k][:2000] for k in ("goals", "skills", "industry") if values.get(k)}
    role = _ROLE.findall(values.get("role", ""))
    if len({r.lower() for r in role}) == 1:
        changes["role"] = role[0].lower()
    zone = values.get("timezone", "").strip()
    if zone and _valid_zone(zone):
        changes["timezone"] = zone
    if values.get("capacity"):
        changes["capacity"] = int(values["capacity"])
    birthday = read_birthday(values["birthday"]) if values.get("birthday", "").strip() else None
    if birthday and birthday.value:
        changes["birthday"] = birthday.value  # month and day: a year she wrote is not kept
    unclear = f"I could not read your birthday: {birthday.problem}." if birthday and not birthday.value else ""
    person = inbound.look.sender or {}
    ask = [
        *(["role"] if "role" not in changes and person.get("status") == "pending" else []),
        *(["birthday"] * bool(unclear)),
    ]
    if ask:
        # Asked, never guessed: "03/04" could be two days. Her other answers are stored as ever (below).
        _send_form(inbound, person["id"], person["name"], person["email"], ask, unclear)
    if "role" in ask:
        return "join_form_sent"
    was_pending = person.get("status") == "pending"
    update_row(
        inbound.db, "participants", person["id"], {**changes, "status": "active", "updated_at": iso(inbound.now)}
    )
    wishes = None
    if "wishlist" in values:  # answered again: her new list replaces the old one
        wishes = wishlist.replace(inbound.db, person["id"], values["wishlist"] or "", inbound.now)
    if was_pending:
        _tell_coordinators(inbound, {**person, **changes}, wishes or [])
    return "joined" if was_pending else "profile_updated"


def _valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "America" is a folder of zones, not one
        return False
    return "/" in name


def _tell_coordinators(inbound: Inbound, person: dict[str, Any], wishes: list[dict[str, Any]]) -> None:
    inbound.outbox.enqueue(
        Mail(
            key=f"new-participant:{person['id']}",
            template="new_participant",
            to=[(c.name, c.email) for c in inbound.config.coordinators],
            context={"person": person, "wishlist": wishes},
            reply_to_person=(person["name"], person["email"]),
        )
    )
