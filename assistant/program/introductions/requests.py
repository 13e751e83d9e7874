"""Coordinators' introduction requests.

A request is `intro: mentee -> mentor, mentor2` lines (addresses, optionally with names), or a forwarded mail in
which someone asks for a mentor (the forwarded sender is the mentee) with the coordinator's note naming the
mentor. Unknown people are added from the names and addresses in the mail; what the request says about the mentee
(her own forwarded words, else the note) is kept as her goals, and of the coordinator's note only what is meant for
the pair is passed on ("could you introduce her to Sofia?" is for the assistant). Anything ambiguous gets a reply
saying exactly what is missing; nothing is guessed. A request acts at once only when our own server says the
coordinator's domain passed DMARC; otherwise the stored coordinator address is first asked to confirm it.
"""

from __future__ import annotations

import email.utils
import re
from typing import Any

from assistant.clock import iso
from assistant.db import insert_row, one, update_row
from assistant.headertext import clean_name
from assistant.identity import new_confirmation
from assistant.mail.message import strict_address
from assistant.mail.reply_text import new_text
from assistant.outbox import Mail
from assistant.program import wishlist
from assistant.program.context import Inbound
from assistant.program.introductions import asks as introductions
from assistant.program.introductions.words import her_words, split_note
from assistant.program.matching import mentors_with_room

_INTRO_LINE = re.compile(r"^\s*intro(?:duce)?\s*:\s*(.+?)\s*(?:->|→|=>)\s*(.+?)\s*$", re.I | re.M)
# `intro: maya@example.org` (an address, no mentors): ask the mentors on her wish list, in her order.
_MENTEE_ONLY = re.compile(r"^\s*intro(?:duce)?\s*:\s*([^\n]*?@[^\n]*?)\s*(?:->|→|=>)?\s*$", re.I)
# An address as a coordinator writes one in her mail (intro: lines, commands).
ADDRESS = re.compile(r"[^\s<>(),;:\"']+@[^\s<>(),;:\"']+\.[A-Za-z]{2,}")
_INTRODUCE = re.compile(r"\bintroduc(?:e|ing)\b", re.I)
# `cohort: spring-2027`: the cohort the pairing joins (config `cohorts:`), on a line of its own.
_COHORT_LINE = re.compile(r"^\s*cohort\s*:\s*(.*?)\s*$", re.I | re.M)


def asks_for_introduction(inbound: Inbound) -> bool:
    """`intro:` lines in what she newly wrote, or a forward: a request, whatever thread it is in."""
    return bool(intro_lines(inbound.new_text) or inbound.forward["forwarded"])


def intro_lines(text: str) -> list[tuple[str, str]]:
    """(mentee, mentors) of each `intro:` line, in order; mentors is "" on a line that names only the mentee."""
    found = []
    for line in text.splitlines():
        full = _INTRO_LINE.match(line)
        alone = None if full else _MENTEE_ONLY.match(line)
        if full:
            found.append((full.group(1), full.group(2)))
        elif alone and _just_an_address(alone.group(1)):  # "intro: maya@… was lovely" is a note, not a request
            found.append((alone.group(1), ""))
    return found


def _just_an_address(text: str) -> bool:
    """Exactly one address, with or without a name, and nothing else ("Maya Patel <maya@example.org>")."""
    address = strict_address(text.strip())[1]
    return bool(address) and address in text.lower()


def is_intro_request(inbound: Inbound) -> str | None:
    """Chain check: a coordinator's mail that asks for an introduction (`intro:` lines, a forward, or the word)."""
    coordinator = inbound.look.coordinator
    if coordinator is None:
        return None
    text = inbound.msg.text
    if not (intro_lines(inbound.new_text) or inbound.forward["forwarded"] or _INTRODUCE.search(text)):
        return None
    return f"an introduction request from coordinator {coordinator.email}"


