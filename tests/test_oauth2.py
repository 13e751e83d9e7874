"""OAuth2 (XOAUTH2) for IMAP and SMTP, against servers on loopback: the token endpoint (`tests/oauth_servers.py`)
for msal and google-auth, a Dovecot whose oauth2 passdb asks that endpoint about each token, and an aiosmtpd that
takes AUTH XOAUTH2 as Gmail and Exchange Online do.

What must hold: `auth microsoft|google` signs in once and writes an owner-only token file; an access token is
refreshed only when it is within 5 minutes of expiry, and a rotated refresh token is saved before it is used; a
revoked refresh token, a missing or readable-by-others token file, or a token the server refuses is a `login refused`
problem saying to run `mentor-assistant auth ...` again; the old `oauth2_token_env` keeps working.
"""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest
import requests
from imapclient import IMAPClient

from assistant.cli import main
from assistant.config import OAuth2Config, load_config
from assistant.transport.oauth2 import (
    FORMAT,
    AccessTokens,
    TokenError,
    read_token_file,
    write_token_file,
    xoauth2,
)
from tests.oauth_servers import CLIENT_ID, CLIENT_SECRET, TENANT_ID, IdentityProvider
from tests.servers import ROOT, Dovecot, MailUser, SmtpServer, imap_settings, smtp_settings, write_program

pytest_plugins = ["tests.servers", "tests.oauth_servers"]


class Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


def _cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, out, err


def _microsoft(idp: IdentityProvider, token_file: Path) -> dict[str, object]:
    return {
        "provider": "microsoft",
        "client_id": CLIENT_ID,
        "tenant": TENANT_ID,
        "authority": idp.base,
        "token_file": str(token_file),
    }


def _google_file(idp: IdentityProvider, path: Path, username: str, *, expires_in: float, now: float) -> None:
    """A token file as `auth google` writes it, holding a token that expires `expires_in` seconds after `now`."""
    account = idp.sign_up(username)
    with idp.lock:
        token = idp.tokens(account)["access_token"]
    expiry = datetime.fromtimestamp(now + expires_in, UTC).replace(tzinfo=None).isoformat() + "Z"
    google = {
        "token": token, "refresh_token": account.refresh_token, "token_uri": f"{idp.base}/token",
        "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "scopes": ["https://mail.google.com/"],
        "expiry": expiry,
    }  # fmt: skip
    write_token_file(path, {"format": FORMAT, "provider": "google", "client_id": CLIENT_ID, "google": google})


def _google(path: Path, idp: IdentityProvider) -> OAuth2Config:
    return OAuth2Config(provider="google", token_file=path, token_uri=f"{idp.base}/token")


def _refresh_token(path: Path) -> str:
    data = json.loads(path.read_text())
    if data["provider"] == "google":
        return data["google"]["refresh_token"]
    return next(iter(json.loads(data["msal_cache"])["RefreshToken"].values()))["secret"]


def _sign_in_microsoft(
    tmp_path: Path, idp: IdentityProvider, user: str, capsys: pytest.CaptureFixture[str], **servers: object
) -> Path:
    """A program whose servers log in with OAuth2 (Microsoft), signed in with `auth microsoft`."""
    config = write_program(tmp_path, servers["inbox"], servers.get("outbound"))  # type: ignore[arg-type]
    idp.device_user = user
    code, out, _ = _cli(capsys, "--config", str(config), "auth", "microsoft")
    assert code == 0, out
    assert "enter the code ABCD-EFGH" in out and f"Signed in as {user}" in out and "check --connect" in out
    return config


# ---- the token file and refreshing, against the loopback token endpoint ----------------------------------------


def test_a_google_token_is_refreshed_only_near_expiry_and_the_rotated_refresh_token_is_saved(
    tmp_path: Path, idp: IdentityProvider
) -> None:
    clock, path = Clock(), tmp_path / "secrets" / "token.json"
    _google_file(idp, path, "ada@example.org", expires_in=3600, now=clock.now)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    first_refresh_token = _refresh_token(path)
    tokens = AccessTokens(_google(path, idp), "ada@example.org", clock=clock)
    stored = tokens.token()
    clock.now += 3600 - 301  # still more than 5 minutes left: no request
    assert tokens.token() == stored and idp.requests["refresh_token"] == 0
    clock.now += 2  # within 5 minutes of expiry: refreshed before it runs out
    fresh = tokens.token()
    assert fresh != stored and idp.requests["refresh_token"] == 1
    assert idp.is_valid("ada@example.org", fresh)
    assert _refresh_token(path) != first_refresh_token  # rotated by the endpoint, and saved
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    clock.now += 3000  # a new process reads the saved refresh token and goes on
    later = AccessTokens(_google(path, idp), "ada@example.org", clock=clock).token()
    assert idp.is_valid("ada@example.org", later) and idp.requests["refresh_token"] == 2


