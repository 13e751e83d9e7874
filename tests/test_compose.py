"""Composed mail: the headers an automatic sender owes, folded and encoded as RFC 5322 and 2047 say, and the same
bytes the email package writes (compose writes them itself, faster, so these tests hold it to the package). The
headers that carry text are headerregistry's; everything else is what the composer before it wrote."""

from __future__ import annotations

import email
import email.policy
import random
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.base import MIMEBase
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, formataddr

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.mail.compose import POLICY, Envelope, compose, rfc5322_date
from assistant.render import Rendered

NOW = datetime.fromisoformat("2026-12-02T09:00:00+00:00")
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
TEXT = "Hi Zoë,\r\n\r\nHere is what I recorded:\n\n1. Did you meet this month? yes   \n" + "long line " * 20 + "\n"
HTML = '<p>Hi Zoë,</p>\n<p style="margin:0">1. Did you meet? <strong>yes</strong></p>\n' + "<p>x</p>" * 30


def test_a_long_subject_and_a_non_ascii_name_fold_encode_and_round_trip() -> None:
    subject = "Your December mentoring check-in: " + "what you recorded, and one question about it " * 3
    envelope = Envelope(
        from_name="Ada from the Mentoring Program",
        from_addr="mentoring@example.org",
        to=[("Zoë Ñúñez-Åberg", "zoe@example.org"), ("Grace Hopper", "grace@example.org")],
        reply_to=("Ada", "mentoring+token123@example.org"),
        in_reply_to="<their-reply@example.net>",
        references=[f"<earlier-{n}.1234567890@example.org>" for n in range(5)],
        unsubscribe="mentoring+token123@example.org",
    )
    raw = compose(Rendered(subject, TEXT, HTML), envelope, "<ours.1@example.org>", NOW, "Programme Élan").as_bytes()
    head = raw.split(b"\n\n", 1)[0]
    assert max(len(line) for line in head.split(b"\n")) <= 78  # RFC 5322: fold where a line would pass 78
    assert raw.isascii() and b"=?utf-8?" in head  # RFC 2047: the name and the loop header are encoded words
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == " ".join(subject.split())
    assert [(a.display_name, a.addr_spec) for a in parsed["To"].addresses] == [
        ("Zoë Ñúñez-Åberg", "zoe@example.org"),
        ("Grace Hopper", "grace@example.org"),
    ]
    assert parsed["From"].addresses[0].display_name == "Ada from the Mentoring Program"
    assert parsed["Reply-To"].addresses[0].addr_spec == "mentoring+token123@example.org"
    assert parsed["Message-ID"] == "<ours.1@example.org>"
    assert parsed["In-Reply-To"] == "<their-reply@example.net>"
    assert parsed["References"].split() == [*envelope.references, "<their-reply@example.net>"]
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["X-Auto-Response-Suppress"] == "OOF, AutoReply"
    assert parsed["X-Mentorship-Assistant"] == "Programme Élan"
    assert parsed["List-Unsubscribe"] == "<mailto:mentoring+token123@example.org?subject=stop>"
    assert parsed["Date"].datetime == NOW
    assert parsed.get_body(("plain",)).get_content() == TEXT.replace("\r\n", "\n")
    assert parsed.get_body(("html",)).get_content() == HTML
    assert not parsed.defects and not any(part.defects for part in parsed.walk())


def test_the_bytes_are_the_email_packages_and_the_old_composers() -> None:
    """compose's own writer against the email package's generator on the same tree; and against the composer
    before it (MIMEText, formataddr, the generator) given the same boundaries, on many mixed envelopes: the same
    bodies and the same headers that carry no text, byte for byte, and the same decoded names and subject."""
    rng = random.Random(20261202)
    for _ in range(300):
        args = _random_mail(rng)
        new = compose(*args)
        assert new.as_bytes() == Message.as_bytes(new) == Message.as_bytes(new, policy=POLICY)
        old = _old_compose(*args)
        _same_boundaries(old, new)
        _same_but_the_text_headers(old.as_bytes(), new.as_bytes())


TEXT_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "X-Mentorship-Assistant")


