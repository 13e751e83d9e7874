"""Unwrap a forwarded message: who wrote the original, when, about what, what it said, and the forwarder's note.

Handles inline forwards as Gmail, Outlook (old, new, web), Apple Mail, Thunderbird, Yahoo and others write
them, in several languages (a separator line such as "---------- Forwarded message ---------" or
"Begin forwarded message:", and/or a block of From/Date/Subject/To headers, possibly quoted with "> "), and
`message/rfc822` attachments. `unwrap(raw)` returns a dict with the keys the shared corpus scores:
forwarded, from_name, from_address, from_raw, to, subject, date, body, message.
"""

from __future__ import annotations

import email.utils
import re
from email.message import Message

from assistant.mail.message import body_text, decode_header, parse_message
from assistant.mail.reply_text import normalise_lines, split_quote

_SEPARATOR = re.compile(
    r"[\s*_]*(?:-{2,}|={2,}|_{2,})?\s*(?:forwarded message|original message|message transféré|message d'origine"
    r"|message original|mensaje reenviado|mensaje original|weitergeleitete nachricht|ursprüngliche nachricht"
    r"|messaggio inoltrato|messaggio originale|doorgestuurd bericht|oorspronkelijk bericht|videresendt (?:meddelelse"
    r"|besked|melding)|vidarebefordrat meddelande|mensagem encaminhada|mensagem original|пересланное сообщение"
    r"|исходное сообщение|begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié"
    r"|début du message transféré|inicio del mensaje reenviado|comienzo del mensaje reenviado"
    r"|inizio messaggio inoltrato|forwarded message follows)\s*(?:-{2,}|={2,}|_{2,})?[\s*_]*:?\s*$",
    re.IGNORECASE,
)
_RULE = re.compile(r"\s*(?:-{4,}|_{4,}|={4,})\s*$")

_FIELDS = {
    "from": r"from|von|de|van|da|fra|från|od|от|mittente|remitente|lähettäjä|feladó|expéditeur",
    "date": r"date|sent|datum|gesendet|envoyé|envoyé le|enviado|enviada|fecha|data|inviato|verzonden|skickat|sendt"
    r"|отправлено|дата|wysłano|lähetetty|date d'envoi",
    "subject": r"subject|betreff|objet|sujet|asunto|oggetto|onderwerp|assunto|emne|ämne|тема|temat|aihe|tárgy",
    "to": r"to|an|à|a|para|aan|til|till|кому|do|per|destinataire|empfänger|destinatario",
    "cc": r"cc|kopie|copie|copie à|cópia|copia|kopi|копия|cc ?",
    "reply-to": r"reply-to|antwort an|répondre à",
}
_HEADER_LINE = re.compile(
    r"[\s*]*(" + "|".join(f"(?P<{k.replace('-', '_')}>{v})" for k, v in _FIELDS.items()) + r")[\s*]*[:：]\s?(.*)$",
    re.IGNORECASE,
)
# Yahoo writes the original's headers on one line: "On Monday, …, John Doe <john@…> wrote:" is not used for
# forwards, but "----- Forwarded Message ----- From: X <x@y> To: … Sent: … Subject: …" is.
_INLINE_NAMES = r"From|To|Cc|CC|Sent|Date|Subject|Von|An|Gesendet|Betreff|De|À|Envoyé|Objet|Para|Enviado|Asunto"
_INLINE_FIELDS = re.compile(rf"(?:{_INLINE_NAMES})\s*:")
_INLINE_FIELDS_SPLIT = re.compile(rf"(?=(?<![\w-])(?:{_INLINE_NAMES})\s*:)|(?<=[>\w\d])(?=(?:{_INLINE_NAMES})\s*:)")
_SEPARATOR_PREFIX = re.compile(
    r"\s*-{3,}\s*(?:forwarded message|weitergeleitete nachricht|message transféré|mensaje reenviado"
    r"|messaggio inoltrato|doorgestuurd bericht|original message)\s*-{3,}\s*",
    re.IGNORECASE,
)
_FORWARD_SUBJECT = re.compile(r"^\s*(?:(?:fwd?|fw|tr|wg|rv|i|enc|doorst|vs)\s*:\s*)+", re.IGNORECASE)


