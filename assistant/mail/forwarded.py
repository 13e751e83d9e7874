"""Unwrap a forwarded message: who wrote the original, when, about what, what it said, and the forwarder's note.

Handles inline forwards as Gmail, Outlook (old, new, web), Apple Mail, Thunderbird, Yahoo and others write
them, in several languages (a separator line such as "---------- Forwarded message ---------" or
"Begin forwarded message:", and/or a block of From/Date/Subject/To headers, possibly quoted with "> "), and
`message/rfc822` attachments. A reply ("Re: X") quoting the mail it answers under a bare header block
(Subject: X) is not a forward. `unwrap(raw)` returns a dict with the keys the shared corpus scores:
forwarded, from_name, from_address, from_raw, to, subject, date, body, message.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Iterator
from email.message import Message

from assistant.headertext import as_text, clean_name, decode_words, spaced_line
from assistant.mail.message import ParsedMessage, body_text, decode_header, parse_message
from assistant.mail.phrases import alternation, label_alternation
from assistant.mail.reply_text import normalise_lines, split_quote

# The words of a separator line above a forwarded original ("---------- Forwarded message ---------",
# "Begin forwarded message:", "----- Message transmis -----", …), in every language of the phrase tables.
_FORWARD_WORDS = alternation("forwarded_message")
# Outlook writes the same "Original Message" line (or only a rule) above a reply's quoted history and a forward.
_ORIGINAL_WORDS = alternation("original_message")
# No two neighbouring parts match the same characters, and blanks are never given back (`*+`): linear on blanks.
_SEPARATOR = re.compile(
    rf"[\s*_]*+(?:(?:-{{2,}}+|={{2,}}+)\s*+)?(?:{_FORWARD_WORDS}|{_ORIGINAL_WORDS})"
    r"[\s*_]*+(?:(?:-{2,}|={2,})[\s*_]*+)?(?::\s*)?$",
    re.IGNORECASE,
)
_IS_FORWARD_WORDS = re.compile(_FORWARD_WORDS, re.IGNORECASE)
_HEAD_LINES = 60  # a forwarded header block (blank lines between fields included) is read within this many lines
_RULE = re.compile(r"\s*+(?:-{4,}|_{4,}|={4,})\s*$")
_NOTE_RULE = re.compile(r"\s*+(?:-{4,}|_{4,}|={4,}|\*(?: \*){2,}|[—─]{4,})\s*$")

# The header fields of a forwarded original, each in every language of the phrase tables.
_FIELDS = {
    "from": alternation("header_from"),
    "date": alternation("header_sent", "header_date") + r"|date d'envoi",
    "subject": alternation("header_subject"),
    "to": alternation("header_to"),
    "cc": alternation("header_cc"),
    "reply-to": r"reply-to|antwort an|répondre à",
}
# Right-to-left text may carry direction marks before a label.
_HEADER_LINE = re.compile(
    r"[\s*\u200e\u200f\u202a-\u202e]*+("
    + "|".join(f"(?P<{k.replace('-', '_')}>{v})" for k, v in _FIELDS.items())
    + r")[\s*]*+[:：]\s?(.*)$",
    re.IGNORECASE,
)
# Yahoo writes the original's headers on one line: "On Monday, …, John Doe <john@…> wrote:" is not used for
# forwards, but "----- Forwarded Message ----- From: X <x@y> To: … Sent: … Subject: …" is.
# Labels are matched with their capitals here ("Von:", "Datum:"), because on one line a label follows the text of
# the field before it; a label of one letter ("A:") is too easily a word of that text.
_INLINE_NAMES = label_alternation(
    "header_from", "header_sent", "header_date", "header_to", "header_cc", "header_subject", shortest=2
)
# Glued to the value before it ("…>To:") only the labels whose capital cannot end a word of that value.
_GLUED_NAMES = r"From|To|Cc|CC|Sent|Date|Subject|Von|An|Gesendet|Datum|Betreff|De|À|Envoyé|Objet|Para|Enviado|Asunto"
_INLINE_FIELDS = re.compile(rf"(?:{_INLINE_NAMES})\s*:")
_INLINE_FIELDS_SPLIT = re.compile(rf"(?=(?<![\w-])(?:{_INLINE_NAMES})\s*:)|(?<=[>\w\d])(?=(?:{_GLUED_NAMES})\s*:)")
_SEPARATOR_PREFIX = re.compile(rf"\s*+-{{3,}}+\s*+(?:{_FORWARD_WORDS}|{_ORIGINAL_WORDS})\s*+-{{3,}}\s*", re.IGNORECASE)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:(?:fwd?|fw|tr|wg|rv|i|enc|doorst|vs)\s*:\s*)+", re.IGNORECASE)
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|sv|antw|odp|rif|res|ynt|回复|答复)\s*(?:\[\d+\])?\s*[:：]", re.IGNORECASE)
_ANY_PREFIX = re.compile(
    r"^\s*(?:(?:re|aw|sv|antw|odp|rif|res|ynt|fwd?|fw|tr|wg|rv|i|enc|doorst|vs)\s*(?:\[\d+\])?\s*[:：]\s*)+",
    re.IGNORECASE,
)


def unwrap(raw: bytes) -> dict:
    """The forwarded original inside a message (see the module docstring); {"forwarded": False} if none."""
    return unwrap_message(parse_message(raw))


def unwrap_message(msg: ParsedMessage) -> dict:
    """unwrap() for a message already parsed."""
    return _unwrap_message(msg, _ATTACHED_DEPTH)


# A message/rfc822 attachment may itself carry a forward (attached or inline): unwrapped this many levels down.
_ATTACHED_DEPTH = 3


def _unwrap_message(msg: ParsedMessage, depth: int) -> dict:
    attached = _attached_message(msg.headers)
    if attached is not None and depth > 0:
        inner = _unwrap_message(parse_message(attached.as_bytes()), depth - 1)
        if inner.get("forwarded") and _FORWARD_SUBJECT.match(decode_header(attached.get("Subject", ""))):
            # The attached mail is itself a forward: its original is what was asked about; the note is ours.
            return {**inner, "message": msg.text.strip() or inner.get("message")}
    if attached is not None:
        text, _ = body_text(attached)
        # Split into the address first, then decode the name: a decoded "Núñez, Zoë" would read as two addresses.
        name, address = email.utils.parseaddr(spaced_line(as_text(attached.get("From", ""))))
        name = clean_name(name)
        return {
            "forwarded": True,
            "from_name": name or None,
            "from_address": address or None,
            "from_raw": decode_header(attached.get("From", "")) or None,
            "to": decode_header(attached.get("To", "")) or None,
            "subject": decode_header(attached.get("Subject", "")) or None,
            "date": decode_header(attached.get("Date", "")) or None,
            "body": text.strip() or None,
            "message": msg.text.strip() or None,
        }
    return unwrap_text(msg.text, msg.subject)


def _attached_message(msg: Message) -> Message | None:
    for n, part in enumerate(msg.walk()):
        if n > 100:
            break
        if part.get_content_type() == "message/rfc822":
            payload = part.get_payload()
            if isinstance(payload, list) and payload and isinstance(payload[0], Message):
                return payload[0]
    return None


def _split_inline_headers(lines: list[str]) -> list[str]:
    """Yahoo writes "----- Forwarded Message ----- From: X <x@y>To: …Sent: …Subject: …" on one line, and an
    HTML Thunderbird forward, rendered as text, puts its first header on the separator line."""
    out: list[str] = []
    for line in lines:
        depth, content = split_quote(line) if len(line) < 2000 else (0, "")
        match = _SEPARATOR_PREFIX.match(content)
        if match and _INLINE_FIELDS.search(content, match.end()):
            prefix = "> " * depth
            out.append(prefix + match.group(0).strip())
            rest = content[match.end() :]
            out.extend(prefix + part.strip() for part in _INLINE_FIELDS_SPLIT.split(rest) if part.strip())
            out.append(prefix.rstrip())
        else:
            out.append(line)
    return out


def unwrap_text(text: str, outer_subject: str = "") -> dict:
    lines = _split_inline_headers(normalise_lines(text.replace("\ufeff", "")))
    if _FORWARD_SUBJECT.match(outer_subject):
        found = _attribution_forward(lines, _FORWARD_SUBJECT.sub("", outer_subject).strip())
        if found:
            return found
    for index, depth, separator in _forward_starts(lines):
        start = index + 1 if separator else index
        depth += _depth_under_separator(lines, start, depth) if separator else 0
        head = [_strip_depth(line, depth) for line in lines[start : start + _HEAD_LINES]]
        headers, body_at = _read_headers(head)
        if not headers.get("from"):
            continue  # e.g. "Original message" as a line of the note: look further down
        if not _IS_FORWARD_WORDS.search(separator) and _is_reply_history(headers, outer_subject):
            break
        rest = lines[start + body_at :]
        below = _below_quoted(rest, depth)
        body_lines = [_strip_depth(line, depth) for line in rest[: len(rest) - len(below)]]
        body = _unquote_all("\n".join(body_lines).strip("\n")).strip()
        note = _note(lines[:index])
        if below and not note:
            note = "\n".join(below).strip() or None  # the forwarder wrote under the quoted original
        from_raw = headers.get("from", "")
        name, address = _parse_from(from_raw)
        return {
            "forwarded": True,
            "from_name": name or None,
            "from_address": address or None,
            "from_raw": from_raw or None,
            "to": headers.get("to") or None,
            "subject": headers.get("subject") or None,
            "date": headers.get("date") or None,
            "body": body or None,
            "message": note,
        }
    return {"forwarded": False}


def _below_quoted(lines: list[str], depth: int) -> list[str]:
    """A quoted original (depth > 0) followed by unquoted lines: those lines, written below the forward."""
    if depth <= 0:
        return []
    for n, line in enumerate(lines):
        if line.strip() and split_quote(line)[0] < depth:
            tail = lines[n:]
            return tail if not any(split_quote(t)[0] >= depth for t in tail) else []
    return []


def _note(lines: list[str]) -> str | None:
    """The forwarder's note: the text above the forward, without the empty quote lines that lead into it."""
    while lines and (not split_quote(lines[-1])[1].strip() or _NOTE_RULE.match(lines[-1])):
        lines = lines[:-1]  # an empty quote line, or the rule an HTML <hr> became ("* * *")
    return "\n".join(lines).strip() or None


