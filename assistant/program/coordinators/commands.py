"""Coordinator commands by email: `pause EMAIL [until DATE]`, `resume EMAIL`, `close PAIR-or-EMAILS [reason]`,
`note EMAIL text`, `sponsor MENTOR MENTEE what`, `status`, `help`, one per line, several in one mail.

A line is a command only when it starts with the command's word and has the command's shape ("Note that Lena is
away" is a sentence, not `note`), and only in what she newly wrote, never in quoted text. Commands that change
something act at once only when our own server says her domain passed DMARC, exactly as introduction requests do;
otherwise her configured address is first asked to confirm them (`confirm_coordinator_commands`), and From alone
authorises nothing. Every command gets an answer, all in one reply to her configured address: what was done or,
politely, exactly why not. Participants never hear the wording: nothing here writes to them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from assistant.clock import iso, month_name
from assistant.db import one, record_event, rows, update_row
from assistant.forms.reasons import label
from assistant.identity import new_confirmation
from assistant.outbox import Mail
from assistant.program.addresses import change_address, tell_new_address
from assistant.program.closure import close, read
from assistant.program.commands import until_moment
from assistant.program.context import Inbound, Row
from assistant.program.coordinators.notes import about_people, record_note
from assistant.program.introductions.requests import ADDRESS, asks_for_introduction, handle_intro_request
from assistant.program.sponsorships import log_by_coordinator

MAX_COMMANDS = 20  # per mail: the rest are named in the reply, not acted on
MAX_WORDS = 25  # a pause/resume/close/move line longer than this is a sentence, not a command
MAX_ECHO = 200  # characters of a command quoted back in the reply
MAX_REASON = 500
LONGEST_PAUSE = timedelta(days=3 * 366)  # a date further away is more likely a typo than a plan

_ADDRESS = re.compile(rf"^<?({ADDRESS.pattern})>?[,;.:]?$")  # one word that is an address, as intro: lines read it
_PLEASE = re.compile(r"^(?:please)?[\s.!?]*$", re.I)
_WORD = re.compile(
    r"^(pause|resume|unpause|close|note|sponsor|status|help|commands|move|stop|unsubscribe|leave)\b\s*:?\s*(.*)$",
    re.I | re.S,
)
_PARTICIPANT_ONLY = re.compile(r"^(?:delete me|forget me|erase me|my data)[\s.!?]*$", re.I)
HARMLESS = {"status", "help", "participant"}  # answered at once: they change nothing, and go to her stored address


@dataclass(frozen=True)
class Command:
    verb: str  # pause, resume, close, note, status, help, move, participant (a participant's word)
    args: str  # the rest of the line
    line: str  # the line as she wrote it


class Refusal(Exception):
    """A command that cannot be carried out; the message says why, politely, to the coordinator."""


def command_lines(text: str) -> tuple[list[Command], int]:
    """The commands in what she newly wrote (the first MAX_COMMANDS), and how many more were left out."""
    found = [c for c in (_command(line.strip()) for line in text.splitlines()) if c is not None]
    return found[:MAX_COMMANDS], max(0, len(found) - MAX_COMMANDS)


def _command(line: str) -> Command | None:
    if _PARTICIPANT_ONLY.match(line):
        return Command("participant", "", line)
    matched = _WORD.match(line)
    if matched is None:
        return None
    verb, rest = matched.group(1).lower(), matched.group(2).strip()
    verb = {"unpause": "resume", "commands": "help", "unsubscribe": "stop", "leave": "stop"}.get(verb, verb)
    if verb in ("status", "help", "stop"):
        return Command("participant" if verb == "stop" else verb, "", line) if _PLEASE.match(rest) else None
    if verb in ("note", "sponsor"):  # only with an address first: "Note: she is away" is her words, not a command
        first = rest.split(maxsplit=1)[0] if rest else ""
        return Command(verb, rest, line) if "@" in first else None
    return Command(verb, rest, line) if len(rest.split()) <= MAX_WORDS else None


def is_coordinator_command(inbound: Inbound) -> str | None:
    """Chain check: a coordinator's mail with at least one command line."""
    coordinator = inbound.look.coordinator
    if coordinator is None:
        return None
    commands, more = command_lines(inbound.new_text)
    if not commands:
        return None
    names = ", ".join(dict.fromkeys(c.verb for c in commands))
    return f"{len(commands) + more} coordinator command(s) ({names}) from {coordinator.email}"


