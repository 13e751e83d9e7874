"""Issue 12, end to end through the CLI on the embedded default (Maildir in and out): a name encoded once, twice
or three times (and one with a raw CR/LF) arrives by a CSV sheet, a stranger's `join`, an inbound From and a
forwarded introduction request. It is stored decoded and clean, and every mail in the sent folder reads back
with no CR/LF, no extra header and no extra address, however often its headers are decoded."""

from __future__ import annotations

import csv
import email
import email.policy
import email.utils
import io
import sqlite3
from email.message import EmailMessage, Message
from email.mime.message import MIMEMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.headertext import decode_words
from assistant.mail.replies import reply
from assistant.transport.maildir import deliver
from tests.conftest import headers_survive
from tests.test_headers import EVIL, encoded

CLEAN = "Eve Bcc: evil@attacker.example"
EVE = "eve@example.net"
GRACE = ("Grace Hopper", "grace@example.org")
TIMES = [0, 1, 2, 3]  # 0: the raw name, CR/LF and all


def _cli(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def _name(times: int) -> str:
    return encoded(EVIL, times) if times else EVIL


def _sent(config: Path) -> list[bytes]:
    folder = config.parent / "var" / "sent" / "new"
    return [path.read_bytes() for path in sorted(folder.iterdir())] if folder.exists() else []


def _to(config: Path, address: str) -> list[EmailMessage]:
    """The mails in the sent folder addressed to this address, parsed; each one checked for case 28 first."""
    found = []
    for raw in _sent(config):
        _reads_clean(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        if address in [a.addr_spec for a in message["To"].addresses]:
            found.append(message)
    return found


def _reads_clean(raw: bytes) -> None:
    head = raw.split(b"\n\n", 1)[0]
    assert not any(line.lower().startswith(b"bcc") for line in head.split(b"\n"))
    assert b"=0D" not in head.upper() and b"=0A" not in head.upper()
    unfolded = email.message_from_bytes(head + b"\n\n", policy=email.policy.compat32)
    for name, value in unfolded.items():
        assert "\r" not in decode_words(value) and "\n" not in decode_words(" ".join(value.split())), name
    headers_survive(raw)


def _deliver(config: Path, raw: bytes) -> None:
    (config.parent / "var").mkdir(exist_ok=True)
    deliver(config.parent / "var" / "inbox", raw)


def _stored_name(config: Path, address: str) -> str:
    with sqlite3.connect(config.parent / "var" / "program.db") as db:
        return db.execute("SELECT name FROM participants WHERE email = ?", [address]).fetchone()[0]


def _mail(sender: str, subject: str, body: str, attached: bytes | None = None) -> bytes:
    """Inbound mail with these headers as they are (compat32: the modern policy would decode an encoded name, and
    refuse the CR/LF inside it, before it ever reached the assistant)."""
    message: Message = MIMEText(body, "plain", "utf-8")
    if attached is not None:
        message = MIMEMultipart("mixed", _subparts=[message, MIMEMessage(email.message_from_bytes(attached))])
    message["From"] = sender
    message["To"] = "mentoring@example.org"
    message["Subject"] = subject
    message["Message-ID"] = email.utils.make_msgid(domain="example.net")
    return message.as_bytes()


def _raw_from(name: str, address: str) -> str:
    """A From header as a mail client writes it: the name as given (here, already an encoded word), or quoted."""
    return f"{name} <{address}>" if name.startswith("=?") else email.utils.formataddr((name, address))


@pytest.mark.parametrize("times", TIMES)
def test_a_sheet_name_encoded_reaches_the_prompt_decoded_and_clean(example_config: Path, times: int) -> None:
    folder = example_config.parent
    people = io.StringIO()
    writer = csv.writer(people)
    writer.writerows([["email", "name", "role"], ["dana@example.org", "Dana Okafor", "mentor"], [EVE, _name(times)]])
    (folder / "people.csv").write_text(people.getvalue(), encoding="utf-8")
    (folder / "pairs.csv").write_text(f"mentor_email,mentee_email\ndana@example.org,{EVE}\n", encoding="utf-8")
    assert _cli(example_config, "import", "participants", str(folder / "people.csv")) == 0
    assert _cli(example_config, "import", "pairs", str(folder / "pairs.csv")) == 0
    assert _stored_name(example_config, EVE) == CLEAN
    assert _cli(example_config, "--now", "2026-12-01T09:00", "run", "--once") == 0
    [prompt] = _to(example_config, EVE)
    assert [(a.display_name, a.addr_spec) for a in prompt["To"].addresses] == [(CLEAN, EVE)]
    assert _cli(example_config, "import", "participants", str(folder / "people.csv")) == 0  # changes nothing
    assert _stored_name(example_config, EVE) == CLEAN


@pytest.mark.parametrize("times", TIMES[1:])
def test_a_stranger_joining_with_an_encoded_name_is_stored_and_answered_clean(example_config: Path, times: int) -> None:
    _deliver(example_config, _mail(_raw_from(_name(times), EVE), "join", "join"))
    assert _cli(example_config, "--now", "2026-11-30T13:00", "run", "--once") == 0
    assert _stored_name(example_config, EVE) == CLEAN
    [form] = _to(example_config, EVE)
    assert [(a.display_name, a.addr_spec) for a in form["To"].addresses] == [(CLEAN, EVE)]
    _deliver(example_config, reply(form.as_bytes(), ("Eve", EVE), "1. mentee\n2. product"))
    assert _cli(example_config, "--now", "2026-11-30T14:00", "run", "--once") == 0
    [news] = [m for m in _to(example_config, GRACE[1]) if m["Subject"].startswith("New in the program")]
    assert news["Subject"] == f"New in the program: {CLEAN} (mentee)"
    assert [(a.display_name, a.addr_spec) for a in news["Reply-To"].addresses] == [(CLEAN, EVE)]


@pytest.mark.parametrize("times", TIMES[1:])
def test_an_unknown_sender_with_an_encoded_name_gets_a_clean_reply(example_config: Path, times: int) -> None:
    folder = example_config.parent
    subject = "Re: " + encoded(EVIL, times)
    _deliver(example_config, _mail(_raw_from(_name(times), EVE), subject, "Hello, who are you?"))
    assert _cli(example_config, "--now", "2026-11-30T13:00", "run", "--once") == 0
    [answer] = _to(example_config, EVE)
    assert [(a.display_name, a.addr_spec) for a in answer["To"].addresses] == [(CLEAN, EVE)]
    with sqlite3.connect(folder / "var" / "program.db") as db:
        assert db.execute("SELECT subject FROM messages").fetchone()[0] == f"Re: {CLEAN}"


@pytest.mark.parametrize("times", TIMES[1:])
@pytest.mark.parametrize("how", ["attached", "inline"])
def test_a_forwarded_request_from_an_encoded_name_adds_her_clean(example_config: Path, times: int, how: str) -> None:
    assert (
        _cli(
            example_config,
            "import",
            "participants",
            str(Path(__file__).parent.parent / "examples" / "participants.csv"),
        )
        == 0
    )
    original = _mail(_raw_from(_name(times), EVE), "Looking for a mentor", "Hi Grace, I'd love a mentor.")
    note = "Could you introduce her to Dana? She's moving into product.\n"
    if how == "attached":
        request = _mail(email.utils.formataddr(GRACE), "Fwd: Looking for a mentor", note, attached=original)
    else:
        head = f"---------- Forwarded message ---------\nFrom: {_raw_from(_name(times), EVE)}\n"
        head += "Date: Mon, 30 Nov 2026 at 09:12\nSubject: Looking for a mentor\nTo: Grace Hopper <grace@example.org>\n"
        body = note + "\n" + head + "\nHi Grace, I'd love a mentor.\n"
        request = _mail(email.utils.formataddr(GRACE), "Fwd: Looking for a mentor", body)
    _deliver(example_config, request)
    assert _cli(example_config, "--now", "2026-11-30T13:00", "run", "--once") == 0
    [confirm] = [m for m in _to(example_config, GRACE[1]) if m["Subject"].startswith("Please confirm")]
    # (no DMARC pass from our own server: Grace is asked to confirm first)
    assert confirm["Subject"] == f"Please confirm: introduce {CLEAN}?"
    _deliver(example_config, reply(confirm.as_bytes(), GRACE, "yes"))
    assert _cli(example_config, "--now", "2026-11-30T14:00", "run", "--once") == 0
    assert _stored_name(example_config, EVE) == CLEAN
    [ask] = _to(example_config, "dana.okafor@example.org")
    assert ask["Subject"] == f"Would you mentor {CLEAN}?"
