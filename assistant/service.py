"""The long-running loop: `schedule` runs poll, tick and drain; each job logs its error and the loop goes on.

SIGTERM or SIGINT lets the current step finish, then the loop exits cleanly (exit code 0).
When the inbox can wait for mail (IMAP IDLE), the loop waits on it instead of sleeping, at most a second at a time,
and reads new mail (then sends the replies it caused) as soon as the server reports it.
"""

from __future__ import annotations

import logging
import signal
import time
from collections.abc import Callable

import schedule

from assistant.app import App, CycleReport

log = logging.getLogger(__name__)


class Service:
    def __init__(self, app: App, poll_seconds: int | None = None, tick_seconds: int = 60, drain_seconds: int = 15):
        self.app = app
        poll_seconds = poll_seconds or getattr(app.config.inbox, "poll_seconds", 30)  # IMAP: inbox.poll_seconds
        self.stopping = False
        self.scheduler = schedule.Scheduler()
        self.poll, self.drain = self._job("poll", app.poll), self._job("drain", app.drain)
        self.scheduler.every(poll_seconds).seconds.do(self.poll)
        self.scheduler.every(tick_seconds).seconds.do(self._job("tick", app.tick))
        self.scheduler.every(drain_seconds).seconds.do(self.drain)

    def _job(self, name: str, step: Callable[[CycleReport], None]) -> Callable[[], None]:
        def run() -> None:
            report = CycleReport()
            try:
                step(report)
            except Exception as exc:  # a failing step must not stop the program; it is retried on its next turn
                log.exception("%s failed; will try again", name)
                self._record(name, exc)
                return
            log.debug("%s: %s", name, report.line())

        return run

    def _record(self, name: str, exc: Exception) -> None:
        try:
            self.app.job_failed(name, exc)
        except Exception:  # the database itself may be what failed: the log has it already
            log.debug("could not record the failure of %s", name, exc_info=True)

    def stop(self, signum: int, _frame: object) -> None:
        log.info("signal %s: finishing the current step, then stopping", signum)
        self.stopping = True

    def run(self) -> int:
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        uncertain = self.app.outbox.recover_uncertain()
        if uncertain:
            log.warning("%d message(s) may or may not have been sent before the last stop; not resent", uncertain)
        log.info("running; Ctrl-C or SIGTERM stops")
        self.scheduler.run_all()
        try:
            wait: Callable[[float], bool] | None = getattr(self.app.inbox, "wait", None)
        except Exception:  # the inbox cannot even be opened: the poll job logs why, every time it runs
            wait = None
        while not self.stopping:
            self.scheduler.run_pending()
            pause = min(1.0, max(0.0, self.scheduler.idle_seconds or 1.0))
            if wait is None:
                time.sleep(pause)
                continue
            try:
                arrived = wait(pause)
            except Exception:  # waiting is an optimisation: the scheduled poll still reads the mail
                log.exception("waiting for new mail failed")
                time.sleep(pause)
                continue
            if arrived and not self.stopping:
                self.poll()
                self.drain()
        log.info("stopped")
        return 0