def handle_coordinator_command(inbound: Inbound) -> str:
    coordinator = inbound.look.coordinator
    assert coordinator is not None  # the check claimed it
    commands, more = command_lines(inbound.new_text)
    if inbound.look.verified_coordinator or all(c.verb in HARMLESS for c in commands):
        outcome = run_commands(inbound, [c.line for c in commands], more, coordinator.email)
    else:
        outcome = _ask_to_confirm(inbound, commands, more, coordinator.email)
    if asks_for_introduction(inbound):
        # `intro:` lines in the same mail are a request as always; her command lines are left out of its note, so
        # the pair never reads them.
        lines = {c.line for c in commands}
        own = "\n".join(line for line in inbound.new_text.splitlines() if line.strip() not in lines)
        inbound.__dict__["new_text"] = own  # new_text is a cached property: the request reads this
        handle_intro_request(inbound)
    return outcome


def _ask_to_confirm(inbound: Inbound, commands: list[Command], more: int, address: str) -> str:
    """No DMARC pass from our own server: her configured address must confirm (never a Reply-To)."""
    coordinator = inbound.look.coordinator
    assert coordinator is not None
    payload = {"coordinator": address, "lines": [c.line for c in commands], "more": more}
    token = new_confirmation(inbound.db, address, "coordinator_commands", payload, iso(inbound.now))
    inbound.outbox.enqueue(
        Mail(
            key=f"confirm-commands:{inbound.msg.message_id}",
            template="confirm_coordinator_commands",
            to=[(coordinator.name, coordinator.email)],
            context={"name": coordinator.name, "commands": [_echo(c.line) for c in commands], "more": more},
            reply_token=token,
        )
    )
    inbound.reasons.append("no DMARC pass from our own server: asked the coordinator's stored address to confirm")
    return "confirmation_asked"


def run_confirmed_commands(inbound: Inbound, payload: dict[str, Any]) -> str:
    """Her reply confirmed the commands we asked about: carried out now, answered in one reply."""
    return run_commands(inbound, payload.get("lines", []), int(payload.get("more", 0)), payload["coordinator"])


def run_commands(inbound: Inbound, lines: list[str], more: int, address: str) -> str:
    coordinator = next((c for c in inbound.config.coordinators if c.email == address), None)
    if coordinator is None:  # removed from the config since she asked
        inbound.reasons.append(f"{address} is no longer a coordinator: nothing done")
        return "coordinator_stale"
    results = []
    for line in lines:
        command = _command(line)
        if command is None:
            continue
        try:
            answer, done = _ACTIONS[command.verb](inbound, command, address), True
        except Refusal as why:
            answer, done = str(why), False
        results.append({"command": _echo(line), "done": done, "answer": answer})
    inbound.outbox.enqueue(
        Mail(
            key=f"coordinator-commands:{inbound.msg.message_id}",
            template="coordinator_commands_done",
            to=[(coordinator.name, coordinator.email)],
            context={"name": coordinator.name, "results": results, "more": more},
            in_reply_to=inbound.msg.message_id,
            references=inbound.msg.references,
        )
    )
    done = sum(r["done"] for r in results)
    inbound.reasons.append(
        f"{done} of {len(results)} coordinator command(s) done" + (f", {more} left out" if more else "")
    )
    return "coordinator_commands"


def _echo(line: str) -> str:
    return line if len(line) <= MAX_ECHO else line[: MAX_ECHO - 1] + "…"


# --- the commands -------------------------------------------------------------------------------------------------


def _pause(inbound: Inbound, command: Command, by: str) -> str:
    found = re.match(r"^(\S+)(?:\s+(?:until|till|til)\s+(.+?))?[\s.!]*$", command.args, re.I)
    if not command.args:
        raise Refusal(
            "I need her email address: `pause name@example.org`, or `pause name@example.org until 2027-02-01`."
        )
    if found is None:  # an address and then something other than `until DATE` ("for two weeks")
        first, _, rest = command.args.partition(" ")
        _participant(inbound, first, "pause")  # a name, not an address: that is what she hears about first
        example = f"pause {first.strip(',;')} until 2027-02-01"
        raise Refusal(
            f"I can pause until a date, and couldn't read {_echo(rest.strip())!r}. Write it like `{example}`."
        )
    person = _participant(inbound, found.group(1), "pause")
    until = _date(inbound, found.group(2)) if found.group(2) else None
    if person["status"] in ("left", "pending"):
        raise Refusal(_not_in_program(person))
    moment = until_moment(until.isoformat(), inbound) if until else None
    now = iso(inbound.now)
    update_row(
        inbound.db, "participants", person["id"], {"status": "paused", "paused_until": moment, "updated_at": now}
    )
    record_event(inbound.db, now, "coordinator_pause", f"participant:{person['id']}", by=by, until=until)
    was = " (she was already paused; the new date replaces the old one)" if person["status"] == "paused" else ""
    until_text = f"until {_day(until)}, when mail starts again by itself" if until else "until you write `resume`"
    return f"Paused {_who(person)} {until_text}: she gets no program mail meanwhile{was}."


