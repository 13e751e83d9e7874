"""The outbox: every outbound mail is a row with a unique key before it is a message on the wire.

`Outbox` is what the rest of the program holds: `enqueue` (enqueue.py) in the caller's transaction, `drain`
(drain.py) marks a row `sending` before handing it to the transport and `sent` after, so mail is sent at most once.
"""

from __future__ import annotations

from sqlite_utils import Database

from assistant.clock import Clock
from assistant.config import Config
from assistant.outbox import drain as draining
from assistant.outbox.drain import DrainResult
from assistant.outbox.enqueue import Mail, enqueue, has
from assistant.render import Renderer
from assistant.transport.base import Outbound

__all__ = ["DrainResult", "Mail", "Outbox"]


class Outbox:
    def __init__(self, db: Database, config: Config, renderer: Renderer, clock: Clock):
        self.db, self.config, self.renderer, self.clock = db, config, renderer, clock

    def enqueue(self, mail: Mail) -> str | None:
        """Queue a mail; returns its Message-ID, or None when this key was queued before."""
        return enqueue(self.db, self.config, self.renderer, self.clock, mail)

    def has(self, key: str) -> bool:
        return has(self.db, key)

    def drain(self, outbound: Outbound, limit: int | None = None) -> DrainResult:
        """Send what is due (see drain.py)."""
        return draining.drain(self.db, self.config, self.clock, outbound, limit)

    def recover_uncertain(self) -> int:
        """At start-up: rows left `sending` by a crash are marked `uncertain`, never resent."""
        return draining.recover_uncertain(self.db, self.clock)
