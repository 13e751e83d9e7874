"""Authentication-Results (RFC 8601): did the From domain pass DMARC, in the verdict of *our* mail server?

Only the topmost header counts, and only when it carries our server's authserv-id: one added by the sender further
down (RELIABILITY case 9) is ignored.
"""

from __future__ import annotations

import re

from assistant.mail.message import ParsedMessage, decode_header

_DMARC = re.compile(r"\bdmarc\s*=\s*pass\b.*?header\.from\s*=\s*([^\s;]+)", re.I | re.S)


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
