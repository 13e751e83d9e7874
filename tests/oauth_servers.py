"""OAuth2 on loopback for the tests: a token endpoint playing Microsoft's and Google's, a Dovecot that takes XOAUTH2,
and an aiosmtpd that takes it too. No provider is reached, and nothing on the token path is mocked: msal,
google-auth and google-auth-oauthlib make real HTTPS requests to `IdentityProvider`.

`IdentityProvider` (one per session) serves, over HTTPS with the suite's self-signed certificate (trusted through
REQUESTS_CA_BUNDLE, as requests reads it):
  /{tenant}/v2.0/.well-known/openid-configuration   what msal reads first (instance discovery is off)
  /{tenant}/oauth2/v2.0/devicecode                    the device code flow's first step
  /{tenant}/oauth2/v2.0/token  and  /token            the token endpoint: device_code, authorization_code and
                                                      refresh_token grants; refresh tokens rotate on every use
  /authorize                                          Google's consent page, which redirects at once
and, over plain HTTP, /introspect (RFC 7662) for Dovecot's oauth2 passdb. It keeps which access tokens are live and
whose they are, counts the requests, and can revoke a refresh token.

PYTEST_DONT_REWRITE
"""

from __future__ import annotations

import base64
import json
import secrets
import shutil
import ssl
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult

from tests.servers import Dovecot, Recorder, SmtpServer, _dovecot_binary, free_port, start_dovecot

CLIENT_ID = "11111111-2222-3333-4444-555555555555"
CLIENT_SECRET = "test-client-secret"
TENANT_ID = "99999999-8888-7777-6666-555555555555"
MICROSOFT_SCOPE = "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send"
GOOGLE_SCOPE = "https://mail.google.com/"


