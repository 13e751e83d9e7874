"""IMAP inbox: TLS, a (UIDVALIDITY, last UID) checkpoint, BODY.PEEK[] in batches, IDLE with poll fallback.

The order that makes it crash-safe: `fetch` yields messages without touching them on the server (BODY.PEEK[] leaves
\\Seen alone); the ledger commits each one; only then `mark_processed` queues it to be moved to `processed_folder`
(MOVE, or COPY + \\Deleted + UID EXPUNGE) or flagged `$MentorProcessed`. Moves are sent a batch at a time and the
checkpoint is saved after them, so a crash anywhere leaves the message either still in the folder (fetched again,
skipped by the ledger's Message-ID dedupe, then moved) or already moved. Never lost, never handled twice.

A changed UIDVALIDITY means the server renumbered the folder: the checkpoint restarts from 0 and the ledger's
dedupe makes the resync re-run nothing. Network errors put the inbox into an outage: one warning, then reconnect
attempts with exponential backoff and jitter (logged at debug level), and one line when it is back.

Mail the caller could not handle is moved to `quarantine_folder` when it asks (`quarantine`, by Message-ID).
The checkpoint, the connection state, the last poll and the last error are handed to a `Checkpoint` (base.py):
where they are kept is the caller's business.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import os
import random
import ssl
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from imapclient import IMAPClient

from assistant.config import ConfigError, ImapConfig
from assistant.transport.base import Checkpoint, Incoming, Position
from assistant.transport.oauth2 import AccessTokens, TokenError, imap_login
from assistant.transport.problems import ConnectionProblem, diagnose

log = logging.getLogger(__name__)

PROCESSED_FLAG = b"$MentorProcessed"
SEEN = b"\\Seen"
DELETED = b"\\Deleted"
BATCH = 200
IDLE_RENEW_SECONDS = 25 * 60  # RFC 2177: servers may drop an IDLE after 30 minutes; renew well before
BACKOFF_START, BACKOFF_MAX = 1.0, 300.0
TIMEOUT = 60.0
NETWORK_ERRORS = (OSError, imaplib.IMAP4.error)  # abort/readonly/LoginError are subclasses of IMAP4.error


class MissingSecret(ConfigError):
    """The environment variable that should hold a password or token is not set."""

    def __init__(self, key: str, variable: str, what: str):
        super().__init__(key, None, f"the environment variable {variable} is not set; it must hold {what}")


def secret_from_env(key: str, variable: str, what: str) -> str:
    value = os.environ.get(variable)
    if not value:
        raise MissingSecret(key, variable, what)
    return value


def tls_context(ca_file: Any) -> ssl.SSLContext:
    """Certificate and host name verified, against the system's CAs or the configured CA file."""
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


