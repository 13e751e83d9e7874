"""`check --connect`: log in to the configured IMAP and SMTP servers the way the assistant will, send nothing, and
say what works, what the server offers, and exactly what failed and how to fix it.

Nothing is changed on the servers: folders that do not exist yet are reported ("will be created"), not created.
"""

from __future__ import annotations

import imaplib
import smtplib
from collections.abc import Callable
from dataclasses import dataclass, field

from imapclient import IMAPClient

from assistant.config import ConfigError, ImapConfig, InboxConfig, OAuth2Config, OutboundConfig, SmtpConfig
from assistant.transport.imap import TIMEOUT, secret_from_env, tls_context
from assistant.transport.oauth2 import AccessTokens, TokenError, imap_login, smtp_login
from assistant.transport.problems import ConnectionProblem, diagnose

WANTED_IMAP = ("IDLE", "MOVE", "UIDPLUS")  # new mail at once; moving in one step; expunging only our messages


@dataclass
class Probe:
    """What one server said: lines to print, and the problem when it could not be used."""

    lines: list[str] = field(default_factory=list)
    problem: ConnectionProblem | None = None


def probe_inbox(config: InboxConfig, assistant_address: str, timeout: float = TIMEOUT) -> Probe:
    if not isinstance(config, ImapConfig):
        return Probe([f"inbox: the local Maildir {config.path} (nothing to connect to)"])
    variable = _secret_variable(config)
    extra = _plus_addressing(assistant_address)
    return _guarded(
        "IMAP", config.host, config.port, variable, lambda p: _imap(config, p, timeout), extra, config.oauth2
    )


def probe_outbound(config: OutboundConfig, timeout: float = TIMEOUT) -> Probe:
    if not isinstance(config, SmtpConfig):
        return Probe([f"outbound: the local Maildir {config.path} (nothing to connect to)"])
    variable = config.password_env or ""
    return _guarded(
        "SMTP", config.host, config.port, variable, lambda p: _smtp(config, p, timeout), None, config.oauth2
    )


def _guarded(
    service: str,
    host: str,
    port: int,
    variable: str,
    run: Callable[[Probe], None],
    extra: list[str] | None = None,
    oauth2: OAuth2Config | None = None,
) -> Probe:
    probe = Probe()
    try:
        run(probe)
    except ConfigError:  # a secret variable not set: `check` lists it already
        probe.lines.append(f"{service} {host}:{port}: not tried (its password variable is not set)")
    except (imaplib.IMAP4.error, smtplib.SMTPException, OSError, TokenError) as exc:
        probe.problem = diagnose(exc, service, host, port, variable, oauth2)
    else:
        probe.lines += extra or []
    return probe


def _secret_variable(config: ImapConfig) -> str:
    return config.oauth2_token_env or config.password_env or ""


def _imap(config: ImapConfig, probe: Probe, timeout: float) -> None:
    where = f"IMAP {config.host}:{config.port} ({config.tls})"
    key = "inbox.oauth2_token_env" if config.oauth2_token_env else "inbox.password_env"
    tokens = AccessTokens(config.oauth2, config.username) if config.oauth2 else None
    if tokens:
        tokens.token()  # before connecting: a sign-in problem is said as such, not as a refused login
    secret = "" if tokens else secret_from_env(key, _secret_variable(config), f"the IMAP secret for {config.username}")
    secure = config.tls == "imaps"
    context = tls_context(config.ca_file) if secure else None
    client = IMAPClient(config.host, config.port, ssl=secure, ssl_context=context, timeout=timeout)
    try:
        if config.tls == "starttls":
            client.starttls(tls_context(config.ca_file))
        if tokens:
            imap_login(client, config.username, tokens)
        elif config.oauth2_token_env:
            client.oauth2_login(config.username, secret)
        else:
            client.login(config.username, secret)
        tls = "TLS verified" if config.tls != "none" else "no TLS (loopback only)"
        probe.lines.append(f"{where}: connected, {tls}, logged in as {config.username}{_how(config.oauth2)}")
        capabilities = {c.decode().upper() for c in client.capabilities()}
        offered = ", ".join(f"{c} {'yes' if c in capabilities else 'no'}" for c in WANTED_IMAP)
        polling = "" if "IDLE" in capabilities else f" (without IDLE: a poll every {config.poll_seconds} s)"
        probe.lines.append(f"  capabilities: {offered}{polling}")
        if not client.folder_exists(config.folder):
            raise imaplib.IMAP4.error(f"the folder {config.folder!r} does not exist (inbox.folder)")
        probe.lines.append("  folders: " + "; ".join(_folders(client, config)))
    finally:
        try:
            client.logout()
        except (imaplib.IMAP4.error, OSError):
            client.shutdown()


def _folders(client: IMAPClient, config: ImapConfig) -> list[str]:
    kept = (("read", config.folder), ("processed", config.processed_folder), ("quarantine", config.quarantine_folder))
    return [
        f"{name} ({what}) {'ok' if client.folder_exists(name) else 'will be created'}" for what, name in kept if name
    ]


def _smtp(config: SmtpConfig, probe: Probe, timeout: float) -> None:
    where = f"SMTP {config.host}:{config.port} ({config.tls})"
    password = None
    tokens = AccessTokens(config.oauth2, config.username) if config.oauth2 and config.username else None
    if tokens:
        tokens.token()
    elif config.username:
        what = f"the SMTP password for {config.username}"
        password = secret_from_env("outbound.password_env", config.password_env or "", what)
    if config.tls == "ssl":
        context = tls_context(config.ca_file)
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(config.host, config.port, timeout=timeout, context=context)
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=timeout)
    try:
        if config.tls == "starttls":
            smtp.starttls(context=tls_context(config.ca_file))
        smtp.ehlo_or_helo_if_needed()
        mechanisms = smtp.esmtp_features.get("auth", "").split()
        tls = "TLS verified" if config.tls != "none" else "no TLS (loopback only)"
        probe.lines.append(f"{where}: connected, {tls}, AUTH {' '.join(mechanisms) or 'not offered'}")
        if tokens and config.username:
            smtp_login(smtp, config.username, tokens)
            probe.lines.append(f"  logged in as {config.username}{_how(config.oauth2)}; nothing was sent")
        elif config.username and password is not None:
            smtp.login(config.username, password)
            probe.lines.append(f"  logged in as {config.username}; nothing was sent")
        else:
            probe.lines.append("  no login configured (outbound.username): the server must accept us as we are")
        size = smtp.esmtp_features.get("size")
        utf8 = "yes" if smtp.has_extn("smtputf8") else "no"
        probe.lines.append(f"  SIZE {size or 'not said'}; SMTPUTF8 {utf8}")
    finally:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _how(oauth2: OAuth2Config | None) -> str:
    return f" (OAuth2 XOAUTH2, {oauth2.provider}, token file {oauth2.token_file})" if oauth2 else ""


def _plus_addressing(assistant_address: str) -> list[str]:
    local, _, domain = assistant_address.partition("@")
    return [
        f"  plus-addressing: replies come to {local}+TOKEN@{domain}; this server must deliver them to this inbox"
        " (Gmail, Microsoft 365 and Fastmail do; Postfix needs recipient_delimiter = +). Send one to"
        f" {local}+test@{domain} and see it arrive."
    ]