def handle_intro_request(inbound: Inbound) -> str:
    request = parse_request(inbound)
    if request.get("problems"):
        _reply_to_coordinator(inbound, "intro_request_unclear", request)
        return "intro_request_unclear"
    if not inbound.look.verified_coordinator:
        return _confirm_request(inbound, request)
    return run_request(inbound, request)


def _confirm_request(inbound: Inbound, request: dict[str, Any]) -> str:
    """No DMARC pass from our server: the stored coordinator address must confirm (never the Reply-To)."""
    coordinator = inbound.look.coordinator
    assert coordinator is not None  # the check claimed it
    payload = {**request, "coordinator": coordinator.email, "message_id": inbound.msg.message_id}
    token = new_confirmation(inbound.db, coordinator.email, "intro_request", payload, iso(inbound.now))
    inbound.outbox.enqueue(
        Mail(
            key=f"confirm:{inbound.msg.message_id}",
            template="confirm_intro_request",
            to=[(coordinator.name, coordinator.email)],
            context={"request": request},
            reply_token=token,
        )
    )
    inbound.reasons.append("no DMARC pass from our own server: asked the coordinator's stored address to confirm")
    return "confirmation_asked"


def run_confirmed_request(inbound: Inbound, payload: dict[str, Any]) -> str:
    return run_request(inbound, payload, coordinator=payload["coordinator"], message_id=payload.get("message_id"))


def run_request(
    inbound: Inbound, request: dict[str, Any], coordinator: str | None = None, message_id: str | None = None
) -> str:
    db, now = inbound.db, inbound.now
    coordinator = coordinator or inbound.msg.from_addr
    mentee_id = _participant(inbound, request["mentee"], "mentee")
    _keep_goals(inbound, mentee_id, request.get("mentee_goals", ""))
    mentor_ids = [_participant(inbound, mentor, "mentor") for mentor in request["mentors"]]
    intro_id = introductions.start(
        db,
        inbound.config,
        inbound.outbox,
        mentee_id,
        mentor_ids,
        coordinator,
        request.get("note", ""),
        message_id or inbound.msg.message_id,
        now,
        cohort=request.get("cohort"),
    )
    asked = one(
        db,
        "SELECT m.name, m.email FROM intro_asks a JOIN participants m ON m.id = a.mentor_id"
        " WHERE a.introduction_id = ? AND a.status = 'asked'",
        [intro_id],
    )
    _reply_to_coordinator(inbound, "intro_request_ack", {**request, "asked": asked}, coordinator)
    return "intro_started"


def _participant(inbound: Inbound, person: dict[str, str], role: str) -> int:
    """The participant with this address, added (from the mail's name) when new."""
    row = one(inbound.db, "SELECT id, role FROM participants WHERE email = ?", [person["email"]])
    if row:
        if row["role"] != role and row["role"] != "both":
            update_row(inbound.db, "participants", row["id"], {"role": "both", "updated_at": iso(inbound.now)})
        return row["id"]
    at = iso(inbound.now)
    return insert_row(
        inbound.db,
        "participants",
        {
            "email": person["email"],
            "name": clean_name(person.get("name", "")),  # a request confirmed later was stored as it was read
            "role": role,
            "status": "active",
            "created_at": at,
            "updated_at": at,
        },
    )


def _keep_goals(inbound: Inbound, mentee_id: int, goals: str) -> None:
    """What the request says she hopes for goes on her profile, unless her profile already says it (her own answer
    to the profile form, or the roster, is not overwritten)."""
    row = one(inbound.db, "SELECT goals FROM participants WHERE id = ?", [mentee_id])
    if goals and row is not None and not row["goals"].strip():
        update_row(inbound.db, "participants", mentee_id, {"goals": goals, "updated_at": iso(inbound.now)})


