"""Reply tokens in plus-addresses (assistant+<token>@domain) and our own Message-IDs.

A token is random (128 bits), bound in the database to one participant and one purpose. It is written in
lower-case base32 because some mail servers fold the case of local parts.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterable
from email.utils import make_msgid


def new_token() -> str:
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def reply_address(assistant_address: str, token: str) -> str:
    local, _, domain = assistant_address.partition("@")
    return f"{local}+{token}@{domain}"


def token_in(addresses: Iterable[str], assistant_address: str) -> str | None:
    """The token of the first plus-address of ours among the recipients, if any."""
    local, _, domain = assistant_address.lower().partition("@")
    for address in addresses:
        their_local, _, their_domain = address.lower().partition("@")
        base, plus, token = their_local.partition("+")
        if plus and base == local and their_domain == domain and token.isalnum():
            return token
    return None


def new_message_id(domain: str) -> str:
    return make_msgid(idstring="ma", domain=domain)


def is_ours(message_id: str, domain: str) -> bool:
    return message_id.strip().lower().endswith(f"@{domain.lower()}>")
