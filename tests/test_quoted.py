"""Quoted-printable text parts (assistant/mail/quoted.py): the same bytes as the email package's
`quoprimime.body_encode`, whatever the text: non-ASCII, "=", spaces and tabs at line ends, long lines, CR and LF."""

from __future__ import annotations

from email import quoprimime

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.mail.quoted import encode

# The characters that make body_encode work: each kind of line break, "=", whitespace, non-ASCII of each UTF-8
# length, controls, and plain letters to make long lines.
_PIECES = st.sampled_from(["a", "b", " ", "\t", "=", "\r", "\n", "\r\n", "é", "€", "😀", "\x00", "\x0b", "\x85", "~"])
_TEXT = st.one_of(
    st.lists(_PIECES, max_size=400).map("".join),
    st.text(max_size=300),
    st.lists(st.sampled_from(["x" * 70, "=" * 3, " ", "\t", "é", "\n"]), max_size=20).map("".join),
)


def body_encode(text: str) -> str:
    """What compose handed quoprimime before: the UTF-8 bytes, one character per byte."""
    return quoprimime.body_encode(text.encode("utf-8").decode("latin-1"))


@settings(max_examples=2000, deadline=None)
@given(_TEXT)
def test_the_same_text_as_the_email_packages_encoder(text: str) -> None:
    assert encode(text) == body_encode(text)


def test_a_long_line_of_quoted_characters_and_trailing_whitespace() -> None:
    for width in range(60, 90):
        for end in ("", " ", "\t", " \n", "\t\r\n", "=", "é "):
            for filler in ("x", "=", "é", "x="):
                text = (filler * width)[:width] + end
                assert encode(text) == body_encode(text), (width, end, filler)
                assert encode(text + "\n" + text) == body_encode(text + "\n" + text)


def test_text_of_many_kinds_of_bytes_to_quote() -> None:
    greek = "".join(map(chr, range(0x3B1, 0x3C9)))  # Greek letters: dozens of kinds of UTF-8 bytes
    for text in (f"{greek} = {greek}\n" * 3, "".join(map(chr, range(300))) + "\n"):
        assert encode(text) == body_encode(text)


def test_empty_text() -> None:
    assert encode("") == body_encode("") == ""
