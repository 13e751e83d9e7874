"""Clean headers by construction (RELIABILITY case 28, issue 12): names decoded completely and cleaned wherever they
come from, address parsing that an encoded word cannot fool, and headers that read back as meant, whatever the
name. Property-based (hypothesis) where a shape nobody thought of could matter."""

from __future__ import annotations

import email
import email.policy
import email.quoprimime
import unicodedata
from datetime import datetime
from email.header import Header
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.db import migrations, open_db
from assistant.headertext import INPUT_CHARS, NAME_CHARS, TEXT_CHARS, clean_name, decode_words, header_text
from assistant.mail.compose import Envelope, compose
from assistant.mail.headers import HeaderError, address_header, text_header
from assistant.mail.message import parse_message, strict_address
from assistant.render import Rendered
from tests.conftest import headers_survive

NOW = datetime.fromisoformat("2026-12-02T09:00:00+00:00")
EVIL = "Eve\r\nBcc: evil@attacker.example"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def encoded(text: str, times: int, encoding: str = "q") -> str:
    """The text as an RFC 2047 encoded word, encoded `times` times over (each time the whole previous result)."""
    for _ in range(times):
        data = text.encode("utf-8")
        if encoding == "q":
            text = email.quoprimime.header_encode(data, charset="utf-8")
        else:
            text = Header(text, "utf-8").encode()  # base64 for utf-8, split into several words when long
    return text


def _compose(to: list[tuple[str, str]], subject: str = "Hello", **envelope: object) -> bytes:
    rendered = Rendered(subject, "text\n", "<p>html</p>")
    mail = Envelope("Ada", "mentoring@example.org", to, **envelope)  # type: ignore[arg-type]
    return compose(rendered, mail, "<1.ma@example.org>", NOW, "Test Mentoring Program").as_bytes()


def _head(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw.split(b"\n\n", 1)[0] + b"\n\n", policy=email.policy.default)


# --- the case --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("times", [1, 2, 3])
@pytest.mark.parametrize("encoding", ["q", "b"])
def test_a_name_encoded_up_to_three_times_is_decoded_completely_and_cleaned(times: int, encoding: str) -> None:
    assert clean_name(encoded(EVIL, times, encoding)) == "Eve Bcc: evil@attacker.example"
    name, address = strict_address(f"{encoded(EVIL, times, encoding)} <eve@example.net>")
    assert (name, address) == ("Eve Bcc: evil@attacker.example", "eve@example.net")


@pytest.mark.parametrize("times", [1, 2, 3])
def test_the_to_header_of_a_name_encoded_three_times_adds_no_header_however_often_decoded(times: int) -> None:
    raw = _compose([(encoded(EVIL, times), "eve@example.net")], subject="Re: " + encoded(EVIL, times))
    head = raw.split(b"\n\n", 1)[0]
    assert b"=0D" not in head.upper() and b"=0A" not in head.upper() and b"\r" not in head
    for line in head.split(b"\n"):
        assert not line.lower().startswith(b"bcc")
    parsed = _head(raw)
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        ("Eve Bcc: evil@attacker.example", "eve@example.net")
    ]
    assert parsed["Subject"] == "Re: Eve Bcc: evil@attacker.example"
    headers_survive(raw, rounds=5)


def test_the_check_fails_on_what_the_composer_wrote_before() -> None:
    """headers_survive (which every mail of the suite passes) refuses the header that today's main wrote."""
    old = b"To: =?utf-8?q?Eve=0D=0ABcc=3A_evil=40attacker=2Eexample?= <eve@example.net>\nSubject: x\n\nbody\n"
    with pytest.raises((AssertionError, ValueError)):
        headers_survive(old)


def test_a_long_name_holding_an_address_stays_one_address() -> None:
    """Python 3.11's own folder drops the quotes of a long display name, so this name would add a recipient."""
    name = "evil@attacker.example, " + "a" * 60
    raw = _compose([(name, "her@example.org"), ("Zoë Ñúñez", "zoe@example.org")])
    parsed = _head(raw)
    assert [a.addr_spec for a in parsed["To"].addresses] == ["her@example.org", "zoe@example.org"]
    assert parsed["To"].addresses[0].display_name == name
    headers_survive(raw, refold=False)  # Python 3.11 itself would drop those quotes again when re-folding them


def test_inbound_message_ids_with_control_characters_never_reach_a_header() -> None:
    raw = _compose([("Maya", "maya@example.org")], in_reply_to="<a\x00b@x>", references=["<ok@x>"])
    assert b"In-Reply-To" not in raw and b"References" not in raw
    raw = _compose([("Maya", "maya@example.org")], in_reply_to="<ok@x>", references=["<bad\x7f@x>", "<fine@x>"])
    assert _head(raw)["References"].split() == ["<fine@x>", "<ok@x>"]


