"""Progress for long work (imports, exports, `rules simulate`) on a terminal; silent when not a terminal.

    for row in progress(rows, total=len(rows), label="exporting"):
        ...

It writes one line to stderr, rewritten in place (`\\r`), at most ten times a second, and clears it at the end,
so standard output (a CSV being piped somewhere) is never touched. In cron, systemd or tests, stderr is not a TTY
and nothing is printed at all.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

T = TypeVar("T")
INTERVAL = 0.1  # seconds between redraws


class Progress:
    """A counter that draws `label 1,234/5,678 (21%)` on a terminal. Use as a context manager."""

    def __init__(self, label: str, total: int | None = None, stream: TextIO | None = None):
        self.label, self.total, self.done = label, total, 0
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = _is_tty(self.stream)
        self._drawn_at = 0.0
        self._width = 0

    def __enter__(self) -> Progress:
        self._draw(force=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def advance(self, count: int = 1, note: str = "") -> None:
        self.done += count
        self._draw(note=note)

    def close(self) -> None:
        if self.enabled and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
            self._width = 0

    def line(self, note: str = "") -> str:
        if self.total:
            text = f"{self.label} {self.done:,}/{self.total:,} ({100 * self.done // self.total}%)"
        else:
            text = f"{self.label} {self.done:,}"
        return f"{text} {note}".rstrip() + " …"

    def _draw(self, force: bool = False, note: str = "") -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not force and now - self._drawn_at < INTERVAL and self.done != self.total:
            return
        self._drawn_at = now
        text = self.line(note)
        self.stream.write("\r" + text.ljust(self._width))
        self.stream.flush()
        self._width = max(self._width, len(text))


def progress(items: Iterable[T], label: str, total: int | None = None, stream: TextIO | None = None) -> Iterator[T]:
    """Yield `items`, drawing progress on a terminal as they are consumed."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with Progress(label, total, stream) as bar:
        for item in items:
            yield item
            bar.advance()


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
