"""Mail that inbound mail sets off, capped per recipient address per day, whatever set it off.

While one inbound message is handled, the handlers see the outbox only through a `TriggeredOutbox`: every mail they
queue (a reply, a confirmation, a form, a note passed on to a coordinator or a partner) is marked with the ledger id
of that message and counted per recipient address per program day, in `triggered_mail`. Past
`limits.mails_per_address_per_day` for an address, nothing more is queued to it that day: the refusal is counted,
noted among the message's reasons, and the coordinators get one alert per address per day. A thousand mails from one
address, forged or not, bring at most that many back, and a handler written tomorrow is capped without knowing it.

The tick's program mail (prompts, reminders, introductions, the digest) never passes through here and is never
counted. Neither is `Mail.program_mail`, program mail that a person's authenticated answer sets off (the next
mentor asked, the introduction itself). The alert is queued past the cap, but its key names the address and the day,
so it exists once per address per day whatever happens.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

from assistant.clock import iso
from assistant.identity import address_hash
from assistant.outbox import Outbox
from assistant.outbox.enqueue import Mail, enqueue

ALERT_TEMPLATE = "mail_cap_reached"

Recipient = tuple[str, str]


class TriggeredOutbox(Outbox):
    """The outbox as the handlers of one inbound message see it (see the module's docstring)."""

    def __init__(self, outbox: Outbox, ledger_id: int, now: datetime, notes: list[str]):
        super().__init__(outbox.db, outbox.config, outbox.renderer, outbox.clock)
        self.ledger_id, self.now, self.notes = ledger_id, now, notes
        self.day = now.astimezone(self.config.timezone).date().isoformat()  # the program's day, not UTC's
        self.limit = self.config.limits.mails_per_address_per_day

    def enqueue(self, mail: Mail) -> str | None:
        """Queue a mail to the recipients still under the cap today; None when it was queued before, or when
        every `To` recipient has had their share."""
        queued_before, counts = self._look_up(mail)
        if queued_before:  # the same mail again (a retried message) is neither counted nor refused
            return None
        capped = mail if mail.program_mail else self._within_cap(mail, counts)
        if capped is None:
            return None
        message_id = enqueue(
            self.db, self.config, self.renderer, self.clock, capped, triggered_by=self.ledger_id, known_new=True
        )
        if message_id is not None and not capped.program_mail:
            for _, address in [*capped.to, *capped.cc]:
                self._add(address, "queued")
        return message_id

    def _look_up(self, mail: Mail) -> tuple[bool, dict[str, int]]:
        """Whether the key was queued before, and today's count for each recipient, in one statement (a reply's
        cost is counted in statements: tests/test_outcomes.py)."""
        hashes = [address_hash(a) for _, a in [*mail.to, *mail.cc]]
        before, counts = self.db.execute(
            "SELECT EXISTS (SELECT 1 FROM outbox WHERE dedupe_key = ?),"
            " (SELECT json_group_object(address_hash, queued) FROM triggered_mail"
            f" WHERE day = ? AND address_hash IN ({', '.join('?' * len(hashes))}))",
            [mail.key, self.day, *hashes],
        ).fetchone()
        return bool(before), json.loads(counts or "{}")

    def _within_cap(self, mail: Mail, counts: dict[str, int]) -> Mail | None:
        """The mail without the recipients who had their share today; None when no `To` recipient is left."""
        to = [r for r in mail.to if self._room_for(r, mail, counts)]
        cc = [r for r in mail.cc if self._room_for(r, mail, counts)]
        if not to:
            return None
        return mail if (len(to), len(cc)) == (len(mail.to), len(mail.cc)) else replace(mail, to=to, cc=cc)

    def _room_for(self, recipient: Recipient, mail: Mail, counts: dict[str, int]) -> bool:
        if counts.get(address_hash(recipient[1]), 0) < self.limit:
            return True
        self._refuse(recipient, mail)
        return False

    def _refuse(self, recipient: Recipient, mail: Mail) -> None:
        address = recipient[1]
        self._add(address, "refused")
        self.notes.append(
            f"{mail.template} not sent to {address}: {self.limit} mails set off by inbound mail already went there"
            f" on {self.day} (limits.mails_per_address_per_day)"
        )
        # Claimed in the same statement that checks it: one alert per address per day, however many refusals.
        first = self.db.execute(
            "UPDATE triggered_mail SET alerted_at = ? WHERE day = ? AND address_hash = ? AND alerted_at IS NULL"
            " RETURNING 1",
            (iso(self.now), self.day, address_hash(address)),
        ).fetchall()
        if first:
            self._alert(recipient)

    def _alert(self, recipient: Recipient) -> None:
        """Tell the coordinators, once per address per day. Queued past the cap (it must reach them even when the
        capped address is a coordinator's), keyed by day and address hash so that nothing can queue it twice."""
        coordinators = [(c.name, c.email) for c in self.config.coordinators]
        alert = Mail(
            key=f"{ALERT_TEMPLATE}:{self.day}:{address_hash(recipient[1])[:32]}",
            template=ALERT_TEMPLATE,
            to=coordinators,
            context={"name": recipient[0], "address": recipient[1], "limit": self.limit},
        )
        enqueue(self.db, self.config, self.renderer, self.clock, alert, triggered_by=self.ledger_id)

    def _add(self, address: str, column: str) -> None:
        """One more mail queued (or refused) to this address today. `column` is one of ours, never from mail."""
        self.db.execute(
            f"INSERT INTO triggered_mail (day, address_hash, {column}) VALUES (?, ?, 1)"
            f" ON CONFLICT (day, address_hash) DO UPDATE SET {column} = {column} + 1",
            (self.day, address_hash(address)),
        )
