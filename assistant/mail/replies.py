"""How people's mail clients answer our mail: Gmail, Outlook, Apple Mail, iPhone, HTML-only.

The demo plays participants with these, and the tests use them to prove each style is read right. Each builds a
real RFC 5322 reply to one of our messages: To the Reply-To plus-address, In-Reply-To and References set, the
original quoted the way that client quotes it.
"""

from __future__ import annotations

import email
import email.policy
import html
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses, make_msgid

from assistant.mail.message import body_text

STYLES = ("gmail", "outlook", "apple_inline", "iphone", "html_only", "plain")


def reply(
    original: bytes,
    sender: tuple[str, str],
    new_text: str,
    style: str = "gmail",
    when: datetime | None = None,
    inline: dict[int, str] | None = None,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A reply from `sender` (name, address) to `original`. `inline` maps question numbers to answers typed under
    the quoted question (apple_inline style)."""
    source = email.message_from_bytes(original, policy=email.policy.default)
    quoted_text, _ = body_text(source)
    when = when or datetime.now().astimezone()
    msg = EmailMessage()
    msg["From"] = f"{sender[0]} <{sender[1]}>"
    msg["To"] = source.get("Reply-To") or source["From"]
    msg["Subject"] = "Re: " + str(source["Subject"])
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = make_msgid(domain=sender[1].partition("@")[2])
    msg["In-Reply-To"] = source["Message-ID"]
    msg["References"] = " ".join(filter(None, [source.get("References", ""), source["Message-ID"]]))
    for name, value in (headers or {}).items():
        msg[name] = value
    attribution = _attribution(source, when)
    if style == "html_only":
        msg.set_content(_html(new_text, quoted_text, attribution), subtype="html")
    else:
        msg.set_content(_BODIES[style](new_text, quoted_text, attribution, source, inline or {}))
    return msg.as_bytes()


def _attribution(source: EmailMessage, when: datetime) -> str:
    name, address = getaddresses([str(source["From"])])[0]
    sent = source["Date"].datetime if source["Date"] else when - timedelta(days=1)
    return f"On {sent.strftime('%a, %-d %b %Y at %H:%M')}, {name} <{address}> wrote:"


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.strip().splitlines())


def _gmail(new: str, quoted: str, attribution: str, source: EmailMessage, inline: dict[int, str]) -> str:
    return f"{new}\n\n{attribution}\n\n{_quote(quoted)}\n"


def _outlook(new: str, quoted: str, attribution: str, source: EmailMessage, inline: dict[int, str]) -> str:
    sent = source["Date"].datetime.strftime("%A, %B %-d, %Y %-I:%M %p") if source["Date"] else ""
    block = f"From: {source['From']}\nSent: {sent}\nTo: {source['To']}\nSubject: {source['Subject']}"
    return f"{new}\n\n________________________________\n{block}\n\n{quoted.strip()}\n"


def _apple_inline(new: str, quoted: str, attribution: str, source: EmailMessage, inline: dict[int, str]) -> str:
    lines = []
    for line in quoted.strip().splitlines():
        lines.append("> " + line if line else ">")
        number = line.split(".", 1)[0].strip()
        if number.isdigit() and int(number) in inline:
            lines.append("")
            lines.append(inline[int(number)])
            lines.append("")
    head = f"{new}\n\n" if new else ""
    return f"{head}{attribution.replace('On ', 'On ', 1)}\n\n" + "\n".join(lines) + "\n"


def _iphone(new: str, quoted: str, attribution: str, source: EmailMessage, inline: dict[int, str]) -> str:
    return f"{new}\n\nSent from my iPhone\n\n> {attribution}\n>\n{_quote(quoted)}\n"


def _plain(new: str, quoted: str, attribution: str, source: EmailMessage, inline: dict[int, str]) -> str:
    return f"{new}\n"


def _html(new: str, quoted: str, attribution: str) -> str:
    paragraphs = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in new.splitlines())
    quoted_html = "".join(f"<div>{html.escape(line) or '<br>'}</div>" for line in quoted.strip().splitlines())
    return (
        f'<html><body><div dir="ltr">{paragraphs}</div><br><div class="gmail_quote">'
        f'<div class="gmail_attr">{html.escape(attribution)}</div>'
        f'<blockquote class="gmail_quote" style="margin:0 0 0 .8ex;border-left:1px #ccc solid;padding-left:1ex">'
        f"{quoted_html}</blockquote></div></body></html>"
    )


_BODIES = {"gmail": _gmail, "outlook": _outlook, "apple_inline": _apple_inline, "iphone": _iphone, "plain": _plain}


def out_of_office(original: bytes, sender: tuple[str, str], when: datetime | None = None) -> bytes:
    """An Exchange-style automatic reply: the kind of mail we must never record or answer."""
    return reply(
        original,
        sender,
        "I am out of the office until Monday with limited access to email.",
        "plain",
        when,
        headers={"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"},
    ).replace(b"Subject: Re: ", b"Subject: Automatic reply: ", 1)