def _resume(inbound: Inbound, command: Command, by: str) -> str:
    if not command.args:
        raise Refusal("I need her email address: `resume name@example.org`.")
    person = _participant(inbound, command.args.split()[0], "resume")
    if person["status"] in ("left", "pending"):
        raise Refusal(_not_in_program(person))
    if person["status"] == "active":
        return f"{_who(person)} is already active: nothing to change."
    now = iso(inbound.now)
    update_row(inbound.db, "participants", person["id"], {"status": "active", "paused_until": None, "updated_at": now})
    record_event(inbound.db, now, "coordinator_resume", f"participant:{person['id']}", by=by)
    return f"Resumed {_who(person)}: her program mail starts again with the next check-in."


_PAIR_ID = re.compile(r"^(?:pair(?:ing)?\s*[:#]?\s*|#)?(\d{1,9})\b[\s,.:;-]*(.*)$", re.I | re.S)


def _close(inbound: Inbound, command: Command, by: str) -> str:
    pairing, reason = _which_pair(inbound, command.args)
    if pairing["status"] == "closed":
        ended = f" on {_day(date.fromisoformat(pairing['ended_at'][:10]))}" if pairing["ended_at"] else ""
        return f"Pair {pairing['id']} ({pairing['label']}) was already closed{ended}: nothing to change."
    now = iso(inbound.now)
    words = reason.strip(" \t-:;,")[:MAX_REASON] or None
    # Her words, mapped onto the reasons when unmistakable ("no time" → no_time), else `other`; kept either way.
    kind, words = read(words)
    close(inbound.db, pairing["id"], inbound.now, by="coordinator", reason=kind, words=words)
    record_event(inbound.db, now, "coordinator_close", f"pairing:{pairing['id']}", by=by, reason=kind, words=words)
    stored = one(inbound.db, "SELECT close_reason FROM pairings WHERE id = ?", [pairing["id"]])
    kept = label(stored["close_reason"] if stored else kind)
    because = f", because: {words} (reason: {kept})" if words else f" (reason: {kept})"
    after = "No more check-ins or program mail about it go to either of them."
    return f"Closed pair {pairing['id']} ({pairing['label']}){because}. {after}"


_PAIR = """
SELECT p.id, p.status, p.ended_at, m.email AS mentor_email, e.email AS mentee_email,
       e.name || ' and ' || m.name AS label
FROM pairings p JOIN participants m ON m.id = p.mentor_id JOIN participants e ON e.id = p.mentee_id
"""


def _which_pair(inbound: Inbound, args: str) -> tuple[Row, str]:
    """The pairing a `close` names (its id, both addresses, or one address with one open pairing), and the reason."""
    usage = "Which pair? Write `close 12`, or `close mentor@example.org mentee@example.org`, then a reason if you like."
    found = _PAIR_ID.match(args)
    if found:
        pairing = one(inbound.db, _PAIR + " WHERE p.id = ?", [int(found.group(1))])
        if pairing is None:
            raise Refusal(f"There is no pair {found.group(1)}. {usage}")
        return pairing, found.group(2)
    words = args.split()
    addresses: list[str] = []
    while words and len(addresses) < 2 and (words[0].lower() in ("and", "&") or _ADDRESS.match(words[0])):
        word = words.pop(0)
        if word.lower() not in ("and", "&"):
            addresses.append(_ADDRESS.match(word).group(1).lower())  # type: ignore[union-attr]
    if not addresses:
        raise Refusal(usage)
    people = [_participant(inbound, address, "close") for address in addresses]
    ids = [p["id"] for p in people]
    if len(ids) == 2:
        sql = _PAIR + " WHERE (p.mentor_id = ? AND p.mentee_id = ?) OR (p.mentor_id = ? AND p.mentee_id = ?)"
        candidates = rows(inbound.db, sql + " ORDER BY p.id", [ids[0], ids[1], ids[1], ids[0]])
    else:
        sql = _PAIR + " WHERE (p.mentor_id = ? OR p.mentee_id = ?) AND p.status != 'closed' ORDER BY p.id"
        candidates = rows(inbound.db, sql, [ids[0], ids[0]])
    if not candidates:
        raise Refusal(f"I found no open pair of {' and '.join(addresses)}. {usage}")
    if len(candidates) > 1:
        listed = "; ".join(f"pair {c['id']}: {c['label']}" for c in candidates[:10])
        raise Refusal(f"{addresses[0]} is in more than one pair ({listed}). Please name one: `close ID`.")
    return candidates[0], " ".join(words)