def _is_reply_history(headers: dict[str, str], outer_subject: str) -> bool:
    """A reply ("Re: X") quoting the mail it answers (Subject: X) under a bare header block, not a forward."""
    if not _REPLY_SUBJECT.match(outer_subject) or "subject" not in headers:
        return False
    return _ANY_PREFIX.sub("", headers["subject"]).strip().lower() == _ANY_PREFIX.sub("", outer_subject).strip().lower()


def _depth_under_separator(lines: list[str], start: int, depth: int) -> int:
    """MailMate and Apple Mail may quote the original under an unquoted "Forwarded message:" line: how many
    levels deeper than the separator its headers are."""
    for line in lines[start : start + _HEAD_LINES]:
        if line.strip():
            inner, content = split_quote(line)
            return inner - depth if inner > depth and _HEADER_LINE.match(content) else 0
    return 0


def _unquote_all(body: str) -> str:
    """Missive quotes the whole forwarded body with "> ": when every line is quoted, drop one level."""
    lines = body.split("\n")
    if not any(line.strip() for line in lines):
        return body
    if all(split_quote(line)[0] for line in lines if line.strip()):
        return "\n".join(_strip_depth(line, 1) for line in lines)
    return body


def _attribution_forward(lines: list[str], subject: str) -> dict | None:
    """Outlook forwards as "On <date>, "Name" <address> wrote:" above the indented original (subject "FW: …")."""
    from assistant.mail.reply_text import history_start

    for i, line in enumerate(lines[:200]):
        if not line.strip():
            continue
        kind, span = history_start(lines, i)
        if kind != "attribution":
            if kind == "block" or split_quote(line)[0] or _SEPARATOR.match(line):
                return None  # a header block or quote comes first: the forward is not an attribution
            continue
        head = " ".join(part.strip() for part in lines[i : i + span])
        found = re.search(r"[\"«“]?([^\"«»“”<>,]*?)[\"»”]?\s*<([^<>\s]+@[^<>\s]+)>", head)
        body_lines = lines[i + span :]
        indents = [len(b) - len(b.lstrip(" ")) for b in body_lines if b.strip()]
        cut = min(indents) if indents else 0
        body = "\n".join(split_quote(b[cut:])[1] if split_quote(b)[0] else b[cut:] for b in body_lines).strip()
        return {
            "forwarded": True,
            "from_name": (found.group(1).strip() if found else "") or None,
            "from_address": found.group(2) if found else None,
            "subject": subject or None,
            "body": body or None,
            "message": "\n".join(lines[:i]).strip() or None,
        }
    return None


