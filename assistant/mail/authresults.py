"""Authentication-Results (RFC 8601): did the From domain pass DMARC, in the verdict of *our* mail server?

The header is parsed by `authres`, a maintained RFC 8601 parser, never searched with patterns: a result word inside
another method's property value (an attacker-chosen `smtp.mailfrom=dmarc=pass@evil`), a comment or a quoted string
is then just that value, comment or string. Only the topmost header counts, and only when it carries our server's
authserv-id: one added by the sender further down (RELIABILITY case 9) is ignored.
"""

from __future__ import annotations

import re

import authres
import authres.core
import authres.dmarc

from assistant.mail.message import ParsedMessage

# No server writes a longer Authentication-Results, and authres is quadratic in the header's length (it re-scans the
# rest of the text at every token): a longer header is not a pass, and is never parsed.
MAX_HEADER_CHARS = 8 * 1024

_FOLD = re.compile(r"\r?\n(?=[ \t])")


class _StrictHeader(authres.core.AuthenticationResultsHeader):
    """authres skips a property it cannot parse by default; strictly, a header that does not parse is no verdict.

    Skipping is what would let text a sender slipped into a value (an unterminated quoted string) swallow a later
    `dmarc=fail`. A server of ours that writes non-standard properties costs a confirmation round-trip, no more.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.strict = True


_FEATURES = authres.FeatureContext(authres.dmarc)
_FEATURES.header_class = _StrictHeader


def dmarc_pass(msg: ParsedMessage, authserv_id: str | None) -> bool:
    """True when our server's topmost header says the From address's domain passed DMARC."""
    if not authserv_id or not msg.from_addr:
        return False
    headers = msg.headers.get_all("Authentication-Results") or []
    if not headers:
        return False
    parsed = _parse(headers[0])
    if parsed is None or parsed.authserv_id != authserv_id.lower():
        return False  # the topmost header is not our server's: nothing below it can be trusted
    return _dmarc_passed(parsed.results, msg.from_addr.rpartition("@")[2])


def _parse(value: object) -> authres.core.AuthenticationResultsHeader | None:
    """The header parsed, or None when it is not plain text, too long, or does not parse."""
    # A header with raw 8-bit bytes comes back from the compat32 policy as a Header object, not text. Encoded-words
    # are never decoded here: the header is structured, and decoding would turn a sender's text into syntax.
    if not isinstance(value, str) or len(value) > MAX_HEADER_CHARS:
        return None
    try:
        return _FEATURES.parse_value(_FOLD.sub("", value))
    except Exception:  # hostile text may raise anything in a third-party parser (RecursionError on nested comments)
        return None


def _dmarc_passed(results: list[authres.core.AuthenticationResult], domain: str) -> bool:
    """At least one dmarc result, and every one of them a pass for exactly this domain.

    Two dmarc results contradict each other, or one of them is text that should not be a result at all (a server
    that copies a sender's text unquoted): a verdict that is not unanimous is not a pass.
    """
    verdicts = [result for result in results if result.method == "dmarc"]
    return bool(verdicts) and all(_passed_for(result, domain) for result in verdicts)


def _passed_for(result: authres.core.AuthenticationResult, domain: str) -> bool:
    """This result is a pass, and every `header.from` it names (at least one) is the From address's domain."""
    names = [p.value for p in result.properties if p.type == "header" and p.name == "from"]
    return result.result == "pass" and bool(names) and all(_same_domain(name, domain) for name in names)


def _same_domain(name: str | None, domain: str) -> bool:
    return bool(name) and name.lower().rstrip(".") == domain.lower()
