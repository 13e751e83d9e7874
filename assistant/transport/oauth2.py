"""OAuth2 for IMAP and SMTP (XOAUTH2): a fresh access token whenever a server asks for a login.

The refresh token lives in one file per mailbox, written by `mentor-assistant auth microsoft|google` and readable
only by its owner (a file that group or others can read is refused, never used). The token requests themselves are
the providers' own libraries: msal for Microsoft (its serialized token cache is the file's content) and google-auth
for Google (the authorized-user JSON it reads and writes). This module only decides when to ask, keeps the file
private and whole (written to a temporary file, fsynced, renamed), and says what went wrong in words a person can
act on (`TokenError`).

An access token is reused from memory until it is 5 minutes from expiry; then the file is read again under a lock
(another process, or the SMTP side sharing the file, may have refreshed it meanwhile), refreshed if still needed, and
the rotated refresh token saved before it is used.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import stat
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from assistant.config import OAuth2Config

HTTP_TIMEOUT = 30.0  # seconds for one request to the provider: a hung endpoint must not stall the poll forever
REFRESH_MARGIN = 300.0  # seconds: refresh a token this close to expiry, so a login never races its end
MICROSOFT_AUTHORITY = "https://login.microsoftonline.com"
MICROSOFT_SCOPES = ("https://outlook.office.com/IMAP.AccessAsUser.All", "https://outlook.office.com/SMTP.Send")
GOOGLE_SCOPES = ("https://mail.google.com/",)  # the only Gmail scope that allows IMAP and SMTP
FORMAT = 1  # the token file's own version, beside what the provider's library keeps in it
# Errors that no retry mends: the refresh token was revoked or expired, or the app is not (or no longer) allowed.
LASTING_ERRORS = {"invalid_grant", "interaction_required", "invalid_client", "unauthorized_client", "invalid_scope"}


class TokenError(Exception):
    """No access token could be had: what failed, and what to do. `lasting`: waiting will not mend it."""

    def __init__(self, detail: str, advice: str, *, lasting: bool = True):
        super().__init__(detail)
        self.detail, self.advice, self.lasting = detail, advice, lasting


def auth_command(config: OAuth2Config, config_path: Path | str | None = None) -> str:
    where = f" --config {config_path}" if config_path else ""
    return f"mentor-assistant{where} auth {config.provider}"


def xoauth2(username: str, token: str) -> str:
    """The SASL XOAUTH2 initial response (Google's and Microsoft's format), before base64."""
    return f"user={username}\x01auth=Bearer {token}\x01\x01"


def xoauth2_b64(username: str, token: str) -> str:
    return base64.b64encode(xoauth2(username, token).encode()).decode("ascii")


# ---- the token file -------------------------------------------------------------------------------------------


def read_token_file(path: Path, rerun: str) -> dict[str, Any]:
    """The file's JSON; refused when missing, unreadable, not ours to keep private, or not JSON."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise TokenError(
            f"the token file {path} does not exist", f"Run `{rerun}` once to sign in and write it."
        ) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise TokenError(
            f"the token file {path} can be read or changed by others (mode {stat.S_IMODE(mode):03o})",
            f"It holds a refresh token: make it private with `chmod 600 {path}` (and check who could have read it).",
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise TokenError(f"the token file {path} cannot be read ({exc})", f"Run `{rerun}` again.") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise TokenError(f"the token file {path} is not one `mentor-assistant auth` wrote", f"Run `{rerun}` again.")
    return data


def write_token_file(path: Path, data: dict[str, Any]) -> None:
    """Atomically, owner-only from the first byte: a temporary file (0600) beside it, fsynced, then renamed."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new secrets folder is private too
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)  # mkstemp creates it 0600
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    with contextlib.suppress(OSError):  # the rename itself must survive a power cut too
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """One writer at a time per token file, across processes: a refresh, or a new sign-in (the rename replaces the
    file, so the lock is a file beside it, `NAME.lock`)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


# ---- fresh access tokens ----------------------------------------------------------------------------------------


class AccessTokens:
    """Fresh access tokens for one mailbox: `token()` before each login."""

    def __init__(self, config: OAuth2Config, username: str, *, clock: Callable[[], float] = time.time):
        self.config, self.username, self.clock = config, username, clock
        self.rerun = auth_command(config)
        self._token, self._expires_at = "", 0.0
        self._provider: _Microsoft | _Google = _Microsoft(config) if config.provider == "microsoft" else _Google(config)

    def token(self) -> str:
        if self._token and self._expires_at - self.clock() > REFRESH_MARGIN:
            return self._token
        path = self.config.token_file
        try:
            with locked(path):
                data = read_token_file(path, self.rerun)
                self._check_owner(data)
                token, expires_at, changed = self._provider.fresh(data, self.username, self.clock(), self.rerun)
                if changed:
                    write_token_file(path, data)
        except OSError as exc:  # its folder not writable (the lock, the rotated token), or the disk full
            raise TokenError(
                f"the token file {path} cannot be kept up to date ({exc.strerror or exc})",
                f"The assistant must be able to write in {path.parent}: run it as the user who ran `{self.rerun}`.",
            ) from None
        self._token, self._expires_at = token, expires_at
        return token

    def forget(self) -> None:
        """The server refused the token: ask again next time instead of offering the same one."""
        self._token, self._expires_at = "", 0.0

    def _check_owner(self, data: dict[str, Any]) -> None:
        if data.get("provider") != self.config.provider:
            raise TokenError(
                f"the token file {self.config.token_file} is for {data.get('provider')}, not {self.config.provider}",
                f"Name another `token_file`, or run `{self.rerun}`.",
            )
        wanted = self.config.client_id
        if wanted and data.get("client_id") != wanted:
            raise TokenError(
                f"the token file {self.config.token_file} was written for another app (client_id)",
                f"Run `{self.rerun}` again with this config.",
            )


def _refresh_failed(error: str, description: str, rerun: str) -> TokenError:
    if error in LASTING_ERRORS:
        return TokenError(
            f"the sign-in was refused ({error}: {description})",
            f"The refresh token was revoked or has expired, or the app lost its permission: run `{rerun}` again.",
        )
    return TokenError(
        f"the token endpoint failed ({error}: {description})",
        "It will be tried again by itself; if it lasts, check the network.",
        lasting=False,
    )


def _unreachable(exc: BaseException) -> TokenError:
    detail = " ".join(str(exc).split())[:300] or type(exc).__name__
    advice = "It will be tried again by itself; if it lasts, check the network (and any proxy) to the provider."
    return TokenError(f"cannot reach the token endpoint ({detail})", advice, lasting=False)


class _Microsoft:
    """msal's PublicClientApplication over the token file's serialized cache; built once (it fetches the
    authority's OpenID configuration), its cache reloaded from the file before each refresh."""

    def __init__(self, config: OAuth2Config):
        self.config = config
        self._app: Any = None
        self._cache: Any = None

    def fresh(self, data: dict[str, Any], username: str, now: float, rerun: str) -> tuple[str, float, bool]:
        import requests

        try:
            app = self._application()
            self._cache.deserialize(data.get("msal_cache") or "{}")
            accounts = app.get_accounts(username=username) or app.get_accounts()
            if not accounts:
                raise TokenError(f"the token file holds no sign-in for {username}", f"Run `{rerun}` again.")
            result = app.acquire_token_silent_with_error(list(MICROSOFT_SCOPES), account=accounts[0])
        except requests.RequestException as exc:
            raise _unreachable(exc) from None
        except ValueError as exc:  # msal's word for an authority whose OpenID configuration could not be had
            raise TokenError(
                f"the sign-in authority refused us ({' '.join(str(exc).split())[:300]})",
                "Check `tenant` (your tenant's id or domain) and `authority` in the oauth2 block.",
            ) from None
        if not result or "access_token" not in result:
            result = result or {"error": "no_token", "error_description": "no token for these scopes in the file"}
            raise _refresh_failed(str(result.get("error")), str(result.get("error_description", "")), rerun)
        changed = self._cache.has_state_changed
        if changed:
            data["msal_cache"] = self._cache.serialize()
            self._cache.has_state_changed = False
        return result["access_token"], now + float(result.get("expires_in", 0)), changed

    def _application(self) -> Any:
        if self._app is None:
            self._cache, self._app = microsoft_application(self.config)
        return self._app


def microsoft_application(config: OAuth2Config) -> tuple[Any, Any]:
    """(token cache, msal.PublicClientApplication) for this config. Instance discovery is off: the authority is the
    one configured, whose OpenID configuration msal reads (a national cloud, or a test's loopback server)."""
    import msal

    cache = msal.SerializableTokenCache()
    authority = f"{(config.authority or MICROSOFT_AUTHORITY).rstrip('/')}/{config.tenant}"
    app = msal.PublicClientApplication(
        config.client_id, authority=authority, token_cache=cache, instance_discovery=False, timeout=HTTP_TIMEOUT
    )
    return cache, app


class _Google:
    """google-auth's Credentials from the authorized-user JSON in the file (client id and secret, refresh token),
    refreshed with its Request transport. google-auth ignores a token endpoint named in the file (a file must not send
    the refresh token elsewhere); only the config's `token_uri` may, for a test server."""

    def __init__(self, config: OAuth2Config):
        self.config = config

    def fresh(self, data: dict[str, Any], username: str, now: float, rerun: str) -> tuple[str, float, bool]:
        from google.auth import exceptions
        from google.auth.transport.requests import Request
        from google.oauth2.credentials import Credentials

        info = data.get("google") or {}
        try:
            credentials = Credentials.from_authorized_user_info(info, scopes=list(GOOGLE_SCOPES))
        except ValueError as exc:
            raise TokenError(f"the token file is incomplete ({exc})", f"Run `{rerun}` again.") from None
        expires_at = _epoch(credentials.expiry)
        if self.config.token_uri:  # the copy keeps no expiry: it is only needed for the refresh
            credentials = credentials.with_token_uri(self.config.token_uri)
        if credentials.token and expires_at - now > REFRESH_MARGIN:
            return credentials.token, expires_at, False
        try:
            credentials.refresh(Request())
        except exceptions.RefreshError as exc:
            error, description = _google_error(exc)
            raise _refresh_failed(error, description, rerun) from None
        except exceptions.TransportError as exc:
            raise _unreachable(exc) from None
        data["google"] = json.loads(credentials.to_json())
        return credentials.token, _epoch(credentials.expiry), True


def _epoch(expiry: datetime | None) -> float:
    """google-auth keeps expiry as a naive UTC datetime."""
    return expiry.replace(tzinfo=UTC).timestamp() if expiry else 0.0


def _google_error(exc: BaseException) -> tuple[str, str]:
    """RefreshError carries the endpoint's JSON as its second argument, when there was one."""
    body = exc.args[1] if len(exc.args) > 1 else None
    if isinstance(body, dict) and body.get("error"):
        return str(body["error"]), str(body.get("error_description", ""))
    text = str(exc.args[0]) if exc.args else str(exc)
    error = text.split(":", 1)[0].strip() if ":" in text else "refresh_failed"
    return error, text


# ---- logging in with a token --------------------------------------------------------------------------------------


def imap_login(client: Any, username: str, tokens: AccessTokens) -> None:
    """AUTHENTICATE XOAUTH2 on an imapclient connection; a refused token is not offered again."""
    from imapclient.exceptions import LoginError

    token = tokens.token()
    try:
        client.oauth2_login(username, token)
    except LoginError:
        tokens.forget()
        raise


def smtp_login(smtp: Any, username: str, tokens: AccessTokens) -> None:
    """AUTH XOAUTH2 on an smtplib connection. A refused token gets a 334 challenge carrying the error (JSON); the
    answer to it is an empty line, after which the server says 535."""
    import smtplib

    token = tokens.token()
    smtp.ehlo_or_helo_if_needed()
    if "XOAUTH2" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise smtplib.SMTPNotSupportedError("the server does not offer AUTH XOAUTH2 (after STARTTLS, if any)")

    def respond(challenge: bytes | None = None) -> str:
        return xoauth2(username, token) if challenge is None else ""

    try:
        smtp.auth("XOAUTH2", respond)
    except smtplib.SMTPAuthenticationError:
        tokens.forget()
        raise
