"""How far a sender is trusted: by a reply token we issued to them, by our own server's DMARC verdict, or not at all.

Only the topmost Authentication-Results header counts, and only when it carries our server's authserv-id: one
added by the sender further down (RELIABILITY case 9) is ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assistant.config import Config, Person
from assistant.identity import token_owner
from assistant.mail.message import ParsedMessage, decode_header
from assistant.mail.tokens import token_in
from assistant.program.context import Inbound

_DMARC = re.compile(r"\bdmarc\s*=\s*pass\b.*?header\.from\s*=\s*([^\s;]+)", re.I | re.S)


@dataclass(frozen=True)
class Authority:
    token: dict[str, Any] | None  # the reply token in the address it was sent to, with its owner
    token_is_sender: bool  # the token's owner is the sender (a forward from someone else is not)
    coordinator: Person | None  # the sender's address is a configured coordinator's
    dmarc_pass: bool  # our own server says the From domain passed DMARC

    @property
    def verified_coordinator(self) -> bool:
        return self.coordinator is not None and self.dmarc_pass


def authority(inbound: Inbound) -> Authority:
    if "authority" not in inbound.found:
        inbound.found["authority"] = _authority(inbound.msg, inbound.config, inbound)
    return inbound.found["authority"]


def _authority(msg: ParsedMessage, config: Config, inbound: Inbound) -> Authority:
    found = token_in(msg.recipients, config.assistant.email)
    owner = token_owner(inbound.db, found) if found else None
    coordinator = next((c for c in config.coordinators if c.email == msg.from_addr), None)
    return Authority(
        token=owner,
        token_is_sender=bool(owner and owner["email"] == msg.from_addr),
        coordinator=coordinator,
        dmarc_pass=dmarc_pass(msg, config.authserv_id),
    )


def dmarc_pass(msg: ParsedMessage, authserv_id: str | None) -> bool:
    if not authserv_id or not msg.from_addr:
        return False
    headers = msg.headers.get_all("Authentication-Results") or []
    if not headers:
        return False
    top = decode_header(headers[0]).strip()
    server = top.split(";", 1)[0].split()
    if not server or server[0].lower() != authserv_id.lower():
        return False  # the topmost header is not our server's: nothing below it can be trusted
    found = _DMARC.search(top)
    return bool(found and found.group(1).lower().strip(".") == msg.from_addr.rpartition("@")[2])
