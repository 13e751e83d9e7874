"""The long-running loop: `schedule` runs poll, tick and drain; each job logs its error and the loop goes on.

SIGTERM or SIGINT lets the current step finish, then the loop exits cleanly (exit code 0).
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
    def __init__(self, app: App, poll_seconds: int = 30, tick_seconds: int = 60, drain_seconds: int = 15):
        self.app = app
        self.stopping = False
        self.scheduler = schedule.Scheduler()
        self.scheduler.every(poll_seconds).seconds.do(self._job("poll", app.poll))
        self.scheduler.every(tick_seconds).seconds.do(self._job("tick", app.tick))
        self.scheduler.every(drain_seconds).seconds.do(self._job("drain", app.drain))

    def _job(self, name: str, step: Callable[[CycleReport], None]) -> Callable[[], None]:
        def run() -> None:
            report = CycleReport()
            try:
                step(report)
            except Exception:  # a failing step must not stop the program; it is retried on its next turn
                log.exception("%s failed; will try again", name)
                return
            log.debug("%s: %s", name, report.line())

        return run

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
        while not self.stopping:
            self.scheduler.run_pending()
            time.sleep(min(1.0, max(0.0, self.scheduler.idle_seconds or 1.0)))
        log.info("stopped")
        return 0
