"""Authentication-Results read as RFC 8601 says (RELIABILITY cases 9 and 26): only our server's topmost header, only
the dmarc method's own result, for the From address's domain; nothing a sender can write elsewhere counts."""

from __future__ import annotations

import pytest

from assistant.mail.authresults import MAX_HEADER_CHARS, dmarc_pass
from assistant.mail.message import parse_message

OURS = "mx.example.org"


def _passes(*headers: str, sender: str = "grace@example.org", authserv_id: str | None = OURS) -> bool:
    lines = "".join(f"Authentication-Results: {value}\r\n" for value in headers)
    raw = f"{lines}From: Grace <{sender}>\r\nTo: mentoring@example.org\r\nSubject: hi\r\n\r\nbody\r\n"
    return dmarc_pass(parse_message(raw.encode("utf-8", "surrogateescape")), authserv_id)


@pytest.mark.parametrize(
    "value",
    [
        "mx.example.org; dmarc=pass header.from=example.org",
        "mx.example.org; spf=pass smtp.mailfrom=example.org; dkim=pass header.d=example.org; dmarc=pass "
        "(p=none dis=none) header.from=example.org",
        "MX.Example.ORG; DMARC=PASS header.from=Example.ORG",  # case does not matter in names and results
        "mx.example.org;\r\n\tdmarc = pass\r\n  header . from = example.org",  # folded, with spaces
        "mx.example.org 1; dmarc=pass policy.dmarc=none header.from=example.org.",  # a version, a root dot
        'mx.example.org; dmarc=pass header.from="example.org"',
        "mx.example.org; dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=example.org",
    ],
)
def test_our_servers_dmarc_pass_for_the_from_domain_passes(value: str) -> None:
    assert _passes(value)


@pytest.mark.parametrize(
    "value",
    [
        # The forgery: the result word inside another method's property value (a sender's MAIL FROM).
        "mx.example.org; spf=pass smtp.mailfrom=dmarc=pass@evil.example; dmarc=fail header.from=example.org",
        "mx.example.org; dmarc=fail header.from=example.org; spf=pass smtp.mailfrom=dmarc=pass@evil.example",
        "mx.example.org; spf=pass smtp.mailfrom=dmarc=pass@example.org header.from=example.org",
        # ... inside a comment, a quoted string or a reason.
        "mx.example.org; dmarc=fail (dmarc=pass) header.from=example.org",
        "mx.example.org; dkim=pass (dmarc=pass) header.d=example.org; dmarc=fail header.from=example.org",
        'mx.example.org; dkim=fail header.d="x; dmarc=pass header.from=example.org"',
        'mx.example.org; dkim=fail header.d="dmarc=pass"; dmarc=fail header.from=example.org',
        'mx.example.org; dmarc=fail reason="dmarc=pass" header.from=example.org',
        "mx.example.org (dmarc=pass header.from=example.org); none",
        # A fail is a fail, whatever the domain asked receivers to do about it.
        "mx.example.org; dmarc=fail (p=none dis=none) header.from=example.org",
        "mx.example.org; dmarc=fail policy.dmarc=none header.from=example.org",
        "mx.example.org; dmarc=none header.from=example.org",
        "mx.example.org; dmarc=bestguesspass header.from=example.org",
        # Two dmarc results: every one must pass.
        "mx.example.org; dmarc=pass header.from=example.org; dmarc=fail header.from=example.org",
        "mx.example.org; dmarc=fail header.from=example.org; dmarc=pass header.from=example.org",
        "mx.example.org; dmarc=pass header.from=example.org; dmarc=pass header.from=evil.example",
        # A pass for another domain, for no domain, or for two.
        "mx.example.org; dmarc=pass header.from=evil.example",
        "mx.example.org; dmarc=pass header.from=example.org.evil.example",
        "mx.example.org; dmarc=pass header.from=sub.example.org",
        "mx.example.org; dmarc=pass",
        "mx.example.org; dmarc=pass header.from=example.org header.from=evil.example",
        "mx.example.org; dmarc=pass smtp.mailfrom=example.org",
        # Other methods passing are not DMARC.
        "mx.example.org; dkim=pass header.d=example.org; spf=pass smtp.mailfrom=example.org",
        "mx.example.org; x-dmarc=pass header.from=example.org",
        "mx.example.org; none",
        # Not our server, or not parseable: no verdict at all.
        "mx.example.org.evil.example; dmarc=pass header.from=example.org",
        "evil.example; dmarc=pass header.from=example.org",
        "dmarc=pass header.from=example.org",
        "mx.example.org; dmarc=pass header.from=example.org; garbage",
        "mx.example.org; dmarc=pass header.from=example.org (unclosed",
        'mx.example.org; spf=pass smtp.mailfrom="x"; dmarc=pass header.from=example.org; dkim=none header.d="; '
        "dmarc=fail header.from=example.org",  # an unterminated quote must not swallow the real verdict
        "mx.example.org; dmarc=pass header.from=example.org" + " (" * 3000 + ")" * 3000,
        "mx.example.org; dmarc=pass header.from=example.org; =?utf-8?q?dmarc=3Dpass?=",
        "",
    ],
)
def test_nothing_else_passes(value: str) -> None:
    assert not _passes(value)


def test_only_the_topmost_header_counts() -> None:
    sender_written = "mx.example.org; dmarc=pass header.from=example.org"
    assert not _passes("mx.example.org; dmarc=fail header.from=example.org", sender_written)
    assert not _passes("other.example.org; dmarc=pass header.from=example.org", sender_written)
    assert _passes(sender_written, "mx.example.org; dmarc=fail header.from=example.org")


def test_no_authserv_id_configured_no_sender_or_no_header_is_no_pass() -> None:
    good = "mx.example.org; dmarc=pass header.from=example.org"
    assert not _passes(good, authserv_id=None)
    assert not _passes(good, sender="grace@example.org)<e@evil.example>")
    assert not _passes()


def test_the_sender_domain_is_compared_exactly() -> None:
    assert _passes("mx.example.org; dmarc=pass header.from=EXAMPLE.org", sender="Grace@Example.ORG")
    assert not _passes("mx.example.org; dmarc=pass header.from=example.org", sender="grace@mail.example.org")


def test_a_header_with_raw_8bit_bytes_or_over_the_size_limit_is_no_pass() -> None:
    assert not _passes("mx.example.org; dmarc=pass header.from=example.org (caf\udce9)")
    padding = "x" * MAX_HEADER_CHARS
    assert not _passes(f"mx.example.org; dmarc=pass header.from=example.org (padding {padding})")
