"""Participant commands by email: help, pause, pause until DATE, resume, stop, my data, delete me.

A command is read only from the subject or the first lines a person newly wrote, never from quoted text, and only
when the line is the command itself ("pause", "Pause until 2027-02-01.", "stop please"), so a sentence that merely
contains the word is not taken for one. A reply token of the sender's own makes a command act at once; without
one, the assistant first asks for confirmation at the stored address. "delete me" is always confirmed.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from assistant.clock import iso
from assistant.db import record_event, update_row
from assistant.identity import new_confirmation
from assistant.outbox import Mail
from assistant.program.context import Inbound
from assistant.program.erasure import erase
from assistant.program.leaving import leave, stop
from assistant.program.privacy import personal_data

_POLITE = r"(?:\s+please)?[\s.!]*$"
_PATTERNS = [
    ("pause", re.compile(r"^pause(?:\s+(?:until|till|til)\s+(\d{4}-\d{2}-\d{2}))?" + _POLITE, re.I)),
    ("resume", re.compile(r"^(?:resume|unpause|restart)" + _POLITE, re.I)),
    ("stop", re.compile(r"^(?:stop|unsubscribe|leave)" + _POLITE, re.I)),
    ("my data", re.compile(r"^(?:my data|send my data|what do you (?:know|have) about me\??)" + _POLITE, re.I)),
    ("delete me", re.compile(r"^(?:delete me|forget me|erase me|delete my data)" + _POLITE, re.I)),
    ("help", re.compile(r"^(?:help|commands|\?)" + _POLITE, re.I)),
]
_SUBJECT_PREFIX = re.compile(r"^\s*((re|fwd?|aw|sv|tr)\s*:\s*)+", re.I)
ACTS_AT_ONCE = {"help", "my data"}  # harmless even if forged: the answer goes to the stored address


@dataclass(frozen=True)
class Command:
    name: str
    until: date | None = None


def parse_command(subject: str, new: str) -> Command | None:
    """The command in the subject or the first three lines the person newly wrote (`new`: quotes and signatures
    already removed), if the line is only a command."""
    lines = [line.strip() for line in new.splitlines() if line.strip()][:3]
    for line in [_SUBJECT_PREFIX.sub("", subject).strip(), *lines]:
        for name, pattern in _PATTERNS:
            found = pattern.match(line)
            if found:
                return _command(name, found)
    return None


def _command(name: str, found: re.Match[str]) -> Command | None:
    if name == "pause" and found.group(1):
        try:
            return Command("pause", date.fromisoformat(found.group(1)))
        except ValueError:
            return None
    return Command(name)


def command_of(inbound: Inbound) -> Command | None:
    return parse_command(inbound.msg.subject, inbound.new_text)


def is_command(inbound: Inbound) -> str | None:
    """Chain check: a known participant's command."""
    command, person = command_of(inbound), inbound.look.sender
    if command is None or person is None:
        return None
    return f"command {command.name!r} from participant {person['id']}"


def handle_command(inbound: Inbound) -> str:
    command, person = command_of(inbound), inbound.look.sender
    assert command is not None and person is not None  # the check claimed it
    trusted = inbound.look.token_is_sender
    if command.name in ACTS_AT_ONCE or (trusted and command.name != "delete me"):
        return execute(inbound, person, command.name, {"until": command.until.isoformat() if command.until else None})
    return ask_to_confirm(inbound, person, command)


def ask_to_confirm(inbound: Inbound, person: dict[str, Any], command: Command) -> str:
    """Mail the stored address (never Reply-To) a token; a reply carrying it from that address confirms."""
    payload = {"participant_id": person["id"], "until": command.until.isoformat() if command.until else None}
    token = new_confirmation(inbound.db, person["email"], command.name, payload, iso(inbound.now))
    inbound.outbox.enqueue(
        Mail(
            key=f"confirm:{inbound.msg.message_id}",
            template="confirm_command",
            to=[(person["name"], person["email"])],
            context={"name": person["name"], "command": command.name, "until": payload["until"]},
            reply_token=token,
        )
    )
    inbound.reasons.append(f"no token of the sender's own: asked {person['email']} to confirm {command.name!r}")
    return "confirmation_asked"


def execute(inbound: Inbound, person: dict[str, Any], action: str, payload: dict[str, Any]) -> str:
    db, now = inbound.db, iso(inbound.now)
    key = str(inbound.msg.message_id)
    if action == "stop":  # the one way to stop, shared with the one-click link: her pairings close, coordinators told
        stop(db, inbound.config, inbound.outbox, person, inbound.now, key, **payload)
    else:
        changes: dict[str, Any] = {
            "pause": {"status": "paused", "paused_until": until_moment(payload.get("until"), inbound)},
            "resume": {"status": "active", "paused_until": None},
        }.get(action, {})
        if changes:
            update_row(db, "participants", person["id"], {**changes, "updated_at": now})
        record_event(db, now, f"command_{action.replace(' ', '_')}", f"participant:{person['id']}", **payload)
    if action == "delete me":  # her pairings close; the coordinators hear who needs a new match
        leave(db, inbound.config, inbound.outbox, person, inbound.now, "asked to be erased", key)
        # No mail after this, as the request said.
        erase(db, inbound.config, person, now, keep_ledger_id=inbound.ledger_id)
        inbound.erased = True
        return "erased"
    context = {"until": payload.get("until")}
    if action == "my data":
        context["data"] = personal_data(db, person["id"])
    _reply(inbound, person, action, context)
    return "command_done"


def until_moment(value: str | None, inbound: Inbound) -> str | None:
    """A pause's end date (YYYY-MM-DD) as the moment it ends: midnight, program time."""
    if not value:
        return None
    moment = inbound.now.astimezone(inbound.config.timezone).replace(
        year=int(value[:4]), month=int(value[5:7]), day=int(value[8:10]), hour=0, minute=0, second=0, microsecond=0
    )
    return iso(moment)


def _reply(inbound: Inbound, person: dict[str, Any], action: str, context: dict[str, Any]) -> None:
    data = context.pop("data", None)
    inbound.outbox.enqueue(
        Mail(
            key=f"command:{inbound.msg.message_id}",
            template="command_done",
            to=[(person["name"], person["email"])],
            context={"name": person["name"], "action": action, "data": data, **context},
            in_reply_to=inbound.msg.message_id,
            references=inbound.msg.references,
            attachments=[("my-data.json", "application/json", json.dumps(data, indent=2, default=str).encode())]
            if data is not None
            else [],
        )
    )