def test_an_address_that_could_carry_a_header_is_refused() -> None:
    with pytest.raises(HeaderError):
        address_header("To", (("Eve", "eve@example.net\r\nBcc: x@y.z"),))
    with pytest.raises(HeaderError):
        address_header("To", (("Eve", "eve@example.net>, <x@y.z"),))


# --- address parsing: an encoded word is never part of an address ------------------------------------------------


def test_an_encoded_name_with_a_comma_is_one_address() -> None:
    assert strict_address("=?utf-8?q?N=C3=BA=C3=B1ez=2C_Zo=C3=AB?= <zoe@example.org>") == (
        "Núñez, Zoë",
        "zoe@example.org",
    )


def test_an_address_inside_an_encoded_word_is_not_an_address() -> None:
    assert strict_address("=?utf-8?q?Grace_=3Cgrace=40example.org=3E?=") == ("", "")
    assert strict_address("=?utf-8?q?grace=40example.org?= <evil@attacker.example>") == (
        "grace@example.org",
        "evil@attacker.example",
    )


def test_raw_utf8_headers_are_read_as_utf8() -> None:
    parsed = parse_message("From: Zoë Núñez <zoe@example.org>\nSubject: héllo =?utf-8?q?w=C3=B6rld?=\n\nhi\n".encode())
    assert (parsed.from_name, parsed.from_addr, parsed.subject) == ("Zoë Núñez", "zoe@example.org", "héllo wörld")


# --- header_text, property by property ---------------------------------------------------------------------------

ANY_TEXT = st.text(max_size=300)
NAMES = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=120)


def _is_clean(text: str, limit: int) -> bool:
    controls = [c for c in text if unicodedata.category(c)[0] == "C" and c not in "\u200c\u200d"]
    separators = [c for c in text if unicodedata.category(c) in ("Zl", "Zp")]
    return (
        not controls and not separators and "=?" not in text and text == " ".join(text.split()) and len(text) <= limit
    )


@SETTINGS
@given(ANY_TEXT, st.integers(min_value=0, max_value=4), st.sampled_from(["q", "b"]))
def test_header_text_is_one_clean_line_however_encoded(text: str, times: int, encoding: str) -> None:
    cleaned = header_text(encoded(text, times, encoding))
    assert _is_clean(cleaned, TEXT_CHARS)
    assert header_text(cleaned) == cleaned  # stored names are what they will be written as


@SETTINGS
@given(NAMES, st.integers(min_value=1, max_value=3), st.sampled_from(["q", "b"]))
def test_a_name_encoded_up_to_three_times_decodes_to_the_name(name: str, times: int, encoding: str) -> None:
    assert clean_name(encoded(name, times, encoding)) == clean_name(name)


@SETTINGS
@given(st.text(alphabet="=?qQbB_ \r\n\x00abc:@<>\u2028", max_size=80))
def test_no_encoded_word_survives_cleaning_even_one_built_from_leftovers(text: str) -> None:
    cleaned = header_text(text)
    assert _is_clean(cleaned, TEXT_CHARS) and decode_words(cleaned) == cleaned


def test_decoding_is_bounded() -> None:
    deep = encoded("x", 8)
    assert "=?" not in header_text(deep)  # made inert, not decoded forever
    assert len(decode_words("=?utf-8?q?" + "=41" * INPUT_CHARS + "?=")) <= INPUT_CHARS
    assert len(clean_name("a" * 10_000)) == NAME_CHARS


# --- strict_address, property by property ------------------------------------------------------------------------

LOCAL = st.from_regex(r"[a-z0-9][a-z0-9.+_-]{0,15}", fullmatch=True).filter(lambda s: ".." not in s and s[-1] != ".")
DOMAIN = st.from_regex(r"[a-z0-9]{1,10}\.(org|net|example)", fullmatch=True)
ADDRESSES = st.builds(lambda local, domain: f"{local}@{domain}", LOCAL, DOMAIN)


@SETTINGS
@given(NAMES, ADDRESSES, st.integers(min_value=0, max_value=3))
def test_strict_address_reads_what_the_email_package_writes(name: str, address: str, times: int) -> None:
    header = email.utils.formataddr((encoded(name, times) if times else name, address), charset="utf-8")
    assert strict_address(header) == (clean_name(name), address)


PLAIN_NAMES = st.text(alphabet=st.characters(whitelist_categories=("L", "N", "Zs")), max_size=40)


