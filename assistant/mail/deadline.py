"""The time one message may cost the reader, checked while the work runs (RELIABILITY.md case 27).

A `Deadline` is handed down to the loops that could run long (parsing HTML in chunks, walking its tree); each
checks it every so often and raises `TooSlow` when it has passed, so the pipeline quarantines that one message as
`too_slow` and goes on. The clock is the CPU time of the reading thread: the budget bounds the work a message
makes, and a machine busy with other work does not turn an honest message into a slow one. The clock is
injectable: tests move a fake one instead of waiting.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field


class TooSlow(Exception):  # named after the quarantine reason, `too_slow`
    """The message took longer than its budget to read."""


@dataclass
class Deadline:
    at: float
    clock: Callable[[], float] = time.thread_time
    checks: int = field(default=0, init=False)  # how often it was looked at: tests assert the work is watched

    @classmethod
    def after(cls, seconds: float, clock: Callable[[], float] = time.thread_time) -> Deadline:
        return cls(clock() + seconds, clock)

    def check(self, doing: str) -> None:
        """Raise TooSlow when the deadline has passed; `doing` says where, for the quarantine reason."""
        self.checks += 1
        if self.clock() > self.at:
            raise TooSlow(f"over the time budget while {doing}")
