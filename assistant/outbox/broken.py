"""A template that fails when its mail is written stops only that mail: the rest of the tick goes on, and the
coordinators hear of it once a day (per problem), in a mail whose own template is not the broken one.

`check` renders every template beforehand, so this is for what slips through: a template edited while the
assistant runs and read at its next start, or a value of a shape nobody foresaw.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import datetime

from assistant.config import Config
from assistant.outbox import Mail, Outbox
from assistant.render import TemplateError

log = logging.getLogger(__name__)
ALERT_TEMPLATE = "template_failed"
_said: set[str] = set()  # errors logged in full in this process; the tick retries each minute, quietly after that


def guarded(outbox: Outbox, config: Config, now: datetime, what: str, step: Callable[[], int]) -> int:
    """`step()`, or 0 when a template failed in it (its transaction rolled back: tried again next tick)."""
    try:
        return step()
    except TemplateError as exc:
        level = logging.DEBUG if str(exc) in _said else logging.ERROR
        _said.add(str(exc))
        log.log(level, "%s did not go out: %s", what, exc)
        _alert(outbox, config, now, what, str(exc))
        return 0


def _alert(outbox: Outbox, config: Config, now: datetime, what: str, error: str) -> None:
    problem = hashlib.sha256(error.encode()).hexdigest()[:16]
    mail = Mail(
        key=f"template-failed:{now.date().isoformat()}:{problem}",
        template=ALERT_TEMPLATE,
        to=[(c.name, c.email) for c in config.coordinators],
        context={"what": what, "error": error},
    )
    try:
        outbox.enqueue(mail)
    except TemplateError as exc:  # the alert's own template is broken too: the log is all that is left
        log.error("the coordinators could not be told either: %s", exc)