def unwrap(raw: bytes) -> dict:
    """The forwarded original inside a message (see the module docstring); {"forwarded": False} if none."""
    msg = parse_message(raw)
    attached = _attached_message(msg.headers)
    if attached is not None:
        text, _ = body_text(attached)
        name, address = email.utils.parseaddr(decode_header(attached.get("From", "")))
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
    """Yahoo writes "----- Forwarded Message ----- From: X <x@y>To: …Sent: …Subject: …" on one line."""
    out: list[str] = []
    for line in lines:
        match = _SEPARATOR_PREFIX.match(line) if len(line) < 2000 else None
        if match and _INLINE_FIELDS.search(line, match.end()):
            out.append(match.group(0).strip())
            rest = line[match.end() :]
            out.extend(part.strip() for part in _INLINE_FIELDS_SPLIT.split(rest) if part.strip())
            out.append("")
        else:
            out.append(line)
    return out


def unwrap_text(text: str, outer_subject: str = "") -> dict:
    lines = _split_inline_headers(normalise_lines(text.replace("\ufeff", "")))
    if _FORWARD_SUBJECT.match(outer_subject):
        found = _attribution_forward(lines, _FORWARD_SUBJECT.sub("", outer_subject).strip())
        if found:
            return found
    start = _forward_start(lines)
    if start is None:
        return {"forwarded": False}
    index, depth, has_separator = start
    note = "\n".join(lines[:index]).strip()
    rest = [_strip_depth(line, depth) for line in lines[index:]]
    if has_separator:
        rest = rest[1:]
    headers, body_at = _read_headers(rest)
    if not headers:
        return {"forwarded": False}
    body = "\n".join(rest[body_at:])
    body = _trim_body(body)
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
        "message": note or None,
    }


def _attribution_forward(lines: list[str], subject: str) -> dict | None:
    """Outlook forwards as "On <date>, "Name" <address> wrote:" above the indented original (subject "FW: …")."""
    from assistant.mail.reply_text import history_start

    for i, line in enumerate(lines[:200]):
        if not line.strip():
            continue
        kind, span = history_start(lines, i)
        if kind != "attribution":
            if split_quote(line)[0] or _SEPARATOR.match(line):
                return None
            continue
        head = " ".join(part.strip() for part in lines[i : i + span])
        found = re.search(r"\"?([^\"<>,]*?)\"?\s*<([^<>\s]+@[^<>\s]+)>", head)
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


def _forward_start(lines: list[str]) -> tuple[int, int, bool] | None:
    """(line index, quote depth, whether that line is a separator) where the forwarded original begins."""
    for i, line in enumerate(lines[:2000]):
        if not line.strip() or len(line) > 300:
            continue
        depth, content = split_quote(line)
        if _SEPARATOR.match(content):
            return i, depth, True
        if _is_header_start(lines, i, depth):
            if i > 0 and _RULE.match(split_quote(lines[i - 1])[1]):
                return i - 1, depth, True
            return i, depth, False
    return None


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
            if headers:
                break
            i += 1
            continue
        match = _HEADER_LINE.match(line)
        if match:
            key = _field_of(match)
            if key not in headers:
                headers[key] = _value(match)
            last = key
        elif headers and last and _header_or_blank(lines, i + 1):
            headers[last] = (headers[last] + " " + line.strip()).strip()  # a wrapped header value
        else:
            break
        i += 1
    return {k: _clean(v) for k, v in headers.items()}, i


def _header_or_blank(lines: list[str], i: int) -> bool:
    return i >= len(lines) or not lines[i].strip() or _HEADER_LINE.match(lines[i]) is not None


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
    return name.strip().strip('"').strip(), address


def _trim_body(body: str) -> str:
    return body.strip("\n").strip()