def _note(inbound: Inbound, command: Command, by: str) -> str:
    address, _, text = command.args.partition(" ")
    person = _participant(inbound, address, "note")
    text = text.strip(" \t-:;,")
    if not text:
        raise Refusal(f"There was nothing after the address to note. Write `note {person['email']} what to keep`.")
    about = about_people(inbound.db, person["id"], None)
    record_note(inbound.db, by, about, text, inbound.msg.message_id, iso(inbound.now))
    return f"Noted on {_who(person)}; `mentor-assistant explain {person['email']}` shows it."


def _sponsor(inbound: Inbound, command: Command, by: str) -> str:
    """`sponsor MENTOR MENTEE what`: the mentor recommended her mentee for an opportunity, logged once."""
    usage = "Write `sponsor mentor@example.org mentee@example.org what she was recommended for`."
    parts = command.args.split(maxsplit=2)
    if len(parts) < 2:
        raise Refusal(f"I need the mentor's and the mentee's addresses. {usage}")
    mentor, mentee = (_participant(inbound, part, "sponsor") for part in parts[:2])
    paired = inbound.db.execute(
        "SELECT 1 FROM pairings WHERE mentor_id = ? AND mentee_id = ?", [mentor["id"], mentee["id"]]
    ).fetchone()
    if paired is None:
        raise Refusal(f"{_who(mentor)} has never mentored {_who(mentee)} here, so I haven't logged it. {usage}")
    what = (parts[2] if len(parts) > 2 else "").strip(" \t-:;,")
    if not log_by_coordinator(inbound.db, mentor, mentee, what, by, inbound.msg.message_id, iso(inbound.now)):
        return f"That sponsorship of {_who(mentee)} by {_who(mentor)} was already logged: nothing to add."
    record_event(inbound.db, iso(inbound.now), "coordinator_sponsor", f"participant:{mentee['id']}", by=by, what=what)
    for_what = f" for {what!r}" if what else ""
    return f"Logged: {_who(mentor)} recommended {_who(mentee)}{for_what}. `mentor-assistant report` lists it."


def _status(inbound: Inbound, command: Command, by: str) -> str:
    if inbound.figures is None:
        raise Refusal("I can't count the figures from here; `mentor-assistant report` shows them.")
    figs = inbound.figures(inbound.now)
    response, counts = figs["response"], figs["counts"]
    rate = f" ({response['percent']}%)" if response["sent"] else ""
    paused = inbound.db.execute("SELECT count(*) FROM participants WHERE status = 'paused'").fetchone()[0]
    return "\n".join(
        [
            f"{figs['cycle_name']} {figs['cycle'][:4]}: {response['sent']} check-ins sent,"
            f" {response['answered']} answered{rate}, {response['awaiting']} still awaited.",
            f"{figs['active_pairs']} active pairs; {counts['met_pairs']} met, {counts['silent_pairs']} quiet.",
            f"{counts['concerns']} low ratings or help requests in the last 14 days;"
            f" {counts['review']} mails waiting for a person (review).",
            f"{counts['waiting_mentees']} mentees waiting for a match; {paused} people paused;"
            f" {counts['bounced']} bounced addresses.",
        ]
    )


def _help(inbound: Inbound, command: Command, by: str) -> str:
    return "\n".join(
        [
            "The commands I read from a coordinator, one per line:",
            "pause name@example.org [until 2027-02-01]: no program mail for her until then, or until `resume`",
            "resume name@example.org: her mail starts again",
            "close 12 [reason] (or close mentor@… mentee@… [reason]): the pairing ends",
            "note name@example.org text: kept on her record (`explain` shows it)",
            "sponsor mentor@… mentee@… what: she recommended her mentee for an opportunity (the sponsorship log)",
            "move old@example.org new@example.org: she moves to her new address, her history with her",
            "status: this cycle's figures",
            "intro: mentee@… -> mentor@…: an introduction, as always",
        ]
    )


def _participant_word(inbound: Inbound, command: Command, by: str) -> str:
    raise Refusal(
        f"{command.line.strip()!r} is a participant's command, and you're a coordinator, so I haven't acted on it."
        " Your mail from me follows the `coordinators:` list in the program's configuration. To stop a"
        " participant's mail, write `pause name@example.org`."
    )