def _forward_starts(lines: list[str]) -> Iterator[tuple[int, int, str]]:
    """(line index, quote depth, separator line or "") wherever a forwarded original may begin, top first."""
    for i, line in enumerate(lines[:2000]):
        if not line.strip() or len(line) > 300:
            continue
        depth, content = split_quote(line)
        if _SEPARATOR.match(content):
            yield i, depth, content
        elif _is_header_start(lines, i, depth):
            if i > 0 and _RULE.match(split_quote(lines[i - 1])[1]):
                yield i - 1, depth, split_quote(lines[i - 1])[1]
            else:
                yield i, depth, ""


def _is_header_start(lines: list[str], i: int, depth: int) -> bool:
    found = _HEADER_LINE.match(split_quote(lines[i])[1])
    if not found or not found.group("from"):
        return False
    fields = {"from"}
    for line in lines[i + 1 : i + 8]:
        line_depth, content = split_quote(line)
        if not content.strip():
            break
        match = _HEADER_LINE.match(content)
        if match and line_depth == depth:
            fields.add(_field_of(match))
    return len(fields & {"date", "subject", "to"}) >= 2


def _strip_depth(line: str, depth: int) -> str:
    if depth <= 0:
        return line
    line_depth, content = split_quote(line)
    if line_depth >= depth:
        return ">" * (line_depth - depth) + (" " if line_depth > depth else "") + content
    return line


