"""Keep only what a person newly wrote in an email reply (v1, rule based).

Replies carry the whole conversation below (or around) the new text: "> " quoted lines,
"On … wrote:" attributions, Outlook "From:/Sent:" blocks, signatures and "Sent from my iPhone"
footers. `new_text` removes those and keeps answers typed inline between quoted lines.

The line-level helpers (`split_quote`, `history_start`, `new_line_flags`, …) are public because
`assistant.inbound.answers` needs the same view of the message line by line.
"""

from __future__ import annotations

import re

# Lines longer than this are never a header, footer or attribution: checking them would only cost time.
_MAX_MARKER_LINE = 400

_QUOTE_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)+")

_ATTRIBUTION = re.compile(
    r"\s*(?:On|Le|Am|El|Op|Il|Den|Em|W dniu)\b.{0,300}?"
    r"(?:wrote|a écrit|schrieb|escribió|schreef|ha scritto|skrev|escreveu|napisał)\b.{0,150}:\s*$",
    re.IGNORECASE,
)
# "Ada Lovelace <ada@example.org> wrote:" without a leading "On": only trusted with an address in it.
_BARE_ATTRIBUTION = re.compile(r".{0,200}[@<].{0,200}\bwrote:\s*$", re.IGNORECASE)
# Any other language: "2013.02.08. 7:31 keltezéssel, X írta:". Only trusted when a quote follows it.
_DATED_HEADER = re.compile(r".{0,200}(?:\d{4}|\d:\d\d).{0,200}:\s*$")

_ORIGINAL_MESSAGE = re.compile(
    r"\s*-{2,}\s*(?:original message|ursprüngliche nachricht|message d'origine|mensaje original"
    r"|messaggio originale|oorspronkelijk bericht|oprindelig meddelelse|opprinnelig melding"
    r"|ursprungligt meddelande|alkuperäinen viesti)\s*-{2,}\s*$",
    re.IGNORECASE,
)
_UNDERSCORES = re.compile(r"\s*_{10,}\s*$")

# Outlook header names, several languages; html2text may render them bold ("**From:**").
_FROM = re.compile(r"[\s*]*(?:from|von|de|van|da|från|fra|od|от)\s*:", re.IGNORECASE)
_OTHER_HEADER = re.compile(
    r"[\s*]*(?:sent|date|to|subject|cc|gesendet|datum|an|betreff|envoyé|à|objet|verzonden|aan|onderwerp"
    r"|inviato|a|oggetto|enviado|para|asunto|fecha|skickat|till|ämne|sendt|til|emne)\s*:",
    re.IGNORECASE,
)

_FOOTER = re.compile(
    r"\s*(?:sent from (?:my )?(?:iphone|ipad|android|mobile|phone|samsung|galaxy|blackberry|pixel|huawei|smartphone)"
    r"|sent from (?:mail|yahoo mail|gmail mobile|outlook|proton ?mail|aol)\b"
    r"|sent from my \w+"
    r"|get outlook for (?:ios|android|windows|mac)"
    r"|envoyé de mon |von meinem .{1,40} gesendet|enviado desde mi |verstuurd (?:vanaf|met) mijn "
    r"|inviato da |skickat från min )",
    re.IGNORECASE,
)


def normalise_lines(text: str) -> list[str]:
    """Split into lines with CRLF/CR normalised and trailing whitespace removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


def split_quote(line: str) -> tuple[int, str]:
    """Return (quote depth, content): "> > yes" and ">> yes" both give (2, "yes")."""
    if ">" not in line[:64]:  # fast path: almost every line has no quote prefix
        return 0, line
    match = _QUOTE_PREFIX.match(line)
    if not match:
        return 0, line
    return match.group().count(">"), line[match.end() :]


def is_signature_start(line: str) -> bool:
    """The RFC 3676 separator "-- " (often sent without its trailing space)."""
    return line.strip() in ("--", "\\--")  # html2text escapes a leading "--" as "\\--"


def is_footer(line: str) -> bool:
    """A mobile client's automatic line such as "Sent from my iPhone"."""
    return len(line) < 120 and _FOOTER.match(line) is not None


def _is_attribution(line: str) -> bool:
    if len(line) > _MAX_MARKER_LINE:
        return False
    return bool(_ATTRIBUTION.match(line) or _BARE_ATTRIBUTION.match(line))


def _is_header_block(lines: list[str], i: int) -> bool:
    """A "From:" line followed closely by at least two other mail headers (Outlook)."""
    if len(lines[i]) > _MAX_MARKER_LINE or not _FROM.match(lines[i]):
        return False
    following = [line for line in lines[i + 1 : i + 6] if line.strip()][:4]
    return sum(1 for line in following if len(line) < _MAX_MARKER_LINE and _OTHER_HEADER.match(line)) >= 2


def history_start(lines: list[str], i: int) -> tuple[str, int]:
    """Whether an earlier message starts at lines[i]: ("attribution" | "block", lines it spans) or ("", 0)."""
    line = lines[i]
    if not line.strip() or len(line) > _MAX_MARKER_LINE:
        return "", 0
    if _is_attribution(line):
        return "attribution", 1
    # Gmail wraps long attributions: "On Mon, 2 Nov 2026 at 09:00, Ada <" / "a@x> wrote:".
    if (
        i + 1 < len(lines)
        and re.match(r"\s*(?:On|Le|Am|El|Op|Il)\b", line)
        and _is_attribution(line + " " + lines[i + 1].strip())
    ):
        return "attribution", 2
    if _DATED_HEADER.match(line) and _quote_follows(lines, i + 1):
        return "attribution", 1
    if _ORIGINAL_MESSAGE.match(line) or _is_header_block(lines, i):
        return "block", 1
    if _UNDERSCORES.match(line) and any(_is_header_block(lines, j) for j in range(i + 1, min(i + 3, len(lines)))):
        return "block", 1
    return "", 0


def _next_non_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _quote_follows(lines: list[str], i: int) -> bool:
    after = _next_non_blank(lines, i)
    return after < len(lines) and split_quote(lines[after])[0] > 0


def new_line_flags(lines: list[str]) -> list[bool]:
    """For each line, whether the person newly wrote it (see `new_text`)."""
    flags = [False] * len(lines)
    i = 0
    while i < len(lines):
        if not lines[i]:  # fast path (lines are right-stripped): a blank line is kept as it is
            flags[i] = True
            i += 1
            continue
        depth, _ = split_quote(lines[i])
        if depth or is_footer(lines[i]):
            i += 1
            continue
        if is_signature_start(lines[i]):
            break
        kind, span = history_start(lines, i)
        if kind == "attribution":
            # A quote follows: the person may answer inline below it, so keep reading unquoted lines.
            if _quote_follows(lines, i + span):
                i += span
                continue
            break
        if kind == "block":
            break  # Outlook quotes without ">", so everything below is the earlier message
        flags[i] = True
        i += 1
    return flags


def new_text(text: str) -> str:
    """Only what the person newly wrote in this reply, tidied (see the module docstring)."""
    lines = normalise_lines(text)
    kept = [line for line, new in zip(lines, new_line_flags(lines), strict=True) if new]
    result = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", result).strip("\n")


def extract_reply(raw: bytes) -> str:
    """A whole RFC 5322 message to the text its sender newly wrote."""
    # Imported here so new_text (and its tests) do not depend on the MIME parser.
    from assistant.mail.message import parse_message

    return new_text(parse_message(raw).text)
