"""RELIABILITY case 27: every message is read in bounded time and bounded output, whatever its HTML shape.

The shapes reported in issue 12 (unclosed gmail_attr divs, repeated moz-cite-prefix divs, a tag with no `>`, a flood
of `<`) kept `run --once` busy for minutes and turned 93 KB into 9 million characters. Here each shape is read
with its text bounded, its work bounded (CPU time, never wall time, and the deadline's own count of checks), and a
message over the budget is quarantined as `too_slow` while the loop goes on. Clocks are fakes, so nothing here
depends on how busy the machine is.
"""

from __future__ import annotations

import email
import email.policy
import json
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.cli import main
from assistant.inbound import pipeline
from assistant.mail.deadline import Deadline, TooSlow
from assistant.mail.html_text import MAX_QUOTE_DEPTH
from assistant.mail.message import TEXT_PER_HTML_CHAR, TEXT_SLACK, html_to_text, parse_message
from assistant.mail.replies import reply
from assistant.mail.reply_text import extract_reply
from assistant.transport.maildir import deliver
from tests.budget import cpu_budget
from tests.conftest import ROOT, Program
from tests.hostile_html import SHAPES, shaped

MAYA = ("Maya Patel", "maya.patel@example.org")
LENA = ("Lena Fischer", "lena.fischer@example.org")
DANA = ("Dana Okafor", "dana.okafor@example.org")


def reported(size: int = 250_000) -> str:
    """The message of issue 12, in its parts: each about a quarter of the size."""
    part = size // 4
    return (
        "<html><body><div>1. yes</div>"
        + shaped("unclosed gmail_attr", part)
        + shaped("moz-cite-prefix", part)
        + '<div title="never closed '
        + "x" * part
        + "<" * part
    )


