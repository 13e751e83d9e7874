"""A bound on work for tests that guard against super-linear blow-ups (a regex that backtracks, a quadratic loop).

It counts the CPU time of this process, never wall time, so a busy machine does not fail it; the bounds are many
times what linear work takes, and far below what a quadratic blow-up on the same input would need.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator


@contextlib.contextmanager
def cpu_budget(seconds: float) -> Iterator[None]:
    start = time.process_time()
    yield
    used = time.process_time() - start
    assert used < seconds, f"used {used:.1f} s of CPU, over the budget of {seconds} s: super-linear work?"
