"""The chain: an ordered table of (check, outcome), as in Mailman. The first check that claims a message decides
its outcome; every decision records its reason, so `status` and the ledger can say why mail went where it went.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from assistant.program.context import Inbound

Check = Callable[[Inbound], str | None]  # returns a reason when the check claims the message


@dataclass(frozen=True)
class Link:
    name: str
    check: Check
    outcome: str


def classify(chain: list[Link], inbound: Inbound) -> str:
    for link in chain:
        reason = link.check(inbound)
        if reason:
            inbound.reasons.append(f"{link.name}: {reason}")
            return link.outcome
    inbound.reasons.append("no check claimed it")
    return "unknown_sender"