class ImapInbox:
    def __init__(
        self,
        config: ImapConfig,
        checkpoint: Checkpoint,
        *,
        batch: int = BATCH,
        timeout: float = TIMEOUT,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
    ):
        self.config, self.checkpoint, self.batch, self.timeout = config, checkpoint, batch, timeout
        self.sleep, self.monotonic, self.jitter = sleep, monotonic, jitter
        self.name = f"imap://{config.username}@{config.host}:{config.port}/{config.folder}"
        who = f"the IMAP {{}} for {config.username}@{config.host}"
        self.tokens = AccessTokens(config.oauth2, config.username) if config.oauth2 else None
        if config.oauth2:
            self._secret = ("oauth2", "", who.format("OAuth2 token"))
        elif config.oauth2_token_env:
            self._secret = ("oauth2", config.oauth2_token_env, who.format("OAuth2 access token"))
        elif config.password_env:
            self._secret = ("password", config.password_env, who.format("password"))
        else:
            raise ConfigError("inbox", None, "an IMAP inbox needs `password_env` (or `oauth2`)")
        key = "inbox.oauth2_token_env" if config.oauth2_token_env else "inbox.password_env"
        if not config.oauth2:  # the token file is read at each login: a missing one is a login problem, with advice
            secret_from_env(key, self._secret[1], self._secret[2])  # fail at start-up, not at the first poll
        self._secret_key = key
        self.client: IMAPClient | None = None
        self.capabilities: set[str] = set()
        self.disabled_capabilities: set[str] = set()  # e.g. {"MOVE"}: behave as with a server without it
        self.uidvalidity: int | None = None
        self.last_uid = 0
        self._pending: list[int] = []  # in the ledger, not yet moved or flagged on the server
        self._idle_since: float | None = None
        self._failures = 0
        self._retry_at = 0.0
        self.problem: ConnectionProblem | None = None  # why the server cannot be used now (None: connected or unknown)

    # ---- the Inbox protocol -------------------------------------------------------------------------------------

    def fetch(self) -> Iterator[Incoming]:
        """New messages (UID above the checkpoint), oldest first, read with BODY.PEEK[] a batch at a time."""
        if not self._ready():
            return
        try:
            uids = self._new_uids()
            self.checkpoint.polled(self.name)
        except NETWORK_ERRORS as exc:
            self._outage(exc)
            return
        for start in range(0, len(uids), self.batch):
            chunk = uids[start : start + self.batch]
            try:
                self.flush()
                data = self.client.fetch(chunk, [b"BODY.PEEK[]"]) if self.client else {}
            except NETWORK_ERRORS as exc:
                self._outage(exc)
                return
            for uid in chunk:
                parts = data.get(uid)
                if parts is None or b"BODY[]" not in parts:  # expunged by someone else meanwhile
                    continue
                yield Incoming(
                    key=str(uid), raw=bytes(parts[b"BODY[]"]), mailbox=self.config.folder, uidvalidity=self.uidvalidity
                )
                if self.client is None:
                    return
        try:
            self.flush()
        except NETWORK_ERRORS as exc:
            self._outage(exc)

    def mark_processed(self, item: Incoming) -> None:
        """The message is in the ledger: move or flag it with the next batch, then advance the checkpoint."""
        if item.uidvalidity != self.uidvalidity or self.client is None:
            return  # renumbered or reconnected since: it will be fetched again, deduped and marked then
        self._pending.append(int(item.key))
        if len(self._pending) >= self.batch:
            try:
                self.flush()
            except NETWORK_ERRORS as exc:
                self._outage(exc)

    def close(self) -> None:
        if self.client is not None:
            try:
                self._end_idle()
                self.flush()
                self.client.logout()
            except NETWORK_ERRORS as exc:
                log.debug("IMAP logout from %s: %s", self.name, exc)
            self.client = None
            self.checkpoint.disconnected(self.name)

    # ---- marking ------------------------------------------------------------------------------------------------

    def flush(self) -> None:
        """Move or flag the messages the ledger has, then save the checkpoint past them."""
        if not self._pending or self.client is None:
            return
        uids = sorted(self._pending)
        self._end_idle()
        self._mark(uids)
        self._pending = []
        self.last_uid = max(self.last_uid, uids[-1])
        self.checkpoint.save(self.name, Position(self.uidvalidity, self.last_uid))

    def _mark(self, uids: list[int]) -> None:
        client = self.client
        assert client is not None
        target = self.config.processed_folder
        if target:
            self._move(uids, target)
        else:
            client.add_flags(uids, [PROCESSED_FLAG, SEEN], silent=True)

    def _move(self, uids: list[int], target: str) -> None:
        client = self.client
        assert client is not None
        if self._has("MOVE"):
            client.move(uids, target)
            return
        client.copy(uids, target)
        self._delete(uids)

    # ---- the quarantine folder ---------------------------------------------------------------------------------

    @property
    def folder(self) -> str:
        return self.config.folder

    @property
    def quarantine_folder(self) -> str | None:
        return self.config.quarantine_folder

    def quarantine(self, message_ids: Sequence[str]) -> dict[str, bool]:
        """Move these messages to `quarantine_folder`, found by Message-ID where handled mail went (the processed
        folder, or this one). Returns whether each one tried was found; an outage leaves the rest untried."""
        target = self.config.quarantine_folder
        found: dict[str, bool] = {}
        if not target or not message_ids or not self._ready():
            return found
        try:
            self.flush()  # pending UIDs belong to the selected folder: move them before selecting another
            with self._selected(self.config.processed_folder or self.config.folder) as client:
                for message_id in message_ids:
                    uids = client.search(["HEADER", "Message-ID", message_id])
                    if uids:
                        self._move(sorted(uids), target)
                    found[message_id] = bool(uids)
        except NETWORK_ERRORS as exc:
            self._outage(exc)
        return found

    def expunge(self, message_ids: Sequence[str]) -> dict[str, bool]:
        """Remove these messages for good from every folder this inbox reads or moved mail to, found by Message-ID:
        \\Deleted, then UID EXPUNGE of those UIDs alone. Returns whether each one tried was found; an outage leaves
        the rest untried."""
        found: dict[str, bool] = {}
        if not message_ids or not self._ready():
            return found
        folders = dict.fromkeys(
            f for f in (self.config.folder, self.config.processed_folder, self.config.quarantine_folder) if f
        )
        try:
            self.flush()  # pending UIDs belong to the selected folder: move them before selecting another
            hits = {message_id: False for message_id in message_ids}
            for folder in folders:
                with self._selected(folder) as client:
                    for message_id in message_ids:
                        uids = client.search(["HEADER", "Message-ID", message_id])
                        if uids:
                            self._delete(sorted(uids))
                            hits[message_id] = True
            found = hits
        except NETWORK_ERRORS as exc:
            self._outage(exc)
        return found

    def _delete(self, uids: list[int]) -> None:
        client = self.client
        assert client is not None
        client.add_flags(uids, [DELETED], silent=True)
        if self._has("UIDPLUS"):
            client.uid_expunge(uids)
        else:  # plain EXPUNGE also removes whatever else is marked \Deleted: the best a server without UIDPLUS allows
            client.expunge()

    @contextlib.contextmanager
    def _selected(self, folder: str) -> Iterator[IMAPClient]:
        """Another folder selected for a while, then ours again (its UIDVALIDITY checked as always)."""
        client = self.client
        assert client is not None
        if folder == self.config.folder:
            yield client
            return
        client.select_folder(folder)
        try:
            yield client
        finally:
            self._select()

    # ---- waiting for mail ---------------------------------------------------------------------------------------

    def wait(self, timeout: float) -> bool:
        """Block up to `timeout` seconds for new mail. True when something arrived (or the connection came back and
        mail may have arrived meanwhile): fetch now. Uses IDLE when the server has it, and stays in IDLE between
        calls; without IDLE it just sleeps and the scheduled poll does the work."""
        was_down = self.client is None
        if not self._ready(end_idle=False):
            self.sleep(max(0.0, min(timeout, self._retry_at - self.monotonic())))
            return False
        if not (self.config.idle and self._has("IDLE")):
            self.sleep(timeout)
            return was_down
        client = self.client
        assert client is not None
        try:
            if self._idle_since is not None and self.monotonic() - self._idle_since > IDLE_RENEW_SECONDS:
                self._end_idle()
            if self._idle_since is None:
                client.idle()
                self._idle_since = self.monotonic()
                log.debug("IMAP %s: waiting for new mail (IDLE)", self.name)
            started = time.monotonic()
            responses = client.idle_check(timeout=timeout)
            # idle_check swallows end-of-file: woken early with nothing to show means the socket may be closed.
            woke_empty = not responses and time.monotonic() - started < timeout * 0.9
        except NETWORK_ERRORS as exc:  # includes imaplib's abort on a partly received line (an imapclient bug)
            self._idle_since = None
            self._outage(exc)
            return False
        arrived = woke_empty or any(len(r) >= 2 and r[1] in (b"EXISTS", b"RECENT") for r in responses)
        if arrived:
            log.debug("IMAP %s: new mail announced in IDLE", self.name)
            try:
                self._end_idle()
            except NETWORK_ERRORS as exc:
                self._outage(exc)
                return False
        return arrived or was_down

    def _end_idle(self) -> None:
        if self._idle_since is not None and self.client is not None:
            self._idle_since = None
            self.client.idle_done()

    # ---- connection ---------------------------------------------------------------------------------------------

    def _ready(self, end_idle: bool = True) -> bool:
        """Connected and the folder selected; reconnects when the backoff allows. False during an outage."""
        if self.client is not None:
            if not end_idle:
                return True
            try:
                self._end_idle()
            except NETWORK_ERRORS as exc:
                self._outage(exc)
                return False
            return True
        if self.monotonic() < self._retry_at:
            return False
        try:
            self._connect()
        except (*NETWORK_ERRORS, TokenError) as exc:
            self._outage(exc)
            return False
        if self._failures:
            log.info("IMAP %s: connected again after %d failed attempt(s)", self.name, self._failures)
        self._failures, self.problem = 0, None
        self.checkpoint.connected(self.name)
        return True

    def _connect(self) -> None:
        config = self.config
        secret = "" if self.tokens else secret_from_env(self._secret_key, self._secret[1], self._secret[2])
        if config.tls == "imaps":
            client = IMAPClient(
                config.host, config.port, ssl=True, ssl_context=tls_context(config.ca_file), timeout=self.timeout
            )
        else:
            client = IMAPClient(config.host, config.port, ssl=False, timeout=self.timeout)
        try:
            if config.tls == "starttls":
                client.starttls(tls_context(config.ca_file))
            if self.tokens:
                imap_login(client, config.username, self.tokens)
            elif self._secret[0] == "oauth2":
                client.oauth2_login(config.username, secret)
            else:
                client.login(config.username, secret)
            self.capabilities = {c.decode().upper() for c in client.capabilities()}  # after login: the full list
            self.client = client
            for folder in (config.processed_folder, config.quarantine_folder):
                if folder and not client.folder_exists(folder):
                    client.create_folder(folder)
            self._select()
        except BaseException:
            self.client = None
            with contextlib.suppress(OSError):
                client.shutdown()
            raise

    def _select(self) -> None:
        """Select the folder and check its UIDVALIDITY against the checkpoint: a change means resync from 0."""
        client = self.client
        assert client is not None
        info = client.select_folder(self.config.folder)
        validity = int(info[b"UIDVALIDITY"])
        stored = self.checkpoint.load(self.name)
        last = stored.last_uid
        if stored.uidvalidity is not None and stored.uidvalidity != validity:
            log.warning(
                "IMAP %s: UIDVALIDITY changed %s → %s; reading the folder again (the ledger skips what it has)",
                self.name,
                stored.uidvalidity,
                validity,
            )
            self.checkpoint.uidvalidity_changed(self.name, stored.uidvalidity, validity)
            last = 0
        if self.uidvalidity != validity:
            self._pending = []
        self.uidvalidity, self.last_uid = validity, last
        self.checkpoint.save(self.name, Position(validity, last))

    def _new_uids(self) -> list[int]:
        client = self.client
        assert client is not None
        criteria: list[Any] = ["UID", f"{self.last_uid + 1}:*"]
        if not self.config.processed_folder:
            criteria += ["NOT", "KEYWORD", PROCESSED_FLAG.decode()]
        return sorted(uid for uid in client.search(criteria) if uid > self.last_uid)  # n:* can match the last one

    def _has(self, capability: str) -> bool:
        return capability in self.capabilities and capability not in self.disabled_capabilities

    def _outage(self, exc: BaseException) -> None:
        """Drop the connection and back off: 1 s doubling to 5 min, with jitter. One warning per outage."""
        if self.client is not None:
            with contextlib.suppress(OSError):
                self.client.shutdown()
        self.client, self._idle_since, self._pending = None, None, []
        self._failures += 1
        delay = min(BACKOFF_MAX, BACKOFF_START * 2 ** (self._failures - 1)) * (0.5 + self.jitter() / 2)
        self._retry_at = self.monotonic() + delay
        error = f"{type(exc).__name__}: {exc}"[:500]
        config = self.config
        self.problem = diagnose(exc, "IMAP", config.host, config.port, self._secret[1], config.oauth2)
        if self._failures == 1 and self.problem.lasting:  # waiting will not mend it: say so as an error
            log.error("%s (retrying with backoff)", self.problem.line())
        elif self._failures == 1:
            log.warning("IMAP %s unavailable (%s); retrying with backoff, quietly until it is back", self.name, error)
        else:
            log.debug(
                "IMAP %s still unavailable (attempt %d, next in %.1f s): %s", self.name, self._failures, delay, error
            )
        self.checkpoint.disconnected(self.name, error)