def _reply_to_coordinator(inbound: Inbound, template: str, request: dict[str, Any], to: str | None = None) -> None:
    address = to or inbound.msg.from_addr
    coordinator = next((c for c in inbound.config.coordinators if c.email == address), None)
    if coordinator is None:
        return
    inbound.outbox.enqueue(
        Mail(
            key=f"{template}:{inbound.msg.message_id}",
            template=template,
            to=[(coordinator.name, coordinator.email)],
            context={
                "request": request,
                "problems": request.get("problems", []),
                "suggestions": request.get("suggestions", []),
            },
            in_reply_to=inbound.msg.message_id if to is None else None,
            references=inbound.msg.references if to is None else (),
        )
    )


def parse_request(inbound: Inbound) -> dict[str, Any]:
    """{mentee, mentors, note} or {problems, suggestions}: what the coordinator asked for, or what is missing."""
    own = inbound.new_text
    lines = intro_lines(own)
    note = "\n".join(line for line in own.splitlines() if not intro_lines(line) and not _COHORT_LINE.match(line))
    note = note.strip()
    request = _from_intro_lines(inbound, lines, note) if lines else _from_forward(inbound, note)
    return _with_cohort(inbound, request, _COHORT_LINE.findall(own))


def _with_cohort(inbound: Inbound, request: dict[str, Any], named: list[str]) -> dict[str, Any]:
    """The request's `cohort:` line read against the config's cohorts: the cohort's own spelling, or a question
    (an unknown name is never matched to a near one)."""
    names = list(dict.fromkeys(n for n in named if n))
    if not names:
        return request
    problems: list[str] = []
    found = [inbound.config.cohort(name) for name in names]
    known = ", ".join(c.name for c in inbound.config.cohorts) or "none yet (the config has no `cohorts:`)"
    if len(names) > 1:
        problems.append(f"which one cohort: the request names {' and '.join(repr(n) for n in names)}")
    elif found[0] is None:
        problems.append(f"which cohort: I don't know a cohort {names[0][:60]!r}; the cohorts are: {known}")
    else:
        request["cohort"] = found[0].name
    if problems:
        request["problems"] = [*request.get("problems", []), *problems]
        request.setdefault("suggestions", _suggestions(inbound))
    return request


def _from_intro_lines(inbound: Inbound, lines: list[tuple[str, str]], note: str) -> dict[str, Any]:
    problems: list[str] = []
    mentee_text, mentors_text = lines[0]
    mentee = _person(inbound, mentee_text, ("mentee", "both"), "the mentee", problems)
    mentors = [
        _person(inbound, part, ("mentor", "both"), "a mentor", problems)
        for part in re.split(r"\s*(?:,|;|\bthen\b)\s*", mentors_text)
        if part.strip()
    ]
    return _result(inbound, mentee, [m for m in mentors if m], note, problems)


def _from_forward(inbound: Inbound, note: str) -> dict[str, Any]:
    """A forwarded mail: its sender is the mentee; the coordinator's note above it names the mentor."""
    problems: list[str] = []
    forward = inbound.forward
    mentee, goals = None, ""
    if forward["forwarded"]:
        note = _COHORT_LINE.sub("", new_text(forward.get("message") or "")).strip()  # not the forward's addresses
        sender = forward.get("from_address") or forward.get("from_raw") or ""
        mentee = _person(inbound, sender, ("mentee", "both"), "the mentee", problems)
        if mentee and not mentee["name"]:
            mentee["name"] = clean_name(forward.get("from_name"))
        goals = her_words(new_text(forward.get("body") or ""), mentee["name"] if mentee else "")
    names_in_note = [n for n in ADDRESS.findall(note)]
    mentors = [_person(inbound, a, ("mentor", "both"), "a mentor", problems) for a in names_in_note]
    mentors += _mentors_named(inbound, note, problems) if not mentors else []
    if mentee is None and not problems:
        problems.append("who the mentee is: forward her own email, or write `intro: mentee@… -> mentor@…`")
    return _result(inbound, mentee, [m for m in mentors if m], note, problems, goals)


