"""The outcome registry: every way a message can go, declared once, in the order the chain tries them (Mailman's
chain, Discourse's named errors). Each outcome has its check (a predicate over the message and its lookup), its
handler, and the template of the polite reply its sender gets, if any.

The first check that claims a message decides its outcome, and its reason is recorded, so `status` and `explain`
can say why mail went where it went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.inbound import checks
from assistant.inbound.held import keep_for_review, reply_politely
from assistant.program.addresses import handle_address_change, is_address_change
from assistant.program.checkins.reply import handle_checkin_reply, is_checkin_reply
from assistant.program.commands import handle_command, is_command
from assistant.program.confirmations import handle_confirmation, is_confirmation
from assistant.program.context import Inbound
from assistant.program.coordinators.commands import handle_coordinator_command, is_coordinator_command
from assistant.program.coordinators.notes import handle_coordinator_note, is_coordinator_mail, is_coordinator_reply
from assistant.program.introductions.answers import handle_intro_answer, is_intro_answer
from assistant.program.introductions.handover import handle_pair_reply, is_pair_reply
from assistant.program.introductions.requests import handle_intro_request, is_intro_request
from assistant.program.joining import handle_join, is_join
from assistant.program.notes import handle_note, is_reply_to_our_note
from assistant.program.robots import handle_automatic, is_automatic

Check = Callable[[Inbound], str | None]  # a reason when the check claims the message, else None
Handler = Callable[[Inbound], str]  # does the work; returns what happened (stored as the message's outcome)


@dataclass(frozen=True)
class Outcome:
    name: str
    check: Check
    handler: Handler | None = None  # None: kept for a person to review; nothing is acted on
    reply: str | None = None  # the template of the polite reply to the sender (at most one a day per kind)

    @property
    def check_name(self) -> str:
        return self.check.__name__.removeprefix("is_")

    def handle(self, inbound: Inbound) -> str:
        result = self.handler(inbound) if self.handler is not None else keep_for_review(inbound, self.name)
        if self.reply is not None:
            reply_politely(inbound, self.name, self.reply)
        return result


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("automatic", is_automatic, handle_automatic),  # robots are never answered
    Outcome("no_sender", checks.no_sender),  # nobody to answer
    Outcome("confirmation", is_confirmation, handle_confirmation),
    # A coordinator is never handled as a participant: her mail is decided here, before any participant's outcome
    # (commands, check-in replies, notes passed to the coordinators) can claim it.
    Outcome("coordinator_command", is_coordinator_command, handle_coordinator_command),
    Outcome("coordinator_reply", is_coordinator_reply, handle_coordinator_note),
    Outcome("intro_request", is_intro_request, handle_intro_request),
    Outcome("coordinator_note", is_coordinator_mail, handle_coordinator_note),  # the rest of a coordinator's mail
    Outcome("command", is_command, handle_command),
    # Before checkin_reply and sender_mismatch: "please use my new address" may come from the new address with her
    # token (a reply to our mail), or answer a check-in's thread.
    Outcome("address_change", is_address_change, handle_address_change),
    Outcome("intro_answer", is_intro_answer, handle_intro_answer),
    Outcome("checkin_reply", is_checkin_reply, handle_checkin_reply),
    Outcome("join", is_join, handle_join),
    # Before sender_mismatch: a reply in a pair's introduction thread is passed to the other person, never held (an
    # introduction sent before the handover carried the mentee's token, under which her mentor replied).
    Outcome("pair_reply", is_pair_reply, handle_pair_reply),
    # The token belongs to someone else: answering could leak their check-in to whoever forwarded it.
    Outcome("sender_mismatch", checks.sender_mismatch),
    Outcome("note_for_coordinator", is_reply_to_our_note, handle_note),
    Outcome("no_context", checks.known_sender, reply="help_reply"),
    Outcome("unknown_sender", checks.unknown_sender, reply="unknown_sender_reply"),
)


def classify(inbound: Inbound, outcomes: tuple[Outcome, ...] = OUTCOMES) -> Outcome:
    """The first outcome whose check claims the message; its reason goes into `inbound.reasons`."""
    for outcome in outcomes:
        reason = outcome.check(inbound)
        if reason:
            inbound.reasons.append(f"{outcome.check_name}: {reason}")
            return outcome
    raise AssertionError("the last check claims every message")  # unknown_sender always does