def _read_headers(lines: list[str]) -> tuple[dict[str, str], int]:
    """The header block at the top of lines (blank lines before it skipped): (fields, index of the body)."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    headers: dict[str, str] = {}
    last = ""
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            if headers and not _more_fields_after_blank(lines, i, headers):
                break
            i += 1
            continue
        match = _HEADER_LINE.match(line)
        if match:
            key = _field_of(match)
            if key not in headers:
                headers[key] = _value(match)
            last = key
        elif headers and last and _is_continuation(lines, i, headers[last]):
            headers[last] = (headers[last] + " " + line.strip()).strip()  # a wrapped header value
        else:
            break
        i += 1
    # Address fields are split first and their names decoded after (_parse_from): a name decoded before the split
    # could carry a comma or an address of its own and be read as another person.
    return {k: _clean(v if k in _ADDRESS_FIELDS or "=?" not in v else decode_words(v)) for k, v in headers.items()}, i


_ADDRESS_FIELDS = frozenset({"from", "to", "cc", "reply-to"})


def _more_fields_after_blank(lines: list[str], i: int, headers: dict[str, str]) -> bool:
    """HTML mail rendered as text can leave blank lines between the header fields: a field not seen yet
    within a few lines continues the block."""
    for line in lines[i : i + 6]:
        if line.strip():
            match = _HEADER_LINE.match(line)
            return match is not None and _field_of(match) not in headers
    return False


def _is_continuation(lines: list[str], i: int, value: str) -> bool:
    """Whether lines[i] continues the header value above it rather than starting the body (new Outlook puts
    the body right under "Subject:"): it is folded (indented), the value ends in a list separator, or another
    header field follows it."""
    if lines[i][:1] in (" ", "\t") or value.rstrip().endswith((",", ";")):
        return True
    return i + 1 < len(lines) and _HEADER_LINE.match(lines[i + 1]) is not None


def _field_of(match: re.Match[str]) -> str:
    return next((k for k, v in match.groupdict().items() if v is not None), "")


def _value(match: re.Match[str]) -> str:
    return match.groups()[-1].strip()


def _clean(value: str) -> str:
    value = value.strip().strip("*").strip()
    return re.sub(r"\s+", " ", value)


def _parse_from(value: str) -> tuple[str, str]:
    value = re.sub(r"\[mailto:([^\]]+)\]", r"<\1>", value)
    value = re.sub(r"<mailto:([^>]+)>", r"<\1>", value)
    name, address = email.utils.parseaddr(value)
    if "@" not in address:
        found = re.search(r"[\w.+'-]+@[\w.-]+\.\w+", value)
        address = found.group(0) if found else ""
        name = value.replace(address, "").strip(" <>\"'") if address else value.strip()
    name = name.strip().strip("\"'«»“”„ ").strip()
    return (decode_words(name) if "=?" in name else name), address