def test_microsoft_device_code_sign_in_then_silent_refresh_with_rotation(
    tmp_path: Path, idp: IdentityProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    user = "grace@example.org"
    token_file = tmp_path / "secrets" / "oauth2.json"
    inbox = {"type": "imap", "host": "127.0.0.1", "username": user, "oauth2": _microsoft(idp, token_file)}
    config = _sign_in_microsoft(tmp_path, idp, user, capsys, inbox=inbox)
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert load_config(config).inbox.oauth2.token_file == token_file  # type: ignore[union-attr]
    tokens = AccessTokens(load_config(config).inbox.oauth2, user)  # type: ignore[arg-type, union-attr]
    token = tokens.token()
    assert idp.is_valid(user, token) and tokens.token() == token
    assert idp.requests["refresh_token"] == 0  # an hour left: the signed-in token is used as it is

    idp.expires_in = 240  # from now on tokens last 4 minutes: each one is within the margin, so each use refreshes
    idp.revoke(user)  # ... and the signed-in refresh token is no longer accepted: only a fresh sign-in helps
    idp.device_user = user
    assert main(["--config", str(config), "auth", "microsoft"]) == 0
    capsys.readouterr()
    tokens = AccessTokens(load_config(config).inbox.oauth2, user)  # type: ignore[arg-type, union-attr]
    before, refreshes = _refresh_token(token_file), idp.requests["refresh_token"]
    first = tokens.token()
    second = tokens.token()
    assert idp.requests["refresh_token"] == refreshes + 2 and first != second
    assert idp.is_valid(user, second) and _refresh_token(token_file) != before
    third = AccessTokens(load_config(config).inbox.oauth2, user).token()  # type: ignore[arg-type, union-attr]
    assert idp.is_valid(user, third)  # the last rotated refresh token was saved: a new process goes on with it


def test_a_revoked_refresh_token_says_run_auth_again(tmp_path: Path, idp: IdentityProvider) -> None:
    clock, path = Clock(), tmp_path / "token.json"
    _google_file(idp, path, "ada@example.org", expires_in=60, now=clock.now)
    idp.revoke("ada@example.org")
    with pytest.raises(TokenError) as caught:
        AccessTokens(_google(path, idp), "ada@example.org", clock=clock).token()
    assert caught.value.lasting and "invalid_grant" in caught.value.detail
    assert "mentor-assistant auth google" in caught.value.advice


def test_a_token_file_others_can_read_is_refused_and_check_says_so(
    tmp_path: Path, idp: IdentityProvider, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "token.json"
    _google_file(idp, path, "ada@example.org", expires_in=3600, now=time.time())
    path.chmod(0o640)
    with pytest.raises(TokenError) as caught:
        read_token_file(path, "mentor-assistant auth google")
    assert "can be read or changed by others (mode 640)" in caught.value.detail and "chmod 600" in caught.value.advice
    inbox = {
        "type": "imap", "host": "imap.gmail.com", "username": "ada@example.org",
        "oauth2": {"provider": "google", "token_file": "./token.json"},
    }  # fmt: skip
    outbound = {
        "type": "smtp", "host": "smtp.gmail.com", "username": "ada@example.org",
        "oauth2": {"provider": "google", "token_file": "./missing.json"},
    }  # fmt: skip
    config = write_program(tmp_path, inbox, outbound)
    code, _, err = _cli(capsys, "--config", str(config), "check")
    assert code == 1
    assert "inbox.oauth2.token_file: the token file" in err and "mode 640" in err
    assert "outbound.oauth2.token_file: the token file" in err and "does not exist" in err
    assert f"mentor-assistant --config {config} auth google" in err


def test_an_unreachable_token_endpoint_is_a_network_problem_not_a_refusal(
    tmp_path: Path, idp: IdentityProvider
) -> None:
    clock, path = Clock(), tmp_path / "token.json"
    _google_file(idp, path, "ada@example.org", expires_in=60, now=clock.now)
    gone = OAuth2Config(provider="google", token_file=path, token_uri="https://127.0.0.1:1/token")  # nobody there
    with pytest.raises(TokenError) as caught:
        AccessTokens(gone, "ada@example.org", clock=clock).token()
    assert not caught.value.lasting and "cannot reach the token endpoint" in caught.value.detail


def test_auth_google_runs_the_installed_app_flow_against_the_loopback_endpoint(
    tmp_path: Path, idp: IdentityProvider, tls_files: tuple[Path, Path]
) -> None:
    """Through the real CLI, in its own process: it prints the consent address, the test plays the browser (Google's
    page redirects back to the CLI's one-shot server on localhost), and the code is exchanged for tokens."""
    token_file = tmp_path / "google.json"
    inbox = {
        "type": "imap", "host": "imap.gmail.com", "username": "ada@example.org",
        "oauth2": {"provider": "google", "token_file": str(token_file), "token_uri": f"{idp.base}/token"},
    }  # fmt: skip
    config = write_program(tmp_path, inbox)
    secrets_file = idp.google_client_secrets(tmp_path)
    env = {**os.environ, "REQUESTS_CA_BUNDLE": str(tls_files[0]), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "assistant", "--config", str(config), "auth", "google"]
    process = subprocess.Popen(
        [*command, "--client-secrets", str(secrets_file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = ""
        for line in process.stdout:
            if line.strip().startswith("https://"):
                url = line.strip()
                break
        assert url.startswith(f"{idp.base}/authorize?") and "login_hint=ada%40example.org" in url
        assert "access_type=offline" in url and "prompt=consent" in url
        page = requests.get(url, verify=str(tls_files[0]), timeout=30)  # the browser: consent, then back to the CLI
        assert page.status_code == 200 and "You can close this tab" in page.text
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "Signed in as ada@example.org" in out and str(token_file) in out
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    tokens = AccessTokens(load_config(config).inbox.oauth2, "ada@example.org")  # type: ignore[arg-type, union-attr]
    assert idp.is_valid("ada@example.org", tokens.token())


def test_auth_without_an_oauth2_block_or_client_secrets_says_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_program(tmp_path, {"type": "maildir", "path": "./inbox"})
    code, _, err = _cli(capsys, "--config", str(config), "auth", "microsoft")
    assert code == 1 and "no `oauth2` block with provider: microsoft" in err and "docs/mail-setup.md" in err
    inbox = {"type": "imap", "host": "imap.gmail.com", "username": "a@example.org",
             "oauth2": {"provider": "google", "token_file": "t.json"}}  # fmt: skip
    config = write_program(tmp_path, inbox)
    code, _, err = _cli(capsys, "--config", str(config), "auth", "google")
    assert code == 2 and "--client-secrets" in err


@pytest.mark.parametrize(
    ("oauth2", "extra", "message"),
    [
        ({"provider": "yahoo", "token_file": "t"}, {}, "inbox.oauth2.provider: 'yahoo' is not valid"),
        ({"provider": "microsoft", "token_file": "t"}, {}, "inbox.oauth2.client_id: Microsoft needs"),
        ({"provider": "google", "token_file": "t"}, {"password_env": "X"}, "use either `oauth2` or `password_env`"),
        ({"provider": "google", "token_file": "t", "tenant": "x"}, {}, "inbox.oauth2.tenant: only for provider"),
        ({"provider": "google", "token_file": "t", "secret": "x"}, {}, "secret"),
        ({"provider": "microsoft", "client_id": "c", "token_file": "t", "authority": "http://x"}, {}, "https://"),
    ],
)
def test_a_wrong_oauth2_block_is_a_config_error_with_its_line(
    tmp_path: Path, oauth2: dict[str, str], extra: dict[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = {"type": "imap", "host": "imap.example.org", "username": "a@example.org", "oauth2": oauth2, **extra}
    config = write_program(tmp_path, inbox)
    code, _, err = _cli(capsys, "--config", str(config), "check")
    assert code == 1 and message in err and re.search(r"config\.yaml:\d+", err)


# ---- XOAUTH2 against Dovecot and aiosmtpd ---------------------------------------------------------------------


def _token_for(idp: IdentityProvider, user: str) -> str:
    account = idp.sign_up(user)
    with idp.lock:
        return idp.tokens(account)["access_token"]


def _append(server: Dovecot, idp: IdentityProvider, user: str, raw: bytes) -> None:
    """Another mail client putting a message in the mailbox (logged in with a token of its own)."""
    client = IMAPClient("127.0.0.1", server.port, ssl=False, timeout=10)
    try:
        client.oauth2_login(user, _token_for(idp, user))
        client.append("INBOX", raw)
    finally:
        client.logout()


def _message(sender: str, to: str) -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, "hello"
    message["Message-ID"] = f"<{time.time_ns()}@example.net>"
    message.set_content("Hello, is this the mentoring program?")
    return message.as_bytes()


def _oauth2_program(
    tmp_path: Path, server: Dovecot, smtpd: SmtpServer, idp: IdentityProvider, capsys: pytest.CaptureFixture[str]
) -> tuple[Path, str]:
    user = MailUser(server.free_users.pop(0), "", server)
    block = _microsoft(idp, tmp_path / "secrets" / "oauth2.json")  # one sign-in, shared by IMAP and SMTP
    inbox = imap_settings(user, password_env=None, oauth2=block)
    outbound = smtp_settings(smtpd, username=user.name, password_env=None, oauth2=block)
    config = _sign_in_microsoft(tmp_path, idp, user.name, capsys, inbox=inbox, outbound=outbound)
    for kind in ("participants", "pairs"):
        assert main(["--config", str(config), "import", kind, str(ROOT / "examples" / f"{kind}.csv")]) == 0
    capsys.readouterr()
    return config, user.name


def test_imap_and_smtp_log_in_with_xoauth2_through_the_cli(
    tmp_path: Path,
    dovecot_oauth2: Dovecot,
    smtpd_oauth2: SmtpServer,
    idp: IdentityProvider,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config, user = _oauth2_program(tmp_path, dovecot_oauth2, smtpd_oauth2, idp, capsys)
    code, out, err = _cli(capsys, "--config", str(config), "check", "--connect")
    assert code == 0, err
    assert f"logged in as {user} (OAuth2 XOAUTH2, microsoft" in out and re.search(r"AUTH [A-Z ]*XOAUTH2", out)
    _append(dovecot_oauth2, idp, user, _message("Stranger <someone@example.net>", "mentoring@example.org"))
    code, out, err = _cli(capsys, "--config", str(config), "--now", "2026-12-01T09:00", "run", "--once")
    assert code == 0, err
    assert "received 1" in out and "sent 9" in out  # 8 check-in prompts, and the polite reply to the stranger
    assert smtpd_oauth2.recorder.auth_ok == [user, user]  # check --connect, then the drain
    assert len(smtpd_oauth2.recorder.received) == 9 and smtpd_oauth2.recorder.auth_refused == 0


def test_a_revoked_sign_in_fails_run_once_with_login_refused_and_what_to_run(
    tmp_path: Path,
    dovecot_oauth2: Dovecot,
    smtpd_oauth2: SmtpServer,
    idp: IdentityProvider,
    capsys: pytest.CaptureFixture[str],
) -> None:
    idp.expires_in = 240  # the signed-in token is already within the margin: the first login must refresh
    config, user = _oauth2_program(tmp_path, dovecot_oauth2, smtpd_oauth2, idp, capsys)
    idp.revoke(user)
    code, out, err = _cli(capsys, "--config", str(config), "--now", "2026-12-01T09:00", "run", "--once")
    assert code == 1 and "queued 8 check-in prompts" in out
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 2, err
    for service, line in zip(("IMAP", "SMTP"), errors, strict=True):
        assert f"{service} 127.0.0.1:" in line and "login refused (the sign-in was refused (invalid_grant" in line
        assert "run `mentor-assistant auth microsoft` again" in line
    assert smtpd_oauth2.recorder.received == []  # nothing sent, every prompt still queued

    idp.device_user = user  # signed in again: it works again
    assert main(["--config", str(config), "auth", "microsoft"]) == 0
    capsys.readouterr()
    code, out, err = _cli(capsys, "--config", str(config), "--now", "2026-12-01T09:05", "run", "--once")
    assert code == 0 and "sent 8" in out, err


def test_a_token_the_servers_refuse_is_diagnosed_as_an_oauth2_refusal(
    tmp_path: Path,
    dovecot_oauth2: Dovecot,
    smtpd_oauth2: SmtpServer,
    idp: IdentityProvider,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The provider gave a token, for another user than the mailbox: Dovecot says AUTHENTICATIONFAILED, the SMTP
    server sends its 334 error challenge (answered with an empty line) and then 535."""
    config, user = _oauth2_program(tmp_path, dovecot_oauth2, smtpd_oauth2, idp, capsys)
    text = config.read_text().replace(f'"username": "{user}"', '"username": "someone-else"')
    config.write_text(text)
    code, _, err = _cli(capsys, "--config", str(config), "check", "--connect")
    assert code == 1
    assert "IMAP 127.0.0.1:" in err and "AUTHENTICATIONFAILED" in err
    assert "SMTP 127.0.0.1:" in err and "login refused (535" in err
    assert err.count("The server refused the OAuth2 token") == 2 and "SMTP AUTH for the mailbox" in err
    assert smtpd_oauth2.recorder.error_challenges == 1


def test_the_old_access_token_variable_still_logs_in(
    tmp_path: Path, dovecot_oauth2: Dovecot, idp: IdentityProvider, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    user = MailUser(dovecot_oauth2.free_users.pop(0), "", dovecot_oauth2)
    monkeypatch.setenv("MENTOR_TEST_IMAP_TOKEN", _token_for(idp, user.name))
    config = write_program(tmp_path, imap_settings(user, password_env=None, oauth2_token_env="MENTOR_TEST_IMAP_TOKEN"))
    code, out, err = _cli(capsys, "--config", str(config), "check", "--connect")
    assert code == 0 and f"logged in as {user.name}" in out, err


def test_the_sasl_string_is_the_providers_format() -> None:
    assert xoauth2("ada@example.org", "tok") == "user=ada@example.org\x01auth=Bearer tok\x01\x01"


def test_token_files_are_written_whole_and_private_even_over_a_public_one(tmp_path: Path) -> None:
    path = tmp_path / "token.json"
    path.write_text("{}")
    path.chmod(0o644)
    write_token_file(path, {"format": FORMAT, "provider": "google"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and json.loads(path.read_text())["provider"] == "google"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["token.json"]  # no temporary file left behind


def test_two_holders_of_one_token_file_refresh_one_at_a_time(tmp_path: Path, idp: IdentityProvider) -> None:
    """IMAP and SMTP may share a token file (and `check --connect` may run beside `run`): with refresh tokens that
    rotate, two refreshes at once would leave one holder with a refresh token that no longer works."""
    clock, path = Clock(), tmp_path / "token.json"
    _google_file(idp, path, "ada@example.org", expires_in=60, now=clock.now)
    holders = [AccessTokens(_google(path, idp), "ada@example.org", clock=clock) for _ in range(4)]
    results: list[str] = []
    threads = [threading.Thread(target=lambda h=h: results.append(h.token())) for h in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(results) == 4 and all(idp.is_valid("ada@example.org", token) for token in results)
    assert idp.requests["refresh_token"] == 1  # the first refreshed; the others read its saved token


def test_smtp_with_oauth2_needs_a_username(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    outbound = {"type": "smtp", "host": "smtp.gmail.com", "oauth2": {"provider": "google", "token_file": "t.json"}}
    config = write_program(tmp_path, {"type": "maildir", "path": "./inbox"}, outbound)
    code, _, err = _cli(capsys, "--config", str(config), "check")
    assert code == 1 and "outbound.oauth2: OAuth2 logs in as a user: set `username` too" in err


def test_an_unknown_tenant_is_a_config_problem_named_as_such(tmp_path: Path, idp: IdentityProvider) -> None:
    path = tmp_path / "token.json"
    write_token_file(path, {"format": FORMAT, "provider": "microsoft", "client_id": CLIENT_ID, "msal_cache": "{}"})
    config = OAuth2Config("microsoft", path, CLIENT_ID, tenant="no-such-tenant", authority=idp.base)
    with pytest.raises(TokenError) as caught:
        AccessTokens(config, "grace@example.org").token()
    assert caught.value.lasting and "the sign-in authority refused us" in caught.value.detail
    assert "`tenant`" in caught.value.advice


def test_a_token_folder_the_assistant_cannot_write_is_said_plainly(tmp_path: Path, idp: IdentityProvider) -> None:
    clock, path = Clock(), tmp_path / "secrets" / "token.json"
    _google_file(idp, path, "ada@example.org", expires_in=60, now=clock.now)
    missing = OAuth2Config("google", tmp_path / "secrets" / "token.json" / "x.json", token_uri=f"{idp.base}/token")
    with pytest.raises(TokenError) as caught:  # a file where its folder should be: nothing can be written there
        AccessTokens(missing, "ada@example.org", clock=clock).token()
    assert "cannot be kept up to date" in caught.value.detail and "write in" in caught.value.advice
