"""Queueing a mail: render, compose, and insert one outbox row per dedupe key.

The insert is INSERT OR IGNORE on the key, in the caller's transaction, so a state change and the mail it causes
commit together and a second attempt adds nothing.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from assistant.clock import Clock, iso
from assistant.config import Config
from assistant.identity import address_hash, one_click_token, unsubscribe_token
from assistant.mail.compose import Envelope, compose
from assistant.mail.tokens import new_message_id, reply_address
from assistant.render import Renderer

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Mail:
    """What a handler or rule wants sent. The key makes it happen at most once."""

    key: str
    template: str
    to: Sequence[tuple[str, str]]
    context: dict[str, Any] = field(default_factory=dict)
    cc: Sequence[tuple[str, str]] = ()
    reply_token: str | None = None
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    entity: str = ""  # what it is about ("checkin:12"): a reply to it is matched back through this
    reply_to_person: tuple[str, str] | None = None  # Reply-To a person, not our token address (a note to coordinators)
    # Reply-To several people, not us (an introduction: both of the pair, so a plain Reply reaches the other).
    reply_to_people: Sequence[tuple[str, str]] = ()
    images: Sequence[tuple[str, bytes]] = ()  # (Content-ID, PNG) shown inline in the HTML as <img src="cid:ID">
    attachments: Sequence[tuple[str, str, bytes]] = ()  # (filename, MIME type, bytes)
    # Program mail (an ask, an introduction) that a person's authenticated answer sets off: like the tick's, it is
    # never capped (triggered.py); replies, confirmations and notes are, whoever queues them.
    program_mail: bool = False


def enqueue(
    db: Database,
    config: Config,
    renderer: Renderer,
    clock: Clock,
    mail: Mail,
    triggered_by: int | None = None,
    known_new: bool = False,
) -> str | None:
    """Queue a mail; returns its Message-ID, or None when this key was queued before. `triggered_by`: the ledger id
    of the inbound message that set it off (None for the tick's program mail). `known_new`: the caller has just
    looked the key up (triggered.py reads it with the day's counts, one statement for both)."""
    if not known_new and has(db, mail.key):
        return None
    suppressed, languages = _readers(db, mail)
    if suppressed:
        log.info("not queued %s: an address asked to be erased", mail.key)
        return None
    leave = _leave(db, config, clock, mail)
    language = mail_language(db, config, mail, languages)
    rendered = renderer.for_language(language).render(mail.template, {**_context(config, mail), "leave": leave})
    message_id = new_message_id(config.domain)
    message = compose(
        rendered,
        _envelope(config, mail, leave, language),
        message_id,
        clock.now(),
        config.program_name,
        attachments=mail.attachments,
        images=mail.images,
    )
    db.execute(
        "INSERT OR IGNORE INTO outbox"
        " (dedupe_key, to_addr, subject, message_id, template, entity, raw, created_at, triggered_by)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            mail.key,
            ", ".join(a for _, a in [*mail.to, *mail.cc]),
            rendered.subject,
            message_id,
            mail.template,
            mail.entity,
            message.as_bytes(),
            iso(clock.now()),
            triggered_by,
        ),
    )
    return message_id


def has(db: Database, key: str) -> bool:
    return bool(db.execute("SELECT 1 FROM outbox WHERE dedupe_key = ?", (key,)).fetchone())


def _leave(db: Database, config: Config, clock: Clock, mail: Mail) -> dict[str, Any] | None:
    """For mail to participants: the address a "stop" acts at once from (their own token, identity.py), and whether
    a plain Reply reaches it (not when `Reply-To` is the pair: a reply goes to the other person). The body's
    "Reply stop to leave the program" line (templates/_leave.*.j2) and `List-Unsubscribe` are made from it; with
    `web:` configured, also the https one-click link (`url`) when the mail is to her alone (identity.py). None
    for mail to nobody in the program (coordinators): none of this is theirs."""
    addresses = [a for _, a in [*mail.to, *mail.cc]]
    now = iso(clock.now())
    token = unsubscribe_token(db, addresses, mail.reply_token, now)
    if token is None:
        return None
    by_reply = not mail.reply_to_people and not mail.reply_to_person and mail.reply_token in (None, token)
    link = one_click_token(db, addresses, now) if config.web else None
    url = config.web.unsubscribe_url(link) if config.web and link else None
    return {"address": reply_address(config.assistant.email, token), "by_reply": by_reply, "url": url}


def _readers(db: Database, mail: Mail) -> tuple[bool, dict[str, str | None]]:
    """Whether an address it goes to was erased (the suppression list, To and Cc), and the language each `To`
    address reads as stored (`participants.language`, stored case-folded): one statement, since every mail asks."""
    hashes = [address_hash(a) for _, a in [*mail.to, *mail.cc]]
    to = list(dict.fromkeys(a.lower() for _, a in mail.to))
    suppressed, languages = db.execute(
        f"SELECT EXISTS (SELECT 1 FROM suppressions WHERE hash IN ({', '.join('?' * len(hashes))})),"
        f" (SELECT json_group_object(email, language) FROM participants WHERE email IN ({', '.join('?' * len(to))}))",
        [*hashes, *to],
    ).fetchone()
    return bool(suppressed), json.loads(languages or "{}")


def mail_language(db: Database, config: Config, mail: Mail, languages: dict[str, str | None] | None = None) -> str:
    """The language a mail is written in: its reader's (`participants.language`, else the program's); for mail to
    several people (an introduction, to both), the one they share, else the program's; for mail to a coordinator,
    the program's. Cc (the coordinator on an introduction) does not choose. `languages`: each `To` address's
    stored language, when the caller has read them already (`_readers`)."""
    addresses = [a.lower() for _, a in mail.to]  # stored case-folded
    if not addresses or any(a in {c.email.lower() for c in config.coordinators} for a in addresses):
        return config.language
    if languages is None:
        languages = _readers(db, mail)[1]
    chosen = {languages.get(address) or config.language for address in addresses}
    return chosen.pop() if len(chosen) == 1 else config.language


def _envelope(config: Config, mail: Mail, leave: dict[str, Any] | None = None, language: str = "") -> Envelope:
    assistant = config.assistant
    if mail.reply_token:
        reply_to: tuple[str, str] | None = (assistant.name, reply_address(assistant.email, mail.reply_token))
    elif mail.reply_to_person or mail.reply_to_people:
        reply_to = mail.reply_to_person
    else:  # a plain Reply carries the recipient's own token, so "stop" (or anything) in it is known to be hers
        reply_to = (assistant.name, leave["address"]) if leave else None
    return Envelope(
        from_name=assistant.name,
        from_addr=assistant.email,
        to=mail.to,
        cc=mail.cc,
        reply_to=reply_to,
        reply_to_people=mail.reply_to_people,
        in_reply_to=mail.in_reply_to,
        references=mail.references,
        unsubscribe_url=leave["url"] if leave else None,
        language=language.replace("_", "-"),
        unsubscribe=leave["address"]
        if leave
        else reply_address(assistant.email, mail.reply_token)
        if mail.reply_token
        else assistant.email,
    )


def _context(config: Config, mail: Mail) -> dict[str, Any]:
    return {**common_context(config), **mail.context}


def common_context(config: Config) -> dict[str, Any]:
    """What every mail's template is given, whoever sends it."""
    return {
        "program_name": config.program_name,
        "assistant_name": config.assistant.name,
        "assistant_address": config.assistant.email,
        "coordinator": config.coordinators[0],
        "coordinators": config.coordinators,
        "leave": None,  # set by enqueue for mail to participants: how to leave (templates/_leave.*.j2)
    }