_MOVE_REFUSED = {
    "invalid": "{new} doesn't look like an email address I could write to.",
    "same": "{who} already has {new}: nothing to change.",
    "taken": "{new} belongs to someone else in the program; I never merge two people. Nothing changed.",
    "suppressed": "{new} asked to be forgotten, so I can't write to it. Nothing changed.",
    "ours": "{new} is the assistant's or a coordinator's address. Nothing changed.",
    "unknown": "I couldn't find her any more. Nothing changed.",
}


def _move(inbound: Inbound, command: Command, by: str) -> str:
    """`move OLD NEW`: her history goes with her (addresses.change_address); the new address hears so."""
    parts = command.args.replace(",", " ").split()
    if len(parts) != 2:
        raise Refusal("I need her old and her new address: `move old@example.org new@example.org`.")
    person = _participant(inbound, parts[0], "move")
    if person["status"] == "left":
        raise Refusal(_not_in_program(person))
    moved = change_address(inbound.db, inbound.config, person["id"], parts[1], inbound.now, by=f"coordinator {by}")
    if moved.refused:
        raise Refusal(_MOVE_REFUSED[moved.refused].format(who=_who(person), new=_echo(parts[1].lower())))
    tell_new_address(inbound.outbox, dict(person), moved, key=f"{inbound.msg.message_id}:{person['id']}")
    return f"Moved {person['name']} from {moved.old_email} to {moved.new_email}; her history goes with her."


_ACTIONS: dict[str, Callable[[Inbound, Command, str], str]] = {
    "pause": _pause,
    "resume": _resume,
    "close": _close,
    "note": _note,
    "sponsor": _sponsor,
    "status": _status,
    "help": _help,
    "participant": _participant_word,
    "move": _move,
}


# --- reading what she named ---------------------------------------------------------------------------------------


def _participant(inbound: Inbound, text: str, verb: str) -> Row:
    """The participant at this address; a polite refusal naming what was read, with the people a name matches."""
    found = _ADDRESS.match(text.strip())
    if found is None:
        matches = _named(inbound, text.strip(" ,.;:"))
        hint = f" Did you mean {' or '.join(matches)}?" if matches else ""
        example = matches[0] if matches else "name@example.org"
        raise Refusal(f"I need an email address, and read {_echo(text)!r}.{hint} For example `{verb} {example}`.")
    address = found.group(1).lower()
    person = one(inbound.db, "SELECT * FROM participants WHERE email = ?", [address])
    if person is None:
        raise Refusal(f"I don't know anyone at {address}: nobody in the program has that address.")
    return person


def _named(inbound: Inbound, name: str) -> list[str]:
    """Addresses of participants whose name is, or starts with, this word (a hint, never acted on)."""
    if not name or len(name) > 60:
        return []
    found = rows(
        inbound.db,
        "SELECT email FROM participants WHERE name = ? COLLATE NOCASE OR name LIKE ? ORDER BY email LIMIT 4",
        [name, f"{name} %"],
    )
    return [r["email"] for r in found]


def _date(inbound: Inbound, text: str) -> date:
    """A date she wrote (2027-02-01, 1 February 2027, February 1, 2027), in the future and within three years."""
    text = text.strip(" .!,")
    for pattern in ("%Y-%m-%d", "%d %B %Y", "%d %b %Y", "%B %d %Y", "%B %d, %Y", "%b %d %Y", "%b %d, %Y"):
        try:
            day = datetime.strptime(text, pattern).date()
            break
        except ValueError:
            continue
    else:
        raise Refusal(f"I couldn't read {_echo(text)!r} as a date. Please write it like 2027-02-01.")
    today = inbound.now.astimezone(inbound.config.timezone).date()
    if day <= today:
        raise Refusal(f"{_day(day)} is not in the future, so there is nothing to pause until. Nothing changed.")
    if day - today > LONGEST_PAUSE:
        raise Refusal(f"{_day(day)} is more than three years away; is that a typo? Nothing changed.")
    return day


def _day(day: date) -> str:
    return f"{day.day} {month_name(f'{day.year:04d}-{day.month:02d}')} {day.year}"


def _who(person: Row) -> str:
    return f"{person['name']} <{person['email']}>" if person["name"] else person["email"]


def _not_in_program(person: Row) -> str:
    if person["status"] == "left":
        return f"{_who(person)} left the program (her own choice), so I haven't changed anything."
    return f"{_who(person)} hasn't finished joining yet, so there's nothing to pause or resume."
