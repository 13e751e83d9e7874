"""After the introduction the pair talk to each other, not to the assistant.

The introduction goes to both with `Reply-To` both, so a plain Reply reaches the other person. A reply that still
reaches the assistant in that thread (someone wrote to our address anyway, or answered an introduction sent before
it handed over) is passed to the other person, never held and never sent to the coordinator: it is their
conversation. When the other person was already among its recipients (a Reply All), she has it, and nothing is sent.
"""

from __future__ import annotations

from sqlite_utils import Database

from assistant.clock import iso
from assistant.db import one, record_event
from assistant.outbox import Mail
from assistant.program.context import Inbound, Row

# Our mails that start or carry a pair's own conversation: a reply to one of them is meant for the other person.
PAIR_THREAD = ("introduction", "pair_message")

_PAIR = """
SELECT pr.id AS pairing_id, m.name AS mentor_name, m.email AS mentor_email,
       e.name AS mentee_name, e.email AS mentee_email
FROM pairings pr JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id
WHERE pr.id = ?
"""


def pair_in_thread(db: Database, thread: list[Row], sender: str) -> Row | None:
    """The pair whose introduction (or a message passed between them) this message's thread names, when the sender
    is one of the two; None otherwise. Queries only when the thread holds such a mail."""
    ours = next((r for r in thread if r["template"] in PAIR_THREAD and r["entity"].startswith("pairing:")), None)
    if ours is None or not sender:
        return None
    pair = one(db, _PAIR, [int(ours["entity"].split(":")[1])])
    return pair if pair and sender in (pair["mentor_email"], pair["mentee_email"]) else None


def is_pair_reply(inbound: Inbound) -> str | None:
    """Chain check: one of a pair writes to us in their introduction's thread."""
    pair = inbound.look.pair
    if pair is None:
        return None
    return f"{inbound.msg.from_addr} wrote in the introduction thread of pairing {pair['pairing_id']}"


def handle_pair_reply(inbound: Inbound) -> str:
    pair, msg = inbound.look.pair, inbound.msg
    assert pair is not None  # the check claimed it
    sender, other = _sides(pair, msg.from_addr)
    entity = f"pairing:{pair['pairing_id']}"
    if other[1] in msg.recipients:
        inbound.reasons.append(f"{other[1]} was among its recipients: she has it already")
        return "pair_reply_seen"
    inbound.outbox.enqueue(  # capped per address and day, like everything inbound mail sets off
        Mail(
            key=f"pair-message:{msg.message_id}",
            template="pair_message",
            to=[other],
            cc=[sender],  # she sees that it reached the other person, and has her address
            context={
                "sender_name": sender[0],
                "sender_email": sender[1],
                "other_name": other[0],
                "subject": msg.subject,
                "text": inbound.new_text.strip() or msg.text.strip(),
            },
            reply_to_people=[sender, other],
            in_reply_to=msg.message_id,
            references=msg.references,
            entity=entity,
        )
    )
    record_event(inbound.db, iso(inbound.now), "pair_message_passed", entity, to=other[1])
    return "pair_message_passed"


def _sides(pair: Row, sender: str) -> tuple[tuple[str, str], tuple[str, str]]:
    """(the sender, the other person), each as (name, address)."""
    mentor = (pair["mentor_name"], pair["mentor_email"])
    mentee = (pair["mentee_name"], pair["mentee_email"])
    return (mentor, mentee) if sender == pair["mentor_email"] else (mentee, mentor)
