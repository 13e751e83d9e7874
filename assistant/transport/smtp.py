"""SMTP sender: one connection per drain, SSL or STARTTLS (verified), AUTH, and a send rate.

What `send` reports (Sent and SendError in transport/base.py):
  connect, AUTH, network error before end-of-data, any 4xx  → SendError (temporary)
  5xx to MAIL FROM or DATA                                   → SendError(permanent)
  every RCPT refused                                         → SendError(refused=each with its code), permanent
                                                               when every refusal is a 5xx
  some RCPTs refused, others accepted                        → Sent(accepted, refused): the message went to the
                                                               accepted ones (resending would give them a second copy)
  timeout or disconnect after the end-of-data dot was written → SendError(uncertain): it may have been accepted

The connection opens on the first send and stays open until `close()`; a connection the server dropped between
drains is reopened once, transparently, before anything was sent on it.
"""

from __future__ import annotations

import logging
import re
import smtplib
import time
from collections.abc import Callable, Sequence

from assistant.config import ConfigError, SmtpConfig
from assistant.transport.base import ConnectError, Refusal, SendError, Sent
from assistant.transport.imap import secret_from_env, tls_context
from assistant.transport.oauth2 import AccessTokens, TokenError, smtp_login
from assistant.transport.problems import ConnectionProblem, diagnose

log = logging.getLogger(__name__)
TIMEOUT = 60.0
BACKOFF_START, BACKOFF_MAX = 15.0, 900.0  # a refused login is not retried every drain: servers lock accounts out
CRLF = b"\r\n"
_EOL = re.compile(rb"\r\n|\r(?!\n)|\n")
_DOT = re.compile(rb"(?m)^\.")


