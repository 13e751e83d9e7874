"""The one-time sign-in behind `mentor-assistant auth microsoft|google`: a person grants the mailbox to the app, and
the refresh token lands in the owner-only token file that `oauth2.AccessTokens` reads from then on.

Microsoft: msal's device code flow (the person opens a page on any device and types a code), so it works on a
server without a browser. Google: google-auth-oauthlib's installed-app flow (Google allows no device flow for mail
scopes): the person opens the printed address, and Google sends the browser back to a one-shot server on
localhost; on a remote server, forward that port with ssh first.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant.config import OAuth2Config
from assistant.transport.oauth2 import (
    FORMAT,
    GOOGLE_SCOPES,
    MICROSOFT_SCOPES,
    TokenError,
    locked,
    microsoft_application,
    write_token_file,
)

Say = Callable[[str], None]


def sign_in_microsoft(config: OAuth2Config, username: str, say: Say) -> str:
    """Run the device code flow, write the token file; returns who signed in."""
    cache, app = microsoft_application(config)
    flow = app.initiate_device_flow(scopes=list(MICROSOFT_SCOPES))
    if "user_code" not in flow:
        raise _refused(flow, "Check `client_id` and `tenant`, and that the app allows public client flows.")
    say(flow.get("message") or f"Open {flow.get('verification_uri')} and enter the code {flow['user_code']}.")
    result = app.acquire_token_by_device_flow(flow)
    if "access_token" not in result:
        raise _refused(result, "Run it again; an administrator may need to grant the app its permissions.")
    claims = result.get("id_token_claims") or {}
    data = {"format": FORMAT, "provider": "microsoft", "client_id": config.client_id, "username": username}
    data["msal_cache"] = cache.serialize()
    with locked(config.token_file):  # not in the middle of a refresh by a running assistant
        write_token_file(config.token_file, data)
    return str(claims.get("preferred_username") or username)


def sign_in_google(
    config: OAuth2Config, username: str, client_secrets: Path, say: Say, *, port: int = 0, browser: bool = False
) -> str:
    """Run the installed-app flow with a one-shot redirect server on localhost:`port`, write the token file."""
    from google_auth_oauthlib.flow import InstalledAppFlow

    try:
        flow = InstalledAppFlow.from_client_secrets_file(str(client_secrets), scopes=list(GOOGLE_SCOPES))
    except (OSError, ValueError) as exc:
        raise TokenError(
            f"cannot use the client secrets file {client_secrets} ({exc})",
            "Download it from Google Cloud (APIs & Services, Credentials, your Desktop app's OAuth client).",
        ) from None
    client_id = flow.client_config.get("client_id")
    if config.client_id and client_id != config.client_id:
        raise TokenError(
            f"{client_secrets} is for the client {client_id}, the config names {config.client_id}",
            "Use the client secrets of the app the config names (or correct `client_id`).",
        )
    say("Open this address in a browser and allow access to the mailbox:")
    credentials = flow.run_local_server(
        host="localhost",
        port=port,
        open_browser=browser,
        authorization_prompt_message="  {url}",
        success_message="Signed in: the mentorship assistant has its token. You can close this tab.",
        prompt="consent",  # a refresh token every time, even for an app the account allowed before
        login_hint=username,
    )
    if not credentials.refresh_token:
        raise TokenError("Google sent no refresh token", "Run it again (the consent screen must be shown).")
    data: dict[str, Any] = {"format": FORMAT, "provider": "google", "client_id": client_id, "username": username}
    data["google"] = json.loads(credentials.to_json())
    with locked(config.token_file):  # not in the middle of a refresh by a running assistant
        write_token_file(config.token_file, data)
    return username


def _refused(answer: dict[str, Any], advice: str) -> TokenError:
    error, description = answer.get("error", "no answer"), " ".join(str(answer.get("error_description", "")).split())
    return TokenError(f"the sign-in failed ({error}: {description[:300]})", advice)