def _b64url(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@dataclass
class Account:
    username: str
    refresh_token: str
    revoked: bool = False


@dataclass
class IdentityProvider:
    """The state behind the endpoints; the handler below reads and changes it under `lock`."""

    base: str = ""  # https://localhost:PORT
    introspection_url: str = ""
    expires_in: int = 3600
    accounts: list[Account] = field(default_factory=list)
    access: dict[str, tuple[str, float]] = field(default_factory=dict)  # access token → (username, expires at)
    codes: dict[str, str] = field(default_factory=dict)  # authorization code → username
    requests: Counter = field(default_factory=Counter)  # grant type (or path) → how many
    device_user: str = ""  # who "signs in" on the device code page
    lock: threading.RLock = field(default_factory=threading.RLock)
    servers: list[ThreadingHTTPServer] = field(default_factory=list)

    def sign_up(self, username: str) -> Account:
        with self.lock:
            account = Account(username, secrets.token_urlsafe(16))
            self.accounts.append(account)
            return account

    def revoke(self, username: str) -> None:
        with self.lock:
            for account in self.accounts:
                if account.username == username:
                    account.revoked = True
            self.access = {t: v for t, v in self.access.items() if v[0] != username}

    def google_client_secrets(self, folder: Path) -> Path:
        path = folder / "client_secret.json"
        installed = {
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "auth_uri": f"{self.base}/authorize",
            "token_uri": f"{self.base}/token",
            "redirect_uris": ["http://localhost"],
        }
        path.write_text(json.dumps({"installed": installed}))
        return path

    # ---- what the endpoints do ----------------------------------------------------------------------------------

    def tokens(self, account: Account, scope: str = MICROSOFT_SCOPE) -> dict[str, Any]:
        """Issue an access token, and rotate the refresh token (as Microsoft does on every use)."""
        account.refresh_token = secrets.token_urlsafe(16)
        access = "at-" + secrets.token_urlsafe(16)
        self.access[access] = (account.username, time.time() + self.expires_in)
        claims = {
            "iss": f"{self.base}/{TENANT_ID}/v2.0",
            "aud": CLIENT_ID,
            "tid": TENANT_ID,
            "oid": account.username,
            "sub": account.username,
            "preferred_username": account.username,
            "iat": int(time.time()),
            "exp": int(time.time()) + 3600,
        }
        return {
            "token_type": "Bearer",
            "scope": scope,
            "expires_in": self.expires_in,
            "access_token": access,
            "refresh_token": account.refresh_token,
            "id_token": f"{_b64url({'alg': 'none', 'typ': 'JWT'})}.{_b64url(claims)}.",
            "client_info": _b64url({"uid": account.username, "utid": TENANT_ID}),
        }

    def grant(self, form: dict[str, str], scope: str) -> tuple[int, dict[str, Any]]:
        kind = form.get("grant_type", "")
        self.requests[kind] += 1
        if form.get("client_id") != CLIENT_ID:
            return 400, {"error": "invalid_client", "error_description": "unknown client"}
        account: Account | None = None
        if kind == "refresh_token":
            account = next((a for a in self.accounts if a.refresh_token == form.get("refresh_token")), None)
            if account is None or account.revoked:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "AADSTS70008: the refresh token was revoked",
                }
        elif kind == "urn:ietf:params:oauth:grant-type:device_code":
            account = self.sign_up(self.device_user)
        elif kind == "authorization_code":
            if form.get("client_secret") != CLIENT_SECRET or form.get("code") not in self.codes:
                return 400, {"error": "invalid_grant", "error_description": "bad code"}
            account = self.sign_up(self.codes.pop(form["code"]))
        if account is None:
            return 400, {"error": "unsupported_grant_type", "error_description": kind}
        return 200, self.tokens(account, scope)

    def introspect(self, token: str) -> dict[str, Any]:
        self.requests["introspect"] += 1
        username, expires_at = self.access.get(token, ("", 0.0))
        if not username or expires_at < time.time():
            return {"active": False}
        return {"active": True, "username": username, "scope": "IMAP SMTP"}

    def is_valid(self, username: str, token: str) -> bool:
        with self.lock:
            found = self.introspect(token)
        return bool(found["active"]) and found["username"] == username

    def stop(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()


def _handler(idp: IdentityProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet: the tests say what matters
            pass

        def _send(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urllib.parse.urlsplit(self.path)
            if url.path.endswith("/.well-known/openid-configuration"):
                tenant = url.path.strip("/").split("/")[0]
                if tenant == "no-such-tenant":  # as Entra answers for a tenant that does not exist
                    return self._send(400, {"error": "invalid_tenant", "error_description": "AADSTS90002"})
                root = f"{idp.base}/{tenant}"
                return self._send(200, {
                    "issuer": f"{root}/v2.0",
                    "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{root}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{root}/oauth2/v2.0/devicecode",
                })  # fmt: skip
            if url.path == "/authorize":  # Google's consent page: the person says yes, the browser goes back
                query = dict(urllib.parse.parse_qsl(url.query))
                code = secrets.token_urlsafe(8)
                with idp.lock:
                    idp.codes[code] = query.get("login_hint", "")
                back = f"{query['redirect_uri']}?" + urllib.parse.urlencode({"state": query["state"], "code": code})
                self.send_response(302)
                self.send_header("Location", back)
                self.end_headers()
                return None
            return self._send(404, {"error": "not_found"})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):  # requests-oauthlib sends the client's id and secret this way
                client_id, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                form.setdefault("client_id", urllib.parse.unquote(client_id))
                form.setdefault("client_secret", urllib.parse.unquote(secret))
            path = urllib.parse.urlsplit(self.path).path
            with idp.lock:
                if path.endswith("/devicecode"):
                    idp.requests["devicecode"] += 1
                    return self._send(200, {
                        "device_code": secrets.token_urlsafe(8), "user_code": "ABCD-EFGH",
                        "verification_uri": f"{idp.base}/devicelogin", "expires_in": 900, "interval": 1,
                        "message": f"To sign in, open {idp.base}/devicelogin and enter the code ABCD-EFGH.",
                    })  # fmt: skip
                if path.endswith("/token"):
                    return self._send(*idp.grant(form, GOOGLE_SCOPE if path == "/token" else MICROSOFT_SCOPE))
                if path == "/introspect":
                    token = form.get("token") or self.headers.get("Authorization", "").removeprefix("Bearer ")
                    return self._send(200, idp.introspect(token))
            return self._send(404, {"error": "not_found"})

    return Handler


def start_identity_provider(cert: Path, key: Path) -> IdentityProvider:
    idp = IdentityProvider()
    handler = _handler(idp)
    secure = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    secure.socket = context.wrap_socket(secure.socket, server_side=True)
    plain = ThreadingHTTPServer(("127.0.0.1", 0), handler)  # Dovecot's introspection client, plain HTTP
    for server in (secure, plain):
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    idp.servers = [secure, plain]
    idp.base = f"https://localhost:{secure.server_address[1]}"
    idp.introspection_url = f"http://127.0.0.1:{plain.server_address[1]}/introspect"
    return idp


@pytest.fixture(scope="session")
def identity_provider(tls_files: tuple[Path, Path]) -> Iterator[IdentityProvider]:
    idp = start_identity_provider(*tls_files)
    yield idp
    idp.stop()


@pytest.fixture
def idp(identity_provider: IdentityProvider, tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch):
    """The identity provider, trusted by requests (msal and google-auth use it), with a fresh token lifetime."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_files[0]))
    identity_provider.expires_in = 3600
    identity_provider.requests.clear()
    return identity_provider


@pytest.fixture(scope="session")
def dovecot_oauth2(identity_provider: IdentityProvider) -> Iterator[Dovecot]:
    """A Dovecot of its own whose only passdb is oauth2, asking the identity provider about each token (the
    password users of the other tests are untouched)."""
    binary = _dovecot_binary()
    if binary is None:
        pytest.fail("Dovecot is not installed (apt-get install dovecot-imapd); scripts/test installs it")
    server = start_dovecot(binary, oauth2_introspection=identity_provider.introspection_url)
    yield server
    server.stop()
    shutil.rmtree(server.root, ignore_errors=True)


class XOAuth2Recorder(Recorder):
    """The aiosmtpd handler, taking AUTH XOAUTH2 as Gmail and Exchange Online do: a refused token gets a 334
    challenge carrying the error as JSON, the client answers with an empty line, then 535."""

    def __init__(self, idp: IdentityProvider):
        super().__init__()
        self.idp = idp
        self.error_challenges = 0

    async def auth_XOAUTH2(self, server: SMTP, args: list[str]) -> AuthResult:
        blob = args[1].encode() if len(args) > 1 else await server.challenge_auth("", encode_to_b64=False)
        if not isinstance(blob, bytes):
            return AuthResult(success=False, handled=True)
        fields = dict(part.split("=", 1) for part in base64.b64decode(blob).decode().split("\x01") if "=" in part)
        user, token = fields.get("user", ""), fields.get("auth", "").removeprefix("Bearer ")
        if self.idp.is_valid(user, token):
            self.auth_ok.append(user)
            return AuthResult(success=True, auth_data=user)
        self.auth_refused += 1
        self.error_challenges += 1
        error = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
        await server.challenge_auth(json.dumps(error))  # the client must answer with an empty line
        return AuthResult(success=False, handled=False)


def start_smtpd_oauth2(cert: Path, key: Path, idp: IdentityProvider) -> SmtpServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    recorder = XOAuth2Recorder(idp)
    port = free_port()
    controller = Controller(
        recorder, hostname="127.0.0.1", port=port, tls_context=context, require_starttls=True,
        authenticator=recorder.authenticate, auth_require_tls=True,
    )  # fmt: skip
    controller.start()
    return SmtpServer("127.0.0.1", port, cert, recorder, controller)


@pytest.fixture
def smtpd_oauth2(tls_files: tuple[Path, Path], idp: IdentityProvider) -> Iterator[SmtpServer]:
    server = start_smtpd_oauth2(*tls_files, idp)
    yield server
    server.controller.stop()
