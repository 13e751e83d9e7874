"""`review release ID --as EMAIL`: a message the chain kept for a person, run through it again as a participant's own.

A coordinator has read the mail and says whose it is: Maya's answers sent from her home address, or a reply whose
client added `Auto-Submitted`. The stored message goes through the same chain and handlers as any mail, with its
sender taken to be the participant at her stored address, so whatever the handler sends goes there and never to the
address the mail came from. Only a participant can be named, and the From domain's own authentication is not
carried over (it vouched for another address). A mail that answers nothing of ours is read as her reply to her one
open check-in, when she has exactly one; nothing else is guessed.

It happens in one transaction: when the chain would keep the message again (the token is someone else's, it answers
nothing), everything is rolled back, nothing is sent, and the message stays in the queue with the reason said.
Released, the ledger row keeps its real sender and records the decision (`reviewed_at`, `review`, `released_as`),
its reasons say what happened both times, and a `review_released` event logs it.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import dataclass, replace
from typing import Any

from sqlite_utils import Database

from assistant.clock import Clock, iso
from assistant.config import Config
from assistant.db import HELD_OUTCOMES, one, record_event
from assistant.forms.form import Forms
from assistant.inbound.outcomes import classify
from assistant.inbound.pipeline import handle
from assistant.mail.message import ParsedMessage, parse_message
from assistant.outbox import Outbox
from assistant.program.context import Inbound, Lookup, Row
from assistant.program.lookup import checkin_row, look_up

log = logging.getLogger(__name__)


class ReleaseRefused(Exception):
    """The message cannot be released as asked; the message says why, and nothing changed."""


@dataclass(frozen=True)
class Released:
    outcome: str  # what the chain did with it this time (recorded, command_done, …)
    reasons: list[str]


def release(
    db: Database, config: Config, forms: Forms, outbox: Outbox, clock: Clock, ledger_id: int, address: str
) -> Released:
    """Process queued message `ledger_id` as a reply from the participant at `address`."""
    message = one(db, "SELECT m.* FROM messages m JOIN review_queue q ON q.id = m.id WHERE m.id = ?", [ledger_id])
    if message is None:
        raise ReleaseRefused(f"message {ledger_id} is not in the review queue (see: mentor-assistant review list)")
    person = one(db, "SELECT * FROM participants WHERE email = ?", [address.strip().lower()])
    if person is None:
        raise ReleaseRefused(f"{address} is not a participant: a message is released only as a participant's own")
    raw = _whole_raw(message)
    now = clock.now()
    reasons = [f"review: released as {person['email']} by a coordinator"]
    try:
        with db.atomic():
            msg = as_participant(parse_message(raw), person)
            look = _look_up(db, config, msg, person)
            inbound = Inbound(ledger_id, msg, db, config, forms, outbox, now, look, reasons=reasons)
            outcome = handle(inbound, classify(inbound))
            if outcome in HELD_OUTCOMES:
                raise _StillHeld(outcome)
            _mark_released(db, config, message, inbound, outcome, raw)
            _log_release(db, message, inbound, outcome)
    except _StillHeld as held:
        why = "; ".join(reasons[1:]) or held.outcome
        raise ReleaseRefused(
            f"as {person['email']}'s, message {ledger_id} would be kept again ({held.outcome}: {why});"
            " nothing was changed"
        ) from None
    except ReleaseRefused:
        raise
    except Exception as exc:  # the chain failed on it: the rollback left everything as it was
        log.exception("releasing message %s failed", ledger_id)
        failure = f"{type(exc).__name__}: {exc}"
        raise ReleaseRefused(f"handling message {ledger_id} failed ({failure}); nothing was changed") from None
    return Released(outcome, inbound.reasons)


class _StillHeld(Exception):
    def __init__(self, outcome: str) -> None:
        super().__init__(outcome)
        self.outcome = outcome


def _whole_raw(message: Row) -> bytes:
    """The stored message, refused when it is gone or cut (a cut message would be read as something it is not)."""
    if message["raw"] is None:
        raise ReleaseRefused(f"the text of message {message['id']} is no longer kept; dismiss it instead")
    raw = bytes(message["raw"])
    if len(raw) < message["size"]:
        raise ReleaseRefused(
            f"only the first {len(raw):,} of {message['size']:,} bytes of message {message['id']} are kept, so it"
            " cannot be read whole; dismiss it and ask the person to write again"
        )
    return raw


def as_participant(msg: ParsedMessage, person: Row) -> ParsedMessage:
    """The message as if the participant had sent it from her stored address. An `Auto-Submitted` header is set
    aside: a coordinator has read the mail and says a person wrote it (alone, it is why such a reply was held)."""
    headers = copy.copy(msg.headers)  # a shallow copy: deleting rebinds its header list, the original keeps its own
    del headers["Auto-Submitted"]
    return msg.with_headers(headers, from_addr=person["email"], from_name=person["name"] or "")


def _look_up(db: Database, config: Config, msg: ParsedMessage, person: Row) -> Lookup:
    """As for any message, without the sender's domain authentication (it was for another address), and with her one
    open check-in when the mail answers nothing of ours."""
    look = replace(look_up(msg, db, config), dmarc_pass=False)
    if look.robot or look.owner or look.checkin or look.confirmation or look.ask or look.our_mail:
        return look
    open_ids = [
        row[0]
        for row in db.execute(
            "SELECT id FROM checkins WHERE participant_id = ? AND status = 'awaiting' ORDER BY id", [person["id"]]
        )
    ]
    if len(open_ids) != 1:  # none, or one per pairing: which one it answers is not ours to guess
        return look
    return replace(
        look, checkin=checkin_row(db, open_ids[0]), checkin_how="a coordinator's release (her open check-in)"
    )


def _log_release(db: Database, message: Row, inbound: Inbound, outcome: str) -> None:
    """The `review_released` event; after an erasure it names nobody (her address must not outlive her)."""
    detail = {"ledger_id": message["id"], "released_as": "" if inbound.erased else inbound.msg.from_addr}
    entity = "" if inbound.erased else f"message:{message['message_id']}"
    record_event(db, iso(inbound.now), "review_released", entity, **detail, was=message["outcome"], outcome=outcome)


def _mark_released(db: Database, config: Config, message: Row, inbound: Inbound, outcome: str, raw: bytes) -> None:
    """The decision and what the chain did, on the ledger row; its real sender stays."""
    update: dict[str, Any] = {
        "status": "processed",
        "outcome": outcome,
        "reasons": json.dumps([*json.loads(message["reasons"] or "[]"), *inbound.reasons]),
        "error": None,
        "processed_at": iso(inbound.now),
        "reviewed_at": iso(inbound.now),
        "review": "released",
        "released_as": inbound.msg.from_addr,
    }
    if len(raw) > config.limits.keep_raw_bytes:  # trimmed once handled, as the pipeline does
        update["raw"] = raw[: config.limits.keep_raw_bytes]
    if inbound.erased:  # "delete me" confirmed: not even this message's sender and text are kept
        update.update({"from_addr": "", "subject": "", "raw": None, "reasons": "[]", "released_as": ""})
    db.execute(
        f"UPDATE messages SET {', '.join(f'{column} = ?' for column in update)} WHERE id = ?",
        [*update.values(), message["id"]],
    )
