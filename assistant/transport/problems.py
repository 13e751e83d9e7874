"""Why a mail server could not be used, said so a person can fix it: what failed, and what to do about it.

A wrong password, an untrusted certificate and a server that is down look alike to a program (an exception on
connect) but not to the person running it. `diagnose` sorts them into three kinds:

  auth     the server refused the login: the password (or app password, or token) is wrong or not allowed, or
           no OAuth2 token could be had (the refresh token revoked or expired, the token file missing or not private)
  tls      the secure connection failed: the certificate is not trusted, or the server does not offer TLS
  network  the server could not be reached: wrong host or port, or it is down (worth retrying by itself)

auth and tls do not mend by waiting; `run --once` exits non-zero on them and `run` logs them as errors.
"""

from __future__ import annotations

import imaplib
import smtplib
import socket
import ssl
from dataclasses import dataclass

from assistant.config import OAuth2Config
from assistant.transport.oauth2 import TokenError, auth_command

AUTH, TLS, NETWORK = "auth", "tls", "network"


@dataclass(frozen=True)
class ConnectionProblem:
    """One server that could not be used, and why."""

    service: str  # "IMAP" or "SMTP"
    server: str  # host:port
    kind: str  # auth | tls | network
    detail: str  # what the server or the library said
    advice: str  # what to do

    @property
    def lasting(self) -> bool:
        """Waiting will not fix it: a person must change the config, the secret or the certificate."""
        return self.kind in (AUTH, TLS)

    def line(self) -> str:
        what = {AUTH: "login refused", TLS: "secure connection failed", NETWORK: "cannot reach the server"}[self.kind]
        return f"{self.service} {self.server}: {what} ({self.detail}). {self.advice}"


def diagnose(
    exc: BaseException,
    service: str,
    host: str,
    port: int,
    secret_variable: str = "",
    oauth2: OAuth2Config | None = None,
) -> ConnectionProblem:
    """What went wrong connecting to `service` at host:port, as a problem with advice."""
    server, detail = f"{host}:{port}", _detail(exc)
    secret = f" in {secret_variable}" if secret_variable else ""
    if isinstance(exc, TokenError):  # no token to log in with: the sign-in needs a person, or the provider is away
        return ConnectionProblem(service, server, AUTH if exc.lasting else NETWORK, exc.detail, exc.advice)
    if _is_auth(exc) and oauth2 is not None:
        return ConnectionProblem(service, server, AUTH, detail, _oauth2_advice(service, oauth2))
    if _is_auth(exc):
        advice = (
            f"Check the user name and the password{secret}. Gmail needs an app password (or OAuth2), and Microsoft "
            "365 accepts only OAuth2 for IMAP and SMTP."
        )
        return ConnectionProblem(service, server, AUTH, detail, advice)
    if isinstance(exc, ssl.SSLCertVerificationError):
        advice = (
            "The server's certificate is not trusted here. If it is signed by your own authority, name that "
            "certificate in `ca_file`; otherwise check the host name matches the certificate."
        )
        return ConnectionProblem(service, server, TLS, detail, advice)
    if isinstance(exc, ssl.SSLError) or _is_no_tls(exc):
        advice = (
            "Check `tls` and `port` together: imaps/ssl is usually port 993 (IMAP) or 465 (SMTP), starttls 143 or 587."
        )
        return ConnectionProblem(service, server, TLS, detail, advice)
    if isinstance(exc, socket.gaierror):
        return ConnectionProblem(service, server, NETWORK, detail, f"Check the host name {host!r}.")
    if isinstance(exc, ConnectionRefusedError):
        advice = f"Nothing answers on port {port}: check `port`, and that the server runs."
        return ConnectionProblem(service, server, NETWORK, detail, advice)
    advice = "It will be tried again by itself; if it lasts, check `host`, `port` and the network."
    return ConnectionProblem(service, server, NETWORK, detail, advice)


def _oauth2_advice(service: str, oauth2: OAuth2Config) -> str:
    """The provider gave a token but the mail server refused it: the wrong mailbox, or a permission missing."""
    rerun = auth_command(oauth2)
    if oauth2.provider == "microsoft":
        extra = " For SMTP, an administrator must also enable SMTP AUTH for the mailbox." if service == "SMTP" else ""
        return (
            "The server refused the OAuth2 token: check `username` is the mailbox the token was issued for, and that "
            f"the app registration has the delegated permissions IMAP.AccessAsUser.All and SMTP.Send.{extra} Then "
            f"run `{rerun}` again."
        )
    return (
        "The server refused the OAuth2 token: check `username` is the Google account that signed in, and that IMAP "
        f"is on in Gmail's settings; then run `{rerun}` again."
    )


def _is_auth(exc: BaseException) -> bool:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return True
    if isinstance(exc, smtplib.SMTPNotSupportedError) and "AUTH" in str(exc).upper():
        return True  # no login offered here: usually it is offered only after STARTTLS
    if isinstance(exc, imaplib.IMAP4.error) and not isinstance(exc, imaplib.IMAP4.abort):
        text = str(exc).upper()
        return any(word in text for word in ("AUTHENTICATIONFAILED", "LOGIN", "AUTHENTICATE", "AUTHORIZATIONFAILED"))
    return type(exc).__name__ == "LoginError"  # imapclient.exceptions.LoginError


def _is_no_tls(exc: BaseException) -> bool:
    text = str(exc).lower()
    return ("starttls" in text and ("not supported" in text or "extension" in text)) or "wrong version number" in text


def _detail(exc: BaseException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {' '.join(text.split())}"[:300]
    text = str(exc) or type(exc).__name__
    return " ".join(text.replace("b'", "'").split())[:300]