def _same_but_the_text_headers(old: bytes, new: bytes) -> None:
    old_fields, new_fields = _fields(old.split(b"\n\n", 1)[0]), _fields(new.split(b"\n\n", 1)[0])
    assert [name for name, _ in new_fields] == [name for name, _ in old_fields]
    plain = [(n, v) for n, v in new_fields if n not in TEXT_HEADERS]
    assert plain == [(n, v) for n, v in old_fields if n not in TEXT_HEADERS]
    old_parsed = email.message_from_bytes(old, policy=email.policy.default)
    new_parsed = email.message_from_bytes(new, policy=email.policy.default)
    for name in TEXT_HEADERS:
        if name in ("Subject", "X-Mentorship-Assistant"):  # headerregistry may fold before the first word
            assert new_parsed[name].strip() == old_parsed[name].strip()
        elif name in old_parsed:
            assert _people(new_parsed[name]) == _people(old_parsed[name])
    for old_part, new_part in zip(old_parsed.walk(), new_parsed.walk(), strict=True):
        assert new_part.get_content_type() == old_part.get_content_type()
        assert new_part.get_filename() == old_part.get_filename()
        assert new_part["Content-ID"] == old_part["Content-ID"]
        assert new_part.get_payload() == old_part.get_payload() or new_part.is_multipart()


def _fields(head: bytes) -> list[tuple[str, bytes]]:
    """(name, raw value) of each header, folded lines kept."""
    fields: list[tuple[str, bytes]] = []
    for line in head.split(b"\n"):
        if line[:1] in (b" ", b"\t"):
            fields[-1] = (fields[-1][0], fields[-1][1] + b"\n" + line)
        else:
            name, _, value = line.partition(b":")
            fields.append((name.decode(), value))
    return fields


def _people(header: object) -> list[tuple[str, str]]:
    """Python 3.11's parser keeps the folding space between two encoded words of a display name, which RFC 2047
    (and mail clients) drop: compare the names without their spaces."""
    return [("".join(a.display_name.split()), a.addr_spec) for a in header.addresses]  # type: ignore[attr-defined]


def test_attachments_and_inline_images_keep_their_structure() -> None:
    envelope = Envelope(from_name="Ada", from_addr="a@example.org", to=[("B", "b@example.org")])
    rendered = Rendered("S", "text\n", "<p><img src='cid:c1'></p>")
    msg = compose(rendered, envelope, "<1@example.org>", NOW, "P", [("my-data.json", "application/json", b"{}")])
    assert [p.get_content_type() for p in msg.walk()] == [
        "multipart/mixed",
        "multipart/alternative",
        "text/plain",
        "text/html",
        "application/json",
    ]
    parsed = email.message_from_bytes(msg.as_bytes(), policy=email.policy.default)
    [attachment] = parsed.iter_attachments()
    assert attachment.get_filename() == "my-data.json" and attachment.get_content() == b"{}"
    with_image = compose(rendered, envelope, "<2@example.org>", NOW, "P", images=[("c1", PNG)])
    parsed = email.message_from_bytes(with_image.as_bytes(), policy=email.policy.default)
    image = next(p for p in parsed.walk() if p.get_content_type() == "image/png")
    assert image["Content-ID"] == "<c1>" and image.get_content() == PNG


def _random_mail(rng: random.Random) -> tuple[Rendered, Envelope, str, datetime, str, list, list]:  # type: ignore[type-arg]
    words = ["yes", "Zoë", "check-in;", "answers,", "a" * rng.randint(1, 90), "Ñúñez", "and", "x" * 70, "4/5", "—"]

    def phrase(most: int) -> str:
        return " ".join(rng.choice(words) for _ in range(rng.randint(1, most)))

    people = [(phrase(4)[:200].strip(), f"p{n}@example.org") for n in range(rng.randint(1, 6))]  # names: 200 at most
    envelope = Envelope(
        from_name=phrase(3)[:200].strip(),
        from_addr="mentoring@example.org",
        to=people,
        cc=people[: rng.randint(0, 3)],
        reply_to=rng.choice([None, (phrase(2), "mentoring+abc@example.org")]),
        in_reply_to=rng.choice([None, "<r@example.net>"]),
        references=[f"<{'id' * rng.randint(1, 30)}.{n}@example.org>" for n in range(rng.randint(0, 25))],
        unsubscribe=rng.choice([None, "mentoring+" + "t" * rng.randint(1, 60) + "@example.org"]),
    )
    rendered = Rendered(phrase(25), phrase(60) + "\n" + TEXT, HTML + phrase(40))
    attachments = [(phrase(2) + ".json", "application/json", b"{}")] if rng.random() < 0.2 else []
    images = [("c1", PNG)] if rng.random() < 0.2 else []
    return rendered, envelope, f"<{rng.randint(0, 10**12)}.ma@example.org>", NOW, phrase(3), attachments, images