class SmtpOutbound:
    def __init__(
        self,
        config: SmtpConfig,
        *,
        timeout: float = TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.config, self.timeout, self.sleep, self.monotonic = config, timeout, sleep, monotonic
        self.password: str | None = None
        self.tokens = AccessTokens(config.oauth2, config.username) if config.oauth2 and config.username else None
        if config.username and not self.tokens:
            if not config.password_env:
                raise ConfigError("outbound", None, "an SMTP `username` needs `password_env` (the password's variable)")
            self.password = secret_from_env(
                "outbound.password_env", config.password_env, f"the SMTP password for {config.username}"
            )
        self.smtp: smtplib.SMTP | None = None
        self._fresh = False  # opened for this message: a failure on it is not a stale connection
        self.problem: ConnectionProblem | None = None  # why connecting failed last; kept until it works again
        self._failures = 0
        self._retry_at = 0.0
        self._next_at = 0.0

    # ---- Outbound protocol --------------------------------------------------------------------------------------

    def open(self) -> None:
        """Connect and log in now (ConnectError when the server cannot be used), so a drain learns it before it
        marks any row."""
        self._connection()

    def send(self, raw: bytes, sender: str, recipients: Sequence[str]) -> Sent:
        recipients = [r.strip() for r in recipients if r.strip()]
        if not recipients:
            raise SendError("no recipients", permanent=True)
        self._pace()
        for attempt in (1, 2):
            smtp = self._connection()
            try:
                accepted, refused = self._envelope(smtp, sender, recipients)
                break
            except (smtplib.SMTPServerDisconnected, OSError) as exc:
                self._drop()
                if attempt == 2 or self._fresh:
                    raise SendError(f"SMTP connection lost before the message was sent: {exc}") from None
                log.debug("SMTP connection was stale (%s); reconnecting", exc)
        self._data(smtp, raw)
        if refused:
            log.debug("sent, but some recipients were refused: %s", _describe(refused))
        return Sent(tuple(accepted), tuple(refused))

    def close(self) -> None:
        """End the connection (QUIT); the next send opens a new one."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
        self.smtp = None

    # ---- the conversation ---------------------------------------------------------------------------------------

    def _connection(self) -> smtplib.SMTP:
        if self.smtp is not None:
            self._fresh = False
            return self.smtp
        if self.problem is not None and self.monotonic() < self._retry_at:
            raise ConnectError(self.problem)  # backing off: not another login attempt yet
        smtp = self._connect()
        if self._failures:
            log.info("SMTP %s:%s: connected again after %d failed attempt(s)", self.config.host, self.config.port,
                     self._failures)  # fmt: skip
        self.problem, self._failures = None, 0
        self.smtp, self._fresh = smtp, True
        return smtp

    def _connect(self) -> smtplib.SMTP:
        config = self.config
        smtp: smtplib.SMTP | None = None
        try:
            if config.tls == "ssl":
                smtp = smtplib.SMTP_SSL(
                    config.host, config.port, timeout=self.timeout, context=tls_context(config.ca_file)
                )
            else:
                smtp = smtplib.SMTP(config.host, config.port, timeout=self.timeout)
                if config.tls == "starttls":
                    smtp.starttls(context=tls_context(config.ca_file))
            smtp.ehlo_or_helo_if_needed()
            if self.tokens and config.username:
                smtp_login(smtp, config.username, self.tokens)
            elif config.username and self.password is not None:
                smtp.login(config.username, self.password)
        except (smtplib.SMTPException, OSError, TokenError) as exc:
            if smtp is not None:
                smtp.close()
            raise ConnectError(self._outage(exc)) from None
        return smtp

    def _outage(self, exc: BaseException) -> ConnectionProblem:
        """Remember why, back off (15 s doubling to 15 min), and say it once per outage: as an error when waiting
        will not fix it (a refused login, an untrusted certificate)."""
        config = self.config
        self.problem = diagnose(exc, "SMTP", config.host, config.port, config.password_env or "", config.oauth2)
        self._failures += 1
        self._retry_at = self.monotonic() + min(BACKOFF_MAX, BACKOFF_START * 2 ** (self._failures - 1))
        if self._failures == 1:
            log.log(logging.ERROR if self.problem.lasting else logging.WARNING, "%s", self.problem.line())
        else:
            log.debug("SMTP still unavailable (attempt %d): %s", self._failures, self.problem.detail)
        return self.problem

    def _envelope(self, smtp: smtplib.SMTP, sender: str, recipients: list[str]) -> tuple[list[str], list[Refusal]]:
        """MAIL FROM and RCPT TO: the accepted recipients and the refused ones, or SendError when nobody can get it."""
        code, reply = smtp.mail(sender)
        if code != 250:
            self._rset(smtp)
            raise SendError(f"MAIL FROM refused: {code} {_text(reply)}", permanent=code >= 500)
        accepted, refused = [], []
        for rcpt in recipients:
            code, reply = smtp.rcpt(rcpt)
            if code in (250, 251):
                accepted.append(rcpt)
            else:
                refused.append(Refusal(rcpt, code, _text(reply)))
        if not accepted:
            self._rset(smtp)
            permanent = all(r.permanent for r in refused)
            raise SendError(f"every recipient refused: {_describe(refused)}", permanent=permanent, refused=refused)
        return accepted, refused

    def _data(self, smtp: smtplib.SMTP, raw: bytes) -> None:
        """DATA, the message, the dot. Anything going wrong after the dot was written makes the delivery uncertain."""
        try:
            code, reply = smtp.docmd("DATA")
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise SendError(f"SMTP connection lost before the message was sent: {exc}") from None
        if code != 354:
            self._rset(smtp)
            raise SendError(f"DATA refused: {code} {_text(reply)}", permanent=code >= 500)
        payload = _DOT.sub(b"..", _EOL.sub(CRLF, raw))
        if not payload.endswith(CRLF):
            payload += CRLF
        try:  # one write: a separate small write for the dot would wait on delayed ACKs (Nagle), ~40 ms a message
            smtp.send(payload + b"." + CRLF)
        except (smtplib.SMTPServerDisconnected, OSError) as exc:  # not all written, so no final dot: discarded
            self._drop()
            raise SendError(f"SMTP connection lost while sending the message: {exc}") from None
        try:
            code, reply = smtp.getreply()
        except (smtplib.SMTPServerDisconnected, OSError) as exc:
            self._drop()
            raise SendError(f"no reply after end-of-data (it may have been accepted): {exc}", uncertain=True) from None
        if code != 250:
            self._rset(smtp)
            raise SendError(f"message refused after DATA: {code} {_text(reply)}", permanent=code >= 500)

    def _rset(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.rset()
        except (smtplib.SMTPException, OSError):
            self._drop()

    def _drop(self) -> None:
        if self.smtp is not None:
            self.smtp.close()
        self.smtp = None

    # ---- pacing -------------------------------------------------------------------------------------------------

    def _pace(self) -> None:
        """At most rate_per_minute messages a minute, evenly spaced; up to one second's worth may go at once."""
        interval = 60.0 / self.config.rate_per_minute
        burst = max(1.0, self.config.rate_per_minute / 60)
        now = self.monotonic()
        self._next_at = max(self._next_at, now - (burst - 1) * interval)
        if self._next_at > now:
            self.sleep(self._next_at - now)
        self._next_at += interval


def _text(reply: bytes | str) -> str:
    return (reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply).replace("\n", " ")[:300]


def _describe(refused: Sequence[Refusal]) -> str:
    return "; ".join(f"{r.address}: {r.code} {r.text}" for r in refused)