@SETTINGS
@given(ADDRESSES, ADDRESSES, st.sampled_from([")", "]", ">", " ", ",", ";", ":", "(", "\\", '"']), PLAIN_NAMES)
def test_a_header_with_two_addresses_is_no_one(first: str, second: str, between: str, name: str) -> None:
    """CVE-2023-27043's shape and its cousins: two addresses outside quotes never pass for either."""
    for header in (f"{first}{between}<{second}>", f"{name} <{first}>{between}{second}", f"{first}{between}{second}"):
        assert strict_address(header) == ("", "")


@SETTINGS
@given(ANY_TEXT)
def test_strict_address_gives_a_clean_name_and_an_address_it_was_given(header: str) -> None:
    name, address = strict_address(header)
    assert _is_clean(name, NAME_CHARS)
    assert (name, address) == ("", "") or address in header.lower()


# --- headers built, property by property -------------------------------------------------------------------------

PEOPLE = st.lists(
    st.tuples(st.one_of(NAMES, st.builds(encoded, NAMES, st.integers(1, 3))), ADDRESSES), min_size=1, max_size=4
)


@SETTINGS
@given(PEOPLE, st.one_of(ANY_TEXT, st.builds(encoded, ANY_TEXT, st.integers(1, 3))))
def test_every_header_reads_back_as_meant_and_survives_decoding(people: list[tuple[str, str]], subject: str) -> None:
    raw = _compose(
        people, subject=subject, reply_to=("Ada", "mentoring+t@example.org"), unsubscribe="mentoring+t@example.org"
    )
    head = raw.split(b"\n\n", 1)[0]
    assert head.isascii() and all(len(line) <= 998 for line in head.split(b"\n"))
    parsed = _head(raw)
    names = {name.lower() for name in parsed}
    assert names == {
        "content-type", "mime-version", "from", "to", "reply-to", "subject", "date", "message-id", "auto-submitted",
        "x-auto-response-suppress", "x-mentorship-assistant", "list-unsubscribe",
    }  # fmt: skip
    assert [a.addr_spec for a in parsed["To"].addresses] == [address for _, address in people]
    read = [clean_name(name) for name, _ in _raw_people(head)]
    assert read == [clean_name(name) for name, _ in people] or not any(read)  # the names, or none at all
    assert decode_words(_unfolded(head, b"Subject").strip()) == header_text(subject)
    headers_survive(raw, refold=False)  # long quoted names: see headers_survive


def _unfolded(head: bytes, name: bytes) -> str:
    lines = head.split(b"\n")
    start = next(i for i, line in enumerate(lines) if line.startswith(name + b":"))
    value = lines[start][len(name) + 1 :]
    for line in lines[start + 1 :]:
        if not line[:1].isspace():
            break
        value += line
    return value.decode("ascii")


def _raw_people(head: bytes) -> list[tuple[str, str]]:
    """The To header's (raw name, address) pairs, as RFC 5322 splits them (names left encoded)."""
    return email.utils.getaddresses([_unfolded(head, b"To")])


@SETTINGS
@given(ANY_TEXT)
def test_a_subject_reads_back_exactly(text: str) -> None:
    assert str(text_header("Subject", text)) == header_text(text)
    ours = _unfolded(_compose([("A", "a@example.org")], subject=text).split(b"\n\n", 1)[0], b"Subject")
    assert decode_words(ours.strip()) == header_text(text)


# --- names already stored ------------------------------------------------------------------------------------------


def test_the_migration_cleans_names_already_stored(tmp_path: Path) -> None:
    db = open_db(tmp_path / "program.db")
    at = "2026-11-30T12:00:00+00:00"
    for n, name in enumerate([encoded(EVIL, 3), "Maya Patel", "Zoë\u2028Ñúñez\x00"]):
        db.execute(
            "INSERT INTO participants (email, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
            (f"p{n}@example.org", name, at, at),
        )
    db.execute(
        "INSERT INTO messages (message_id, from_addr, subject, received_at) VALUES ('<m@x>', ?, ?, ?)",
        (encoded("Eve <eve@example.net>", 2), "Re: " + encoded(EVIL, 2), at),
    )
    db.execute("DELETE FROM _sqlite_migrations WHERE name = '0009_clean_names'")
    migrations.apply(db)
    names = [row[0] for row in db.execute("SELECT name FROM participants ORDER BY email")]
    assert names == ["Eve Bcc: evil@attacker.example", "Maya Patel", "Zoë Ñúñez"]
    message = db.execute("SELECT from_addr, subject FROM messages").fetchone()
    assert tuple(message) == ("Eve <eve@example.net>", "Re: Eve Bcc: evil@attacker.example")
    db.close()