def _same_boundaries(old: Message, new: Message) -> None:
    for old_part, new_part in zip(old.walk(), new.walk(), strict=True):
        if new_part.is_multipart():
            old_part.set_boundary(new_part.get_boundary())


# The composer as it was before it wrote its own bytes (commit ee2824a): the reference the new one must equal.
_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP
_UTF8_QP.header_encoding = QP


def _old_compose(
    rendered: Rendered,
    envelope: Envelope,
    message_id: str,
    date: datetime,
    program: str,
    attachments: Sequence[tuple[str, str, bytes]] = (),
    images: Sequence[tuple[str, bytes]] = (),
) -> Message:
    msg = _old_body(rendered, attachments, images)
    msg["From"] = _old_address(envelope.from_name, envelope.from_addr)
    msg["To"] = ", ".join(_old_address(name, addr) for name, addr in envelope.to)
    if envelope.cc:
        msg["Cc"] = ", ".join(_old_address(name, addr) for name, addr in envelope.cc)
    if envelope.reply_to:
        msg["Reply-To"] = _old_address(*envelope.reply_to)
    msg["Subject"] = _old_text_header(rendered.subject)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if envelope.in_reply_to:
        msg["In-Reply-To"] = envelope.in_reply_to
        msg["References"] = " ".join([*envelope.references, envelope.in_reply_to][-20:])
    msg["Auto-Submitted"] = "auto-generated"
    msg["X-Auto-Response-Suppress"] = "OOF, AutoReply"
    msg["X-Mentorship-Assistant"] = _old_text_header(program)
    if envelope.unsubscribe:
        msg["List-Unsubscribe"] = f"<mailto:{envelope.unsubscribe}?subject=stop>"
    return msg


def _old_body(
    rendered: Rendered, attachments: Sequence[tuple[str, str, bytes]], images: Sequence[tuple[str, bytes]]
) -> Message:
    html: MIMEBase = MIMEText(rendered.html, "html", _UTF8_QP)
    if images:
        related = MIMEMultipart("related")
        related.attach(html)
        for cid, png in images:
            image = MIMEImage(png, "png")
            image["Content-ID"] = f"<{cid}>"
            image.add_header("Content-Disposition", "inline", filename=f"{cid}.png")
            related.attach(image)
        html = related
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(rendered.text, "plain", _UTF8_QP))
    alternative.attach(html)
    if not attachments:
        return alternative
    mixed = MIMEMultipart("mixed")
    mixed.attach(alternative)
    for filename, mime, data in attachments:
        part = MIMEApplication(data, mime.partition("/")[2] or "octet-stream")
        part.replace_header("Content-Type", mime)
        part.add_header("Content-Disposition", "attachment", filename=_old_clean(filename))
        mixed.attach(part)
    return mixed


def _old_text_header(text: str) -> str | Header:
    text = _old_clean(text)
    return text if text.isascii() else Header(text, _UTF8_QP)


def _old_address(name: str, address: str) -> str:
    return formataddr((_old_clean(name), address), charset=_UTF8_QP)


def _old_clean(text: str) -> str:
    return " ".join("".join(c if c.isprintable() else " " for c in text).split())


_OFFSETS = st.timedeltas(min_value=timedelta(hours=-23, minutes=-59), max_value=timedelta(hours=23, minutes=59))
_ZONES = st.one_of(st.none(), st.timezones(), _OFFSETS.map(timezone))


@given(st.datetimes(timezones=_ZONES))
def test_the_date_header_is_the_email_packages(moment: datetime) -> None:
    assert rfc5322_date(moment) == format_datetime(moment)


def test_text_that_holds_the_boundary_cannot_break_the_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """The boundary is not looked for in our text parts: quoted-printable writes its "=" as "=3D", so the text
    cannot hold it whatever it says."""
    monkeypatch.setattr(random, "randrange", lambda _n: 42)
    boundary = "=" * 15 + "42".zfill(19) + "=="
    text = f"--{boundary}\nContent-Type: text/html\n\n<script>\n--{boundary}--\n"
    envelope = Envelope(from_name="Ada", from_addr="mentoring@example.org", to=[("Zoe", "zoe@example.org")])
    raw = compose(Rendered("Hi", text, text), envelope, "<ours.1@example.org>", NOW, "Programme").as_bytes()
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed.get_boundary() == boundary
    parts = [part.get_content() for part in parsed.iter_parts()]
    assert parts == [text, text]
