"""Properties of the readers, checked on inputs hypothesis makes up (derandomised, so every run tries the same ones):
the HTML converter keeps every word in order and quotes exactly what was quoted, and stays bounded on any markup
soup; the reply reader never raises, never invents a line, and finds a top-posted answer above any quoted history.
Plus the plain-text shapes whose line regexes were quadratic (RELIABILITY.md case 27)."""

from __future__ import annotations

import re
import string
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from assistant.forms.answers import read_answers
from assistant.forms.form import load_form
from assistant.mail.deadline import Deadline
from assistant.mail.html_text import CHUNK_BYTES, MAX_BLANK_LINES, MAX_QUOTE_DEPTH
from assistant.mail.message import TEXT_PER_HTML_CHAR, TEXT_SLACK, html_to_text, parse_message
from assistant.mail.reply_text import extract_reply, normalise_lines
from tests.budget import cpu_budget
from tests.conftest import ROOT

PROPERTIES = settings(derandomize=True, max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FORM = load_form(ROOT / "templates" / "forms" / "monthly.yaml")

# --------------------------------------------------------------------------- HTML: a tree of known words

BLOCKS = ("div", "p", "blockquote", "ul", "ol", "table", "pre", "h2")
INLINES = ("span", "b", "i", "a", "font")


def _name(n: int) -> str:
    """A word of letters only, different for every n: digits and markers in the text never look like one."""
    letters = ""
    n += 26
    while n:
        n, rest = divmod(n, 26)
        letters = string.ascii_lowercase[rest] + letters
    return letters


@st.composite
def trees(draw: st.DrawFn) -> tuple[str, list[tuple[str, bool]]]:
    """HTML and its words in document order, each with whether a blockquote holds it."""
    words: list[tuple[str, bool]] = []

    def text(quoted: bool) -> str:
        count = draw(st.integers(0, 3))
        new = [_name(len(words) + n) for n in range(count)]
        words.extend((word, quoted) for word in new)
        return " " + " ".join(new) + " " if new else draw(st.sampled_from(["", " ", "\n"]))

    def inline(depth: int, quoted: bool) -> str:
        if depth > 2 or draw(st.booleans()):
            return text(quoted) if draw(st.integers(0, 4)) else "<br>"
        tag = draw(st.sampled_from(INLINES))
        return f"<{tag}>" + "".join(inline(depth + 1, quoted) for _ in range(draw(st.integers(0, 3)))) + f"</{tag}>"

    def block(depth: int, quoted: bool) -> str:
        if depth > 5 or draw(st.integers(0, 3)) == 0:
            return inline(0, quoted)
        tag = draw(st.sampled_from(BLOCKS))
        if tag in ("p", "h2", "pre"):
            inner = "".join(inline(1, quoted) for _ in range(draw(st.integers(1, 3))))
        elif tag in ("ul", "ol"):
            items = draw(st.integers(1, 3))
            inner = "".join("<li>" + block(depth + 1, quoted) + "</li>" for _ in range(items))
        elif tag == "table":
            cells = draw(st.integers(1, 3))
            inner = "<tr>" + "".join("<td>" + block(depth + 1, quoted) + "</td>" for _ in range(cells)) + "</tr>"
        else:
            inner_quoted = quoted or tag == "blockquote"
            inner = "".join(block(depth + 1, inner_quoted) for _ in range(draw(st.integers(1, 3))))
        return f"<{tag}>{inner}</{tag}>"

    body = "".join(block(0, False) for _ in range(draw(st.integers(1, 4))))
    return f"<html><body>{body}</body></html>", words


@PROPERTIES
@given(trees())
def test_html_keeps_every_word_in_order_and_quotes_exactly_the_quoted(tree: tuple[str, list[tuple[str, bool]]]) -> None:
    html, words = tree
    text = html_to_text(html)
    assert re.findall(r"[a-z]+", text) == [word for word, _ in words]
    quoted_on_line = {}
    for line in text.splitlines():
        for word in re.findall(r"[a-z]+", line):
            quoted_on_line[word] = line.startswith(">")
    assert [quoted_on_line[word] for word, _ in words] == [quoted for _, quoted in words], text


# --------------------------------------------------------------------------- HTML: any markup soup

SOUP = st.lists(
    st.sampled_from(
        [
            "<div>",
            "</div>",
            "<blockquote>",
            "</blockquote>",
            "<br>",
            "<p>",
            "<li>",
            "<ol>",
            "<ul>",
            "<pre>",
            "<table><tr><td>",
            "<hr>",
            "<",
            ">",
            "</",
            '"',
            "'",
            "=",
            " ",
            "\n",
            "\t",
            "x",
            "yes",
            "1.",
            "&amp;",
            "&",
            "&#0;",
            "\x00",
            "<!--",
            "-->",
            "<script>",
            "</script>",
            "<style>",
            '<div class="gmail_attr">',
            '<div class="moz-cite-prefix">',
            '<div id="divRplyFwdMsg">',
            '<hr id="stopSpelling">',
            "<div class=",
            ' title="',
            "<?xml version='1.0' encoding='latin-1'?>",
            '<meta charset="utf-16">',
            "é",
            "😀",
            "\u202e",
        ]
    ),
    max_size=300,
).map("".join)


@PROPERTIES
@given(SOUP)
def test_any_markup_is_read_bounded(html: str) -> None:
    deadline = Deadline.after(10**9, clock=lambda: 0.0)
    text = html_to_text(html, deadline)
    assert len(text) <= TEXT_PER_HTML_CHAR * len(html) + TEXT_SLACK
    lines = text.splitlines()
    assert all(len(line) - len(line.lstrip("> ")) <= 2 * MAX_QUOTE_DEPTH for line in lines)
    runs = [len(run) for run in re.findall(r"(?:^>*\n)+", text + "\n", re.M)]
    assert max(runs, default=0) <= MAX_BLANK_LINES + 1
    # Work: one check per parsed chunk, one per 256 tree events, and an element takes three bytes at least.
    assert deadline.checks <= len(html.encode()) // CHUNK_BYTES + 1 + len(html) // 384 + 8


@PROPERTIES
@given(SOUP)
def test_any_markup_in_a_message_is_read(html: str) -> None:
    message = EmailMessage()
    message["From"] = "maya@example.org"
    message.set_content(html, subtype="html")
    parsed = parse_message(message.as_bytes())
    assert parsed.was_html and len(parsed.text) <= TEXT_PER_HTML_CHAR * len(html) + TEXT_SLACK


# --------------------------------------------------------------------------- the reply reader

LINE_PARTS = [
    "yes",
    "no",
    "1. yes",
    "2) twice",
    "#4 4",
    "Met: yes",
    "> ",
    ">> ",
    "> 1. Did you meet?",
    "On Mon, 2 Nov 2026",
    "at 09:00, Ada <ada@example.org> wrote:",
    "wrote:",
    "-- ",
    "--",
    "Sent from my iPhone",
    "From: Ada",
    "Sent: Monday",
    "To: Maya",
    "Subject: check-in",
    "-----Original Message-----",
    "________________",
    "* * *",
    "    ",
    "\t",
    "=",
    "Le lun. 2 nov. 2026 à 09:00, Ada a écrit :",
    "Begin forwarded message:",
    "Thanks!",
    "Maya",
    "😀",
    "\u200b",
    "",
]
BODIES = st.lists(st.lists(st.sampled_from(LINE_PARTS), max_size=4).map(" ".join), max_size=40).map("\n".join)


def _plain(body: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Maya <maya@example.org>"
    message["Subject"] = "Re: check-in"
    message.set_content(body)
    return message.as_bytes()


@PROPERTIES
@given(BODIES)
def test_the_reply_reader_never_invents_a_line(body: str) -> None:
    reply = extract_reply(_plain(body))
    known = [line.strip() for line in normalise_lines(parse_message(_plain(body)).text)]
    # Each line is a line of the message, or the part of one before an attribution it shared ("reply On … wrote:").
    assert all(any(line.strip() in k for k in known) for line in reply.splitlines())
    assert len(reply) <= len(body) + 1


@PROPERTIES
@given(st.binary(max_size=2000))
def test_the_reply_reader_never_raises_on_bytes(raw: bytes) -> None:
    assert isinstance(extract_reply(raw), str)


ANSWER_WORDS = ["yes", "no", "twice", "three", "times", "we", "met", "my", "cv", "promotion", "case", "4/5", "5"]
ANSWERS = st.lists(
    st.tuples(
        st.sampled_from(["", "1. ", "2. ", "3) ", "4. "]), st.lists(st.sampled_from(ANSWER_WORDS), min_size=1)
    ).map(lambda parts: parts[0] + " ".join(parts[1])),
    min_size=1,
    max_size=6,
).map("\n".join)
QUOTED = st.lists(st.sampled_from(LINE_PARTS), max_size=20).map(lambda lines: "\n".join("> " + x for x in lines))


@PROPERTIES
@given(ANSWERS, QUOTED, st.sampled_from(["gmail", "apple", "outlook"]))
def test_a_top_posted_answer_is_found_above_any_history(answer: str, quoted: str, client: str) -> None:
    history = {
        "gmail": f"On Mon, 2 Nov 2026 at 09:00, Ada <ada@example.org> wrote:\n\n{quoted}",
        "apple": f"On 2 Nov 2026, at 09:00, Ada <ada@example.org> wrote:\n\n{quoted}",
        "outlook": f"________________________________\nFrom: Ada <ada@example.org>\nSent: Monday\nTo: Maya\n"
        f"Subject: check-in\n\n{quoted.replace('> ', '')}",
    }[client]
    assert extract_reply(_plain(f"{answer}\n\n{history}\n")) == answer


# --------------------------------------------------------------------------- plain-text shapes, a megabyte each


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(" " * 398 + "x", id="blanks-then-a-word"),
        pytest.param("\t" * 398 + "x", id="tabs-then-a-word"),
        pytest.param("_" * 398 + "x", id="underscores-then-a-word"),
        pytest.param(" " * 150 + "x", id="blanks-under-the-footer-limit"),
        pytest.param("-- " * 130 + "x", id="dashes"),
        pytest.param("* " * 199 + "x", id="stars"),
        pytest.param("\t" * 5000 + "Maya", id="a-long-signature-line"),
    ],
)
def test_a_megabyte_of_hostile_lines_is_read_quickly(line: str) -> None:
    body = "1. yes\n" + "\n".join([line] * (1_000_000 // len(line)))
    with cpu_budget(10):  # minutes before: the separator and footer regexes were quadratic on runs of blanks
        reply = extract_reply(_plain(body))
        read_answers(reply, FORM)
        read_answers(body + "\n\n" + "\n" * 100_000 + "we worked on it", FORM)


# --------------------------------------------------------------------------- a part's Content-Type, read once

CONTENT_TYPES = st.one_of(
    st.none(),
    st.sampled_from(
        [
            'text/plain; charset="utf-8"',
            "TEXT/HTML; CHARSET=ISO-8859-1",
            "text/plain; charset*=us-ascii'en'UTF-8",
            "text/plain; charset*0*=utf-8''u; charset*1=tf-8",
            "text; charset=utf-8",
            "text/plain; charset=\udcff",
            "multipart/alternative; boundary=x",
            "text/plain;charset=utf-8;charset=latin-1",
            'text/plain; charset="unknown-8bit"',
        ]
    ),
    st.text(alphabet=st.sampled_from(list("text/plain; charset=\"utf-8*'\\\u00e9\udcff ")), max_size=60),
)


@PROPERTIES
@given(CONTENT_TYPES, st.sampled_from(["text/plain", "message/rfc822"]))
def test_a_parts_content_type_reads_as_the_stdlib_reads_it(header: str | None, default: str) -> None:
    """`content_type_of` remembers each Content-Type by its raw value: the type and charset are still exactly what
    `get_content_type` and `get_content_charset` say of the part (a charset they cannot read at all: none)."""
    from email.message import Message

    from assistant.mail.message import content_type_of

    part = Message()
    part.set_default_type(default)
    if header is not None:
        part.set_raw("Content-Type", header)
    try:
        content_type = part.get_content_type()
    except Exception as exc:  # a header no parser gives (text beside raw bytes): raises as the stdlib does
        with pytest.raises(type(exc)):
            content_type_of(part)
        return
    try:
        charset = part.get_content_charset()
    except Exception:
        charset = None
    for _ in range(2):  # read, then remembered
        found = content_type_of(part)
        assert (found.type, found.charset) == (content_type, charset)


# --------------------------------------------------------------------------- the header block alone

# Pieces of a header block: names, values, folding, every line end the parser knows (splitlines' too), 8-bit bytes.
HEADER_PIECES = st.lists(
    st.sampled_from(
        [b"From", b"Message-ID", b"Subject", b"X-A", b":", b" ", b"\t", b"<a@b.c>", b"=?utf-8?q?=C3=A9?=", b"x",
         b"\xff", b"\r", b"\n", b"\r\n", b"\n\n", b"\x0b", b"\x0c", b"\x1c", b"\x1e", b"\x85", b"body"]
    ),
    max_size=40,
).map(b"".join)  # fmt: skip


@PROPERTIES
@given(HEADER_PIECES)
@example(b"A: b\r\r\nC: d\n\nE: f")
@example(b"A: b\n\x0c\nC: d\n\n")
def test_the_header_block_alone_reads_as_the_whole_message_does(raw: bytes) -> None:
    """`read_headers` parses only up to the first blank line: the headers, and so the name the ledger gives a
    message, are exactly those `BytesHeaderParser` reads from the whole message."""
    import email.parser
    import email.policy

    from assistant.mail.message import HEADER_BYTES, message_id_of, read_headers

    whole = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(raw[:HEADER_BYTES])
    alone = read_headers(raw)
    assert list(alone.raw_items()) == list(whole.raw_items())
    assert message_id_of(alone, raw) == message_id_of(whole, raw)


# --------------------------------------------------------------------------- phrases written as a tree

# Letters that branch apart, letters equal ignoring case ("k", "K", the Kelvin sign; "s" and the long s; "i" and
# the dotless and the dotted I of Turkish), regex characters.
PHRASE_LETTERS = "abkK\u212as\u017fi\u0131\u0130.(é"
PHRASES = st.lists(st.text(alphabet=PHRASE_LETTERS + " ", min_size=1, max_size=6), min_size=1, max_size=8)


@PROPERTIES
@given(PHRASES, st.text(alphabet=PHRASE_LETTERS + " \t\xa0x", max_size=16), st.booleans())
@example(["kxyz", "Kab", "ka"], "kab", True)  # as a tree, "k" would be tried before "K" and stop at "ka"
def test_a_phrase_tree_matches_where_and_what_the_flat_alternation_matches(
    words: list[str], text: str, ignore_case: bool
) -> None:
    """`phrase_tree` is only a faster way of writing the alternation: at every place in any text, with or without
    IGNORECASE and whatever follows it, it matches exactly the same text as the phrases listed longest first."""
    from assistant.mail.phrases import phrase_tree

    words = sorted({w.strip() for w in words if w.strip()}, key=lambda w: (-len(w), w))
    if not words:
        return
    for blank in (r"[ \t\xa0]++", r"[ \t]{1,4}"):
        flat = "|".join(blank.join(re.escape(part) for part in word.split()) for word in words)
        tree = phrase_tree(words, blank)
        for tail in ("", r"(?!\w)", "$"):
            listed = re.compile(f"(?:{flat}){tail}", re.IGNORECASE if ignore_case else 0)
            branched = re.compile(f"(?:{tree}){tail}", re.IGNORECASE if ignore_case else 0)
            for at in range(len(text) + 1):
                expected, found = listed.match(text, at), branched.match(text, at)
                assert (found and found.span()) == (expected and expected.span()), (tree, at)