def html_mail(html: str, sender: str = "Maya Patel <maya.patel@example.org>", **headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "mentoring@example.org"
    message["Subject"] = "Re: check-in"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(html, subtype="html", cte="8bit")
    return message.as_bytes()


def ticking() -> tuple[list[int], object]:
    """A fake clock that moves one second each time it is read."""
    reads = [0]

    def clock() -> float:
        reads[0] += 1
        return float(reads[0])

    return reads, clock


# --------------------------------------------------------------------------- bounded output and work


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_shape_is_read_with_bounded_text_and_work(shape: str) -> None:
    html = shaped(shape, 300_000)
    with cpu_budget(10):  # linear work takes well under a second; the regexes this replaced took minutes
        text = html_to_text(html)
        extract_reply(html_mail(html))
    assert len(text) <= TEXT_PER_HTML_CHAR * len(html) + TEXT_SLACK


def test_the_reported_message_is_read_and_its_answer_found() -> None:
    html = reported()
    with cpu_budget(10):
        parsed = parse_message(html_mail(html))
    assert parsed.was_html and parsed.text.startswith("1. yes\n")
    assert len(parsed.text) <= TEXT_PER_HTML_CHAR * len(html) + TEXT_SLACK  # was 100 times the input


@pytest.mark.parametrize("shape", ["nested gmail_attr", "moz-cite-prefix", "nested blockquotes", "outlook markers"])
def test_unclosed_quotes_do_not_multiply_the_text(shape: str) -> None:
    """Quotes are drawn at most MAX_QUOTE_DEPTH deep, so the text grows with the HTML, not with its square:
    93 KB once became 9 million characters."""
    small, large = html_to_text(shaped(shape, 10_000)), html_to_text(shaped(shape, 100_000))
    assert len(large) <= 10 * len(small) + TEXT_SLACK
    assert len(large) <= TEXT_PER_HTML_CHAR * 100_000 + TEXT_SLACK
    assert max(len(line) - len(line.lstrip("> ")) for line in large.splitlines()) <= 2 * MAX_QUOTE_DEPTH


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_work_grows_linearly_with_size(shape: str) -> None:
    """Work counted by the deadline itself (one check per 64 KB parsed and per 256 tree events), not by a watch."""
    checks = []
    for size in (100_000, 400_000):
        deadline = Deadline.after(10**9, clock=lambda: 0.0)
        html_to_text(shaped(shape, size), deadline)
        checks.append(deadline.checks)
    assert checks[1] <= 4 * checks[0] + 8


# --------------------------------------------------------------------------- the budget is enforced during the work


def test_the_deadline_is_checked_while_converting_not_only_before() -> None:
    reads, clock = ticking()
    html = shaped("closed tag flood", 2_000_000)
    parse_chunks = len(html) // (64 * 1024) + 1
    deadline = Deadline.after(parse_chunks + 3, clock=clock)  # enough to parse, not to walk the whole tree
    with pytest.raises(TooSlow, match="converting HTML to text"):
        html_to_text(html, deadline)
    assert deadline.checks == parse_chunks + 4  # it stopped at the first check past the budget
    assert reads[0] == deadline.checks + 1  # one read to set the deadline, then one per check


def test_the_deadline_is_checked_while_parsing() -> None:
    _, clock = ticking()
    with pytest.raises(TooSlow, match="parsing HTML"):
        parse_message(html_mail(reported(1_000_000)), Deadline.after(3, clock=clock))


def test_an_ordinary_html_reply_is_well_within_the_budget() -> None:
    _, clock = ticking()
    deadline = Deadline.after(5, clock=clock)
    parsed = parse_message(html_mail("<div>1. yes</div><blockquote>1. Did you meet?</blockquote>"), deadline)
    assert parsed.text.splitlines()[0] == "1. yes" and deadline.checks <= 2


def test_a_message_over_its_budget_is_quarantined_too_slow_and_the_loop_goes_on(
    program: Program, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fake clock that moves a second per check, and a budget of 20 checks: deterministic on any machine."""
    monkeypatch.setattr(pipeline, "reading_deadline", lambda: Deadline.after(20, clock=ticking()[1]))
    program.deliver(html_mail(shaped("closed tag flood", 2_000_000), Message_ID="<slow@example.org>"))
    program.deliver(html_mail("<p>hello</p>", sender="stranger@example.net", Message_ID="<next@example.net>"))
    program.run("2026-11-30T13:00")
    rows = {r["message_id"]: r for r in program.db.query("SELECT * FROM messages")}
    slow = rows["<slow@example.org>"]
    assert (slow["status"], slow["outcome"], slow["attempts"]) == ("quarantined", "too_slow", 1)
    assert slow["error"] == "too_slow: over the time budget while parsing HTML"  # 2 MB is 31 chunks of 64 KB
    assert (rows["<next@example.net>"]["status"], rows["<next@example.net>"]["outcome"]) == (
        "processed",
        "unknown_sender",
    )
    assert program.outbox(to_addr="maya.patel@example.org") == []  # nothing acted on, nothing answered


# --------------------------------------------------------------------------- through the real CLI


def _cli(config: Path, *args: str) -> int:
    return main(["--config", str(config), *args])


def test_a_hostile_html_mail_among_replies_through_the_cli(
    example_config: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`run --once` on a Maildir: Lena's reply to her prompt is the message of issue 12 (HTML only), between Maya's
    and Dana's plain replies. It is read (or set aside) in bounded time, and both others are recorded."""
    folder, inbox = example_config.parent, example_config.parent / "var" / "inbox"
    _cli(example_config, "import", "participants", str(ROOT / "examples" / "participants.csv"))
    _cli(example_config, "import", "pairs", str(ROOT / "examples" / "pairs.csv"))
    assert _cli(example_config, "--now", "2026-12-01T09:00", "run", "--once") == 0
    prompts = [p.read_bytes() for p in (folder / "var" / "sent" / "new").iterdir()]

    def prompt_to(name: str) -> bytes:
        return next(p for p in prompts if f"To: {name}".encode() in p)

    deliver(inbox, reply(prompt_to("Maya Patel"), MAYA, "1. yes\n2. 3\n3. CV\n4. 5"))
    hostile = email.message_from_bytes(reply(prompt_to("Lena Fischer"), LENA, "x"), policy=email.policy.default)
    hostile.set_content(reported(), subtype="html", cte="8bit")
    deliver(inbox, hostile.as_bytes())
    deliver(inbox, reply(prompt_to("Dana Okafor"), DANA, "1. yes\n2. 2\n3. Promotion case\n4. 4"))
    capsys.readouterr()
    with cpu_budget(30):  # minutes before: the quote regexes over the raw HTML were quadratic
        assert _cli(example_config, "--now", "2026-12-02T09:00", "run", "--once") == 0
    assert "error" not in capsys.readouterr().err.lower()

    assert _cli(example_config, "export", "--format", "json") == 0
    rows = {row["participant"]: row for row in json.loads(capsys.readouterr().out)}
    assert (rows[MAYA[1]]["status"], rows[MAYA[1]]["met"], rows[MAYA[1]]["rating"]) == ("answered", "yes", "5")
    assert (rows[DANA[1]]["status"], rows[DANA[1]]["met"], rows[DANA[1]]["rating"]) == ("answered", "yes", "4")
    with sqlite3.connect(folder / "var" / "program.db") as db:
        statuses = db.execute("SELECT status, error FROM messages WHERE from_addr = ?", (LENA[1],)).fetchall()
    assert statuses == [("processed", None)]
    assert not list((inbox / "new").iterdir())
