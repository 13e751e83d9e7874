"""`mentor-assistant auth microsoft|google`: sign in once, so the assistant can log in to IMAP and SMTP with OAuth2.

The config's `oauth2` blocks (under `inbox` and `outbound`) say which app and which token file; a block shared by
both servers (the same token file) is signed in once. What happens after: `check --connect` logs in with it.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from assistant.cli import arguments
from assistant.config import Config, ImapConfig, OAuth2Config, SmtpConfig
from assistant.transport.oauth2 import TokenError

DESCRIPTION = """\
Sign in to Microsoft 365 or Google once, and keep the refresh token in the token file that the
config's `oauth2` block names (readable only by you). From then on the assistant gets fresh access
tokens by itself, for IMAP and SMTP (XOAUTH2), before the old ones expire.

  microsoft  the device code flow: open the address it prints on any device (a phone will do),
             enter the code, and sign in as the mailbox's user.
  google     the installed-app flow: open the address it prints; Google sends the browser back to
             http://localhost:PORT on this machine. On a remote server, forward the port first:
               ssh -L 8765:localhost:8765 server   then   auth google --port 8765 ...
             Needs --client-secrets: the JSON of your Desktop app's OAuth client (Google Cloud).

Run it again whenever the assistant says the sign-in was refused (a revoked or expired refresh
token). Then test:  mentor-assistant --config config.yaml check --connect
The step-by-step setup is in docs/mail-setup.md.
"""


def add_parser(commands: argparse._SubParsersAction) -> None:
    auth = commands.add_parser(
        "auth",
        help="sign in to Microsoft 365 or Google once (OAuth2 for IMAP and SMTP)",
        description=DESCRIPTION,
        formatter_class=argparse.RawTextHelpFormatter,
    )
    auth.add_argument("provider", choices=["microsoft", "google"], help="whose sign-in")
    auth.add_argument("--client-secrets", type=Path, help="google: the OAuth client's JSON file (Desktop app)")
    auth.add_argument(
        "--port", type=arguments.port, default=0, help="google: the port Google redirects to (default: any free one)"
    )
    auth.add_argument("--browser", action="store_true", help="google: also open the address in a browser here")


def blocks(config: Config, provider: str) -> dict[Path, tuple[OAuth2Config, str, list[str]]]:
    """The config's oauth2 blocks for this provider, one per token file: (block, user name, which servers)."""
    found: dict[Path, tuple[OAuth2Config, str, list[str]]] = {}
    for key, server in (("inbox", config.inbox), ("outbound", config.outbound)):
        if isinstance(server, ImapConfig | SmtpConfig) and server.oauth2 and server.oauth2.provider == provider:
            block = server.oauth2
            entry = found.setdefault(block.token_file, (block, server.username or "", []))
            entry[2].append(key)
    return found


def run(args: argparse.Namespace, config: Config) -> int:
    found = blocks(config, args.provider)
    if not found:
        print(
            f"error: {config.path} has no `oauth2` block with provider: {args.provider} (under inbox or outbound);"
            " docs/mail-setup.md shows one",
            file=sys.stderr,
        )
        return 1
    if args.provider == "google" and args.client_secrets is None:
        print("error: auth google needs --client-secrets FILE (your OAuth client's JSON)", file=sys.stderr)
        return 2
    for block, username, servers in found.values():
        code = _sign_in(args, config, block, username, servers)
        if code:
            return code
    print(f"Test it: mentor-assistant --config {config.path} check --connect")
    return 0


def _sign_in(args: argparse.Namespace, config: Config, block: OAuth2Config, username: str, servers: list[str]) -> int:
    import oauthlib.oauth2
    import requests

    from assistant.transport.signin import sign_in_google, sign_in_microsoft

    print(f"Signing in {username} for {' and '.join(servers)} ({args.provider}).")
    try:
        if args.provider == "microsoft":
            who = sign_in_microsoft(block, username, _say)
        else:
            who = sign_in_google(block, username, args.client_secrets, _say, port=args.port, browser=args.browser)
    except TokenError as exc:
        print(f"error: {exc.detail}. {exc.advice}", file=sys.stderr)
        return 1
    except (requests.RequestException, oauthlib.oauth2.OAuth2Error, ValueError, Warning) as exc:  # Warning: oauthlib's
        # way of saying the permissions granted are not the ones asked for
        print(f"error: the sign-in failed: {' '.join(str(exc).split())[:300]}", file=sys.stderr)
        return 1
    print(f"Signed in as {who}. The refresh token is in {block.token_file} (readable only by you; keep it secret).")
    if who.lower() != username.lower():
        print(f"note: the config logs in as {username}; that works only if {who} may use that mailbox.")
    return 0


def _say(text: str) -> None:
    print(text, flush=True)  # the person acts on it while we wait