def _mentors_named(inbound: Inbound, note: str, problems: list[str]) -> list[dict[str, str]]:
    """'introduce Maya to Dana': a first name that matches exactly one mentor is that mentor."""
    found = re.search(r"\bto\s+([A-Z][\w'-]+)", note)
    if not found:
        return []
    rows = list(
        inbound.db.query(
            "SELECT name, email FROM participants WHERE role IN ('mentor', 'both')"
            " AND status = 'active' AND (name = ? OR name LIKE ?)",
            [found.group(1), f"{found.group(1)} %"],
        )
    )
    if len(rows) == 1:
        return [dict(rows[0])]
    if len(rows) > 1:
        problems.append(f"which {found.group(1)}: " + ", ".join(f"{r['name']} <{r['email']}>" for r in rows))
    return []


def _person(
    inbound: Inbound, text: str, roles: tuple[str, ...], what: str, problems: list[str]
) -> dict[str, str] | None:
    name, address = strict_address(text.strip())
    if not address:
        found = ADDRESS.findall(text)
        if len(found) == 1:
            name, address = clean_name(email.utils.parseaddr(text)[0]), found[0].lower()
    if address:
        known = one(inbound.db, "SELECT name FROM participants WHERE email = ?", [address])
        return {"name": (known or {}).get("name") or name or "", "email": address}
    problems.append(f"an email address for {what} (I read {text.strip()[:60]!r})")
    return None


def _result(
    inbound: Inbound,
    mentee: dict[str, str] | None,
    mentors: list[dict[str, str]],
    note: str,
    problems: list[str],
    goals: str = "",
) -> dict[str, Any]:
    """The request as it is kept: `note` only the words meant for the pair, `mentee_goals` her own words (a
    forward), else those."""
    from_wishlist = bool(mentee and not mentors and not problems)
    if from_wishlist and mentee:  # no mentor named: her own wish list, in her order, or a polite question
        mentors = _from_wishlist(inbound, mentee, problems)
    if mentee and any(m["email"] == mentee["email"] for m in mentors):
        problems.append("a mentor other than the mentee herself")
    coordinator = inbound.look.coordinator
    for_pair, _ = split_note(note, coordinator.name if coordinator else "")
    result: dict[str, Any] = {
        "mentee": mentee,
        "mentors": mentors,
        "note": for_pair[:2000],
        "mentee_goals": (goals or for_pair)[:2000],
        "from_wishlist": from_wishlist and not problems,
    }
    if problems:
        result["problems"] = problems
        result["suggestions"] = _suggestions(inbound)
    return result


def _from_wishlist(inbound: Inbound, mentee: dict[str, str], problems: list[str]) -> list[dict[str, str]]:
    """The mentors on her wish list who can be asked now, in her order; none: the problem says why, never a guess."""
    row = one(inbound.db, "SELECT id FROM participants WHERE email = ?", [mentee["email"]])
    wishes = wishlist.review(inbound.db, row["id"]) if row else []
    who = mentee["name"] or mentee["email"]
    if not wishes:
        problems.append(
            f"which mentor to ask first: {who} has no wish list (one address, or several in the order to ask them)"
        )
        return []
    usable = [{"name": w["mentor"]["name"], "email": w["mentor"]["email"]} for w in wishes if not w["skip"]]
    if not usable:
        why = "; ".join(f"{w['position']}. {_wished(w)}: {w['skip']}" for w in wishes)
        problems.append(f"which mentor to ask: nobody on {who}'s wish list can be asked right now ({why})")
    return usable


def _wished(wish: dict[str, Any]) -> str:
    mentor = wish["mentor"]
    return f"{mentor['name']} <{mentor['email']}>" if mentor else repr(wish["wrote"])


def _suggestions(inbound: Inbound) -> list[dict[str, Any]]:
    """Mentors with room, the first five by name, for the coordinator to choose from: the digest's (matching.py:
    pairings in hand against capacity, bounced addresses left out), which the digest ranks for each mentee."""
    return [{"name": m.name, "email": m.email, "skills": m.skills} for m in mentors_with_room(inbound.db, 5)]
