"""Keep only what a person newly wrote in an email reply (v2, rule based, measured on the shared corpus).

Replies carry the whole conversation below (or around) the new text: "> " quoted lines,
"On … wrote:" attributions in many languages (wrapped over several lines by Gmail and Apple Mail),
Outlook "From:/Sent:" blocks, "-----Original Message-----" separators, signatures and
"Sent from my iPhone" footers. `new_text` removes those and keeps answers typed inline between
quoted lines; `extract_reply` (a whole message) also keeps the quoted lines an inline answer
replies to, so the reply still reads as the person wrote it.

The line-level helpers (`split_quote`, `history_start`, `new_line_flags`, …) are public because
`assistant.forms.answers` needs the same view of the message line by line.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable
from typing import TypeVar

from assistant.mail.phrases import BLANKS, alternation, label_alternation, phrase_tree, phrases

# Lines longer than this are never a header, footer or attribution: checking them would only cost time.
_MAX_MARKER_LINE = 400
# An attribution wrapped by the client spans at most this many lines (Apple: "On …,\nat 10:18,\nX <a@b> wrote:").
_MAX_ATTRIBUTION_LINES = 6
_MAX_ATTRIBUTION_CHARS = 500
_REMEMBERED_LINES = 8192  # lines (of at most _MAX_ATTRIBUTION_CHARS) whose checks are remembered, per check

_QUOTE_PREFIX = re.compile(r"[ \t]*(?:>[ \t]?)+")

# Words that say "this person wrote", in every language of the phrase tables (assistant/mail/phrases/).
_WROTE = alternation("wrote")
# Scripts written without spaces (Chinese, Japanese, Korean) put the verb right after the name: "Klara님이 작성:".
_WROTE_CJK = phrase_tree(
    [w for w in phrases("wrote") if re.search(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]", w)], BLANKS
)
# A "wrote" where an attribution has one: after a blank, a quote or a bracket, at the start, or (CJK) anywhere. Three
# patterns, not one alternation: each begins with a set of characters, which the search skips to instead of trying
# every verb at every character.
_WROTE_AFTER = re.compile(rf"[\s\"'>)](?:{_WROTE})(?=$|[\s:：(\-])", re.IGNORECASE)
_WROTE_FIRST = re.compile(rf"(?:{_WROTE})(?=$|[\s:：(\-])", re.IGNORECASE)
_WROTE_JOINED = re.compile(rf"(?:{_WROTE_CJK})(?=$|[\s:：(\-])", re.IGNORECASE)
_WROTE_END = re.compile(rf"(?:{_WROTE})$", re.IGNORECASE)
_OPENERS = alternation("attribution_openers")
# Words an attribution starts with ("On …", "Le …", "Am …"): a wrapped attribution is only looked for after one.
_ATTRIBUTION_OPENER = re.compile(
    r"\s*+(?:On|Le|Am|El|Op|Il|In data|Den|Em|W dniu|Dnia|Dne|På|Sun|Mon|Tue|Wed|Thu|Fri|Sat|\w{2,3}\.? \d"
    rf"|\d|\*|[А-Яа-я]{{2,3}}[,.]|-{{2,}}|(?:{_OPENERS})\s)",
    re.IGNORECASE,
)
# The end of an attribution that Gmail wrapped onto a line starting with ">": "> wrote:", ">:".
_WRAPPED_TAIL = re.compile(rf"\s*+(?:(?:{_WROTE})\s*+)?[:：]\s*$|\s*+(?:{_WROTE})\s*+(?:[:：]\s*)?$", re.IGNORECASE)
_STRONG_OPENER = re.compile(rf"\s*+(?:On|Le|Am|El|Op|Il|Em|Den|W dniu|Dnia|In data|{_OPENERS})\s|\s*+\d{{4}}-\d\d-\d\d")
# Where an attribution starts inside a line that carries the answer too ("reply On Wed, … wrote:", talon's
# "reply--- On …"): blanks or a dash rule, then an opener. No quantifier meets another over the same characters.
_MID_OPENER = re.compile(
    rf"(?:[ \t]++|-{{2,}}+[ \t]*+)(?=(?:On|Le|Am|El|Op|Il|Em|Den|W dniu|Dnia|In data|{_OPENERS})\s)"
)
_HAS_DATE = re.compile(r"\d{1,2}:\d\d|\d{1,4}[-./]\d{1,2}[-./]\d{2,4}|\b(?:19|20)\d\d\b|\d{1,2}\s*[年月]")
_HAS_ADDRESS = re.compile(r"@[\w-]+\.|<mailto:|\[mailto:")
# Gmail's old attribution starts with an ISO date: "2016-03-03 17:21 GMT+01:00 Some One <a@b>:".
_ISO_DATED = re.compile(
    r"\s*+\d{4}[-/]\d{1,2}[-/]\d{1,2},?\s+(?:\d{1,2}:\d\d(?::\d\d)?\s+(?:GMT[+-]\d\d:?\d\d\s+)?[^\W\d]|.*[@<])"
)
_ENDS_LIKE_HEADER = re.compile(r"(?::|\s-{2,})\s*$")
# Quoted-printable left undecoded by the sender's client ("escribi=C3=B3:", "=C3=A0 12:32"): runs of "=XX".
_QP_RUN = re.compile(r"(?:=[0-9A-F]{2})++")

_SEPARATOR_WORDS = alternation("original_message", "forwarded_message")
# No two neighbouring parts match the same characters (as `[\s*_]*` then `\s*` did: a line of 400 blanks cost
# 0.1 s here, and a message is thousands of lines), and blanks are never given back (`*+`, possessive): the words
# that follow start with none of them, and giving them back one by one retried every word at every place.
_ORIGINAL_MESSAGE = re.compile(
    rf"[\s*_]*+(?:(?:-{{2,}}+|={{2,}}+)\s*+)?(?:{_SEPARATOR_WORDS})[\s*_]*+(?:(?:-{{2,}}|={{2,}})[\s*_]*+)?(?::\s*)?$",
    re.IGNORECASE,
)
_BEGIN_FORWARDED = re.compile(
    r"\s*+(?:begin forwarded message|anfang der weitergeleiteten nachricht|début du message réexpédié"
    r"|inizio messaggio inoltrato|comienzo del mensaje reenviado|begin doorgestuurd bericht)\s*+:\s*$",
    re.IGNORECASE,
)
# Lines that only draw a rule: cut there when mail headers or an attribution follow.
_RULE = re.compile(r"\s*+(?:-{4,}|={4,}|_{4,}|\*{3,}|(?:\* ){2,}\*|~{4,})\s*$")
# Underscores alone (Outlook's separator, a mailing list's footer rule) end the new text whatever follows.
_UNDERSCORES = re.compile(r"\s*+_{5,}\s*$")
# A shorter rule ends it only above a mailing list's footer ("__" / "riak-users mailing list" / address / link).
_SHORT_UNDERSCORES = re.compile(r"\s*+_{2,}\s*$")
_LIST_FOOTER = re.compile(rf"\S.*(?:{alternation('list_footers')})\s*$", re.IGNORECASE)

# Mail header names as quoting clients write them, in every language of the phrase tables; html2text may render
# them bold, and right-to-left text may carry direction marks before them.
_FROM_NAMES = alternation("header_from")
_OTHER_NAMES = alternation("header_sent", "header_date", "header_to", "header_cc", "header_subject") + r"|reply-to"
_LEAD = r"[\s*\u200e\u200f\u202a-\u202e]*+"
_FROM = re.compile(rf"{_LEAD}(?:{_FROM_NAMES})[\s*]*+[:：]", re.IGNORECASE)
_OTHER_HEADER = re.compile(rf"{_LEAD}(?:{_OTHER_NAMES})[\s*]*+[:：]", re.IGNORECASE)
# A header label inside a line, after a blank: a client that ran the header block into one line writes
# "Date: … From: … To: … Subject: …". Labels keep their capital here, so "to: " in a sentence is not one.
_INLINE_LABELS = label_alternation(
    "header_from", "header_sent", "header_date", "header_to", "header_cc", "header_subject", shortest=2
)
_INLINE_LABEL = re.compile(rf"[ \t](?:{_INLINE_LABELS})[ \t]?[:：][ \t]")
_INLINE_FROM = re.compile(rf"(?:^|[ \t])(?:{label_alternation('header_from', shortest=2)})[ \t]?[:：]")

# A mobile or desktop client's automatic line: "Sent from my iPhone", "Get Outlook for iOS", "Envoyé de mon …".
_FOOTER_WORDS, _FOOTER_ENDINGS = alternation("footers"), alternation("footer_endings")
_FOOTER = re.compile(rf"{_LEAD}(?:[(<]++\s*+)?(?:{_FOOTER_WORDS})", re.IGNORECASE)
# Footers that name the device first: "Az iPhone-omról küldve", "iPhone'umdan gönderildi", "내 iPhone에서 보냄".
_FOOTER_ENDING = re.compile(rf"(?:{_FOOTER_ENDINGS})[.!]?$", re.IGNORECASE)
# "Sent from my desk, is much easier …" is a sentence, not a footer: footers carry no clause after a comma.
_FOOTER_DEVICE = re.compile(
    r"iphone|ipad|ipod|android|mobile|phone|samsung|galaxy|blackberry|pixel|huawei|outlook|mail|yahoo|aol"
    r"|proton|windows|mailbox|airmail|typeapp|spark|k-9|smartphone|handy|tablet|cell|device",
    re.IGNORECASE,
)
# Direction marks and embeddings around right-to-left text ("\u202bבתאריך … מאת …:\u202c").
_BIDI = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"), None)
# A legal notice a mail server or an Outlook template adds: its first words start a paragraph.
_DISCLAIMER_WORDS, _SIGN_OFF_WORDS = alternation("disclaimers"), alternation("sign_offs")
_DISCLAIMER = re.compile(rf"{_LEAD}(?:{_DISCLAIMER_WORDS})", re.IGNORECASE)
_DISCLAIMER_CHARS = 60  # a paragraph this short that starts so is a person's sentence, kept
# A closing line on its own: "Best regards,", "Mit freundlichen Grüßen", "С уважением".
_SIGN_OFF = re.compile(rf"{_LEAD}(?:{_SIGN_OFF_WORDS})[ \t]*+[,.!]?$", re.IGNORECASE)
# What the lines of a signature block carry: a phone number, a web or mail address, "title | company", an IBAN.
_CONTACT = re.compile(
    r"(?:^|\s)\+?\(?\d[\d ().\-/]{6,}\d|www\.|https?://|@[\w-]+\.|\||\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3}"
)
_SIGNATURE_LINES = 10  # a block after the sign-off longer than this is not a signature
# Gmail's invisible tracking mark, zero-width characters: not text a person wrote.
_INVISIBLE = dict.fromkeys(map(ord, "\u1427\u200b\u200c\u200d\u2060\ufeff"), None)


def normalise_lines(text: str) -> list[str]:
    """Split into lines with CRLF/CR normalised and trailing whitespace removed."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [line.rstrip() for line in text.split("\n")]


def split_quote(line: str) -> tuple[int, str]:
    """Return (quote depth, content): "> > yes" and ">> yes" both give (2, "yes")."""
    if ">" not in line[:64]:  # fast path: almost every line has no quote prefix
        return 0, line
    return _split_quoted(line)


def _split(line: str) -> tuple[int, str]:
    match = _QUOTE_PREFIX.match(line)
    if not match:
        return 0, line
    return match.group().count(">"), line[match.end() :]


def is_signature_start(line: str) -> bool:
    """The RFC 3676 separator "-- " (often sent without its trailing space)."""
    return line.strip() in ("--", "\\--", "-- ", "—")  # html2text escapes a leading "--" as "\\--"


def is_footer(line: str) -> bool:
    """A mail client's automatic line such as "Sent from my iPhone" or "Get Outlook for Android"."""
    return len(line) < 160 and _is_footer(line)


@functools.lru_cache(maxsize=_REMEMBERED_LINES)
def _is_footer(line: str) -> bool:
    if not _FOOTER.match(line):
        # A footer that names the device first is short and names one: "Samsung Galaxy okostelefonról küldve".
        return len(line) < 80 and bool(_FOOTER_ENDING.search(line.strip())) and bool(_FOOTER_DEVICE.search(line))
    words = re.sub(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|https?://\S+", " ", line)
    head, comma, _ = words.partition(",")
    if not comma:
        return True
    return bool(_FOOTER_DEVICE.search(head))  # "Sent from my cell, please excuse typos" still is one


def _unqp(text: str) -> str:
    """The text with quoted-printable leftovers decoded where they spell UTF-8 ("escribi=C3=B3" → "escribió");
    a run that does not decode is left as it is."""
    if "=" not in text:
        return text

    def decode(match: re.Match[str]) -> str:
        try:
            return bytes.fromhex(match.group().replace("=", "")).decode("utf-8")
        except UnicodeDecodeError:
            return match.group()

    return _QP_RUN.sub(decode, text)


@functools.lru_cache(maxsize=_REMEMBERED_LINES)
def _says_wrote(text: str) -> bool:
    """A "wrote" verb where an attribution has one. Remembered (the texts asked about are at most
    _MAX_ATTRIBUTION_CHARS long): the same line is asked about several times (alone and joined, when the reply is
    classified and again when its answers are read), and this search through every language's verbs costs more
    than all the other checks of a line together."""
    return bool(_WROTE_AFTER.search(text) or _WROTE_FIRST.match(text) or _WROTE_JOINED.search(text))


_T = TypeVar("_T")


def _remembered(check: Callable[[str], _T]) -> Callable[[str], _T]:
    """A pure function of one line, remembered for lines up to _MAX_ATTRIBUTION_CHARS (a longer one is read afresh,
    and never kept): the quoted history of a reply is the mail every reply to it quotes, and its lines are asked
    about several times; each of these patterns tries the words of every language at the line's start."""
    remembered = functools.lru_cache(maxsize=_REMEMBERED_LINES)(check)

    def test(line: str) -> _T:
        return remembered(line) if len(line) <= _MAX_ATTRIBUTION_CHARS else check(line)

    return test


# A quoted line is split several times (classified, read for answers, looked at from the lines around it).
_split_quoted = _remembered(_split)


_is_from = _remembered(lambda line: _FROM.match(line) is not None)
_is_other_header = _remembered(lambda line: _OTHER_HEADER.match(line) is not None)
_is_original_message = _remembered(lambda line: _ORIGINAL_MESSAGE.match(line) is not None)
_is_begin_forwarded = _remembered(lambda line: _BEGIN_FORWARDED.match(line) is not None)
_starts_disclaimer = _remembered(lambda line: _DISCLAIMER.match(line) is not None)


def _opens_attribution(line: str) -> bool:
    """What a wrapped attribution's first line starts with or holds: an opener, an address, or a "wrote"."""
    return bool(_ATTRIBUTION_OPENER.match(line) or _HAS_ADDRESS.search(line) or _says_wrote(line))


_may_open_attribution = _remembered(_opens_attribution)


def _is_attribution_text(text: str, quote_follows: bool) -> bool:
    """Does this (joined) text read as "On <date>, <person> wrote:"?"""
    return len(text) <= _MAX_ATTRIBUTION_CHARS and _reads_as_attribution(text, quote_follows)


@functools.lru_cache(maxsize=_REMEMBERED_LINES)
def _reads_as_attribution(text: str, quote_follows: bool) -> bool:
    """`_is_attribution_text`, remembered: a reply quotes lines that every reply to the same mail quotes, and each
    line is asked about more than once (alone and joined, classified and then read for answers)."""
    text = _unqp(text.translate(_BIDI)).strip().strip("*").strip()
    if not text:
        return False
    tail = text.rstrip(" -:：").rstrip()
    if _says_wrote(text):
        ends_ok = _ENDS_LIKE_HEADER.search(text) or _WROTE_END.search(tail)
        if not ends_ok:
            # "Am 20.06.24 um 16:20 schrieb Klara Weber" (Thunderbird, no colon): sure only above a quote.
            return quote_follows and len(text) < 200 and bool(_STRONG_OPENER.match(text) and _HAS_DATE.search(text))
        if _HAS_ADDRESS.search(text) or _HAS_DATE.search(text) or quote_follows:
            return True
        return bool(re.match(r"(?:On|Le|Am|El|Op|Il|Em|Den)\s", text)) and len(text) < 200
    if not text.endswith((":", "：")):
        return bool(_ISO_DATED.match(text) and len(text) < 200)
    if _ISO_DATED.match(text):
        return True
    # No verb at all ("ср, 30 апр. 2025 г. в 15:19, John Doe <doe@example.com>:"): a date and an address.
    return bool(_HAS_DATE.search(text) and _HAS_ADDRESS.search(text) and len(text) < 300)


def _header_count(lines: list[str], i: int) -> tuple[int, bool]:
    """How many of the (at most 6) non-blank lines from i look like mail headers, and whether one is From."""
    count, has_from, seen = 0, False, 0
    j = i
    while j < len(lines) and seen < 6:
        line = lines[j]
        j += 1
        if not line.strip():
            if seen and count < 2:  # headers come in one block
                break
            continue
        seen += 1
        if len(line) > _MAX_MARKER_LINE:
            break
        if _is_from(line):
            count, has_from = count + 1, True
        elif _is_other_header(line):
            count += 1
        elif seen > 1 and not re.match(r"\s", line):
            if count >= 3:
                break
            if seen >= 3:
                break
    return count, has_from


def _is_header_block(lines: list[str], i: int) -> bool:
    """Outlook's copy of the earlier message's headers: From/Sent/To/Subject, in some order and language."""
    line = lines[i]
    if len(line) > _MAX_MARKER_LINE or not (_is_from(line) or _is_other_header(line)):
        return False
    count, has_from = _header_count(lines, i)
    if count >= 3 and (has_from or _is_from(line)):
        return True
    return _is_header_run(line) or _is_dated_address_block(lines, i) or _is_from_above_quote(lines, i)


def _is_header_run(line: str) -> bool:
    """A header block run into one line: "Date: … From: a@b.c To: … Subject: …" (three labels or more, one From)."""
    return _header_run(line)


@_remembered
def _header_run(line: str) -> bool:
    labels = sum(1 for _ in itertools.islice(_INLINE_LABEL.finditer(line), 3))
    return labels >= 2 and bool(_INLINE_FROM.search(line)) and bool(_HAS_ADDRESS.search(line) or _HAS_DATE.search(line))


def _is_dated_address_block(lines: list[str], i: int) -> bool:
    """A block of header lines only (two or more, nothing else before the blank line), one a date and one an
    address: "Date: Wed, 16 May 2012 00:15:02 -0600" / "To: a@b.c" is a header copy even without its From."""
    block = list(itertools.takewhile(str.strip, lines[i : i + 7]))
    if not 2 <= len(block) <= 6 or not all(_is_from(b) or _is_other_header(b) for b in block):
        return False
    return any(_HAS_DATE.search(b) for b in block) and any(_HAS_ADDRESS.search(b) for b in block)


def _is_from_above_quote(lines: list[str], i: int) -> bool:
    """A lone "From: someone@example.com" whose message follows quoted within a few lines (talon's tracking-link
    case: the link's closing ">" starts a line)."""
    if not _is_from(lines[i]) or not _HAS_ADDRESS.search(lines[i]):
        return False
    return any(split_quote(line)[0] for line in lines[i + 1 : i + 6])


def _joined_attribution(lines: list[str], i: int) -> int:
    """Lines an attribution starting at lines[i] spans (wrapped by the client), or 0."""
    first = lines[i]
    if len(first) > _MAX_MARKER_LINE:
        return 0
    if _is_attribution_text(first, _quote_follows(lines, i + 1)):
        return 1
    if not _may_open_attribution(first):
        return 0
    if re.search(r"[.!?]\s*$", first) and not _HAS_ADDRESS.search(first):
        return 0  # a sentence ended: this is prose, not the start of a wrapped attribution
    text, blanks = first.strip(), 0
    j = i + 1
    while j < len(lines) and j - i < _MAX_ATTRIBUTION_LINES and len(text) < _MAX_ATTRIBUTION_CHARS:
        line = lines[j]
        j += 1
        if not line.strip():
            blanks += 1
            if blanks > 1:
                return 0
            continue
        if blanks and _is_attribution_text(line, _quote_follows(lines, j)):
            return 0  # "4/5", a blank line, then a whole attribution: the answer is not part of it
        if _STRONG_OPENER.match(line) and _is_attribution_text(line, _quote_follows(lines, j)):
            return 0  # the attribution starts on that line, not here
        depth, content = split_quote(line)
        if depth and not _WRAPPED_TAIL.match(_unqp(content)):
            return 0  # quoted lines start: no attribution wrapped into them (but "> wrote:" is Gmail's wrap)
        # A quoted-printable soft break ("…@exampl=" / "e.com>") joins the halves of a word without a blank.
        text = text[:-1] + line.strip() if text.endswith("=") else text + " " + line.strip()
        if _is_attribution_text(text, _quote_follows(lines, j)):
            return j - i
        if re.search(r"[.!?]\s*$", line) and not _HAS_ADDRESS.search(line):
            return 0  # a sentence ended: this was prose, not a wrapped attribution
    return 0


def history_start(lines: list[str], i: int) -> tuple[str, int]:
    """Whether an earlier message starts at lines[i]: ("attribution" | "block", lines it spans) or ("", 0)."""
    line = lines[i]
    if not line.strip() or len(line) > _MAX_MARKER_LINE:
        return "", 0
    if _is_original_message(line) or _is_begin_forwarded(line) or _is_header_block(lines, i):
        return "block", 1
    if _RULE.match(line) or _UNDERSCORES.match(line):
        after = _next_non_blank(lines, i + 1)
        if after < len(lines) and (_is_header_block(lines, after) or _is_original_message(lines[after])):
            return "block", 1
    span = _joined_attribution(lines, i)
    if span:
        return "attribution", span
    return "", 0


def _next_non_blank(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _quote_follows(lines: list[str], i: int) -> bool:
    after = _next_non_blank(lines, i)
    return after < len(lines) and split_quote(lines[after])[0] > 0


def _is_wrapped_quote(lines: list[str], i: int) -> bool:
    """A quoted line the sender's client wrapped without a ">": between two quoted lines, right after a long one,
    or the broken-off end of a link there (talon's "View ticket (http://…action" / "_nonce=3dd518)")."""
    if i == 0 or i + 1 >= len(lines):
        return False
    before, after = split_quote(lines[i - 1]), split_quote(lines[i + 1])
    if not before[0] or not after[0]:
        return False
    text = lines[i].strip()
    if _is_link_debris(text, before[1]):
        return True
    if len(before[1]) < 50:
        return False
    return len(text) <= 3 or text[0].islower() or not text[0].isalnum()


# A link alone in brackets with the quote marker pushed to the end ("(http://example.com/c/Yz) >"), or the rest
# of a link closing a bracket the quoted line above opened ("_nonce=3dd518)"): no blank inside either.
_LINK_ALONE = re.compile(r"\(https?://[^\s()]++\)[ \t]*+>$")
_LINK_TAIL = re.compile(r"[^\s()]++\)$")


def _is_link_debris(text: str, quoted_above: str) -> bool:
    if len(text) > 200:
        return False
    if _LINK_ALONE.match(text):
        return True
    opened = quoted_above.rfind("(") > quoted_above.rfind(")") and "://" in quoted_above[quoted_above.rfind("(") :]
    return opened and bool(_LINK_TAIL.match(text))


# Line kinds produced by _classify
_NEW, _QUOTED, _ATTRIBUTION, _DROPPED = 0, 1, 2, 3
_FORWARD_MARK = re.compile(r".*(?:forward|transféré|weitergeleitet|reenviado|inoltrato|doorgestuurd|videresendt)", re.I)


def _classify(lines: list[str]) -> list[int]:
    """For each line: new text, a quoted line, an attribution, or dropped (markers, history, signatures)."""
    kinds = [_DROPPED] * len(lines)
    seen_new = False
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line:  # fast path (lines are right-stripped): a blank line is kept as it is
            kinds[i] = _NEW
            i += 1
            continue
        depth, _ = split_quote(line)
        if depth:
            kinds[i] = _QUOTED
            i += 1
            continue
        if is_footer(line) or is_signature_start(line) or _UNDERSCORES.match(line) or _is_list_footer(lines, i):
            break
        kind, span = history_start(lines, i)
        if kind == "attribution":
            # A quote follows: the person may answer inline below it, so keep reading unquoted lines.
            if _quote_follows(lines, i + span):
                kinds[i : i + span] = [_ATTRIBUTION] * span
                i += span
                continue
            break
        if kind == "block":
            if not seen_new and _FORWARD_MARK.match(line):
                i = _skip_headers(lines, i + 1)  # a bare forward: what is forwarded is what the person sends
                continue
            break  # Outlook quotes without ">", so everything below is the earlier message
        if _is_disclaimer(lines, i):
            i = _paragraph_end(lines, i)  # dropped, and what follows is read on: a notice may stand at the top
            continue
        if seen_new and _SIGN_OFF.match(line):
            contact = _contact_block(lines, i + 1)
            if contact:
                names, end = contact
                kinds[i:names] = [_NEW] * (names - i)  # the sign-off and the name are the person's: kept
                i = end
                continue
        if _is_wrapped_quote(lines, i):
            kinds[i] = _QUOTED
        else:
            kinds[i] = _NEW
            seen_new = True
        i += 1
    return kinds


def _is_list_footer(lines: list[str], i: int) -> bool:
    """A short rule ("__") right above a mailing list's footer line ("riak-users mailing list")."""
    if not _SHORT_UNDERSCORES.match(lines[i]) or i + 1 >= len(lines):
        return False
    after = lines[i + 1]
    return len(after) < 120 and bool(_LIST_FOOTER.match(after))


def _paragraph_end(lines: list[str], i: int) -> int:
    while i < len(lines) and lines[i].strip():
        i += 1
    return i


def _is_disclaimer(lines: list[str], i: int) -> bool:
    """A confidentiality notice: a paragraph of some length that starts with a disclaimer's words."""
    if (i and lines[i - 1].strip()) or not _starts_disclaimer(lines[i]):
        return False
    return sum(len(line) for line in lines[i : min(_paragraph_end(lines, i), i + 40)]) >= _DISCLAIMER_CHARS


def _contact_block(lines: list[str], i: int) -> tuple[int, int] | None:
    """After a sign-off at lines[i - 1]: (end of the name lines, end of the block) when what follows, up to the
    earlier message or the end, is a name and then a signature block carrying contact data; else None (kept)."""
    block: list[int] = []
    end = i
    while end < len(lines):
        line = lines[end]
        if line.strip():
            if split_quote(line)[0] or is_footer(line) or is_signature_start(line) or history_start(lines, end)[0]:
                break
            if len(block) >= _SIGNATURE_LINES or len(line) > 80 or re.search(r"[.?!:]$", line.strip()):
                return None  # prose, or too long to be a signature: keep it all
            block.append(end)
        end += 1
    names = [n for n in block[:2] if not re.search(r"\d|@|www\.|\|", lines[n])][:1]
    rest = block[len(names) :]
    # One line under the name ("070-0000000") is kept: only a block of them is surely a signature.
    if not names or len(rest) < 2 or not any(_CONTACT.search(lines[n]) for n in rest):
        return None
    return names[-1] + 1, end


def _kinds(lines: list[str]) -> tuple[int, ...]:
    """`_classify`, remembered for the last few texts: one message is read line by line more than once (for a
    command, then for answers), and reading it costs more than anything else done with its text."""
    key = tuple(lines)
    if sum(map(len, key)) > _REMEMBERED_CHARS:
        return tuple(_classify(lines))
    return _remembered_kinds(key)


_REMEMBERED_CHARS = 200_000  # a longer text is read again rather than kept


@functools.lru_cache(maxsize=4)
def _remembered_kinds(lines: tuple[str, ...]) -> tuple[int, ...]:
    return tuple(_classify(list(lines)))


def _skip_headers(lines: list[str], i: int) -> int:
    """The first line after the header block that starts at lines[i] (it ends at a blank line)."""
    while i < len(lines) and not lines[i].strip():
        i += 1
    end = i
    while end < len(lines) and lines[end].strip() and end - i < 30:
        end += 1
    return end


def new_line_flags(lines: list[str]) -> list[bool]:
    """For each line, whether the person newly wrote it (see `new_text`)."""
    return [kind == _NEW for kind in _kinds(lines)]


_NOTHING_TO_READ = re.compile(r"[\s\-_=*~+#.|\\\u1427\u200b\ufeff]*$")


def _tidy(kept: list[str]) -> str:
    # Trailing lines with nothing to read (rules, tracking marks) are what was left of a separator.
    while kept and _NOTHING_TO_READ.match(kept[-1]):
        kept.pop()
    result = "\n".join(kept)
    return re.sub(r"\n{3,}", "\n\n", result).strip("\n")


def _answer_before_attribution(lines: list[str]) -> list[str]:
    """Lines, with an answer that shares its line with the attribution below it put on a line of its own.

    Only a line that is an attribution as a whole is split, so the split keeps text that was dropped, never less;
    and only a line she wrote, not a quoted one ("> On … wrote:"), whose text before the opener is quoted too. Such
    lines are left as they are, so the lines read here are those `read_answers` reads (and classifies once).
    """
    out: list[str] = []
    for i, line in enumerate(lines):
        if (
            len(line) > _MAX_MARKER_LINE
            or not line.rstrip().endswith((":", "："))
            or split_quote(line)[0]
            or not _says_wrote(line)
        ):
            out.append(line)
            continue
        mid = _MID_OPENER.search(line, 1)
        answer = line[: mid.start()].strip() if mid else ""
        follows = _quote_follows(lines, i + 1)
        whole, rest = _is_attribution_text(line, follows), mid and _is_attribution_text(line[mid.end() :], follows)
        # The part before must not read as the start of the attribution itself ("في الخميس، 20 يونيو 2024 في …").
        own = not _ATTRIBUTION_OPENER.match(line) and not _HAS_DATE.search(answer)
        if mid and answer.strip("-") and own and whole and rest:
            out += [line[: mid.start()].rstrip(), line[mid.end() :]]
            continue
        out.append(line)
    return out


def new_text(text: str) -> str:
    """Only what the person newly wrote in this reply, tidied (see the module docstring)."""
    lines = _answer_before_attribution(normalise_lines(text))
    return _tidy([line for line, new in zip(lines, new_line_flags(lines), strict=True) if new])


def reply_text(text: str) -> str:
    """The reply as its sender wrote it: new text, and around inline answers the quotes they answer.

    A reply is inline when new text follows quoted text twice or more, or once after a quote that no
    "On … wrote:" introduced; then the quotes (and their attributions) up to the last new line are kept, because
    the answers mean nothing without them. A bottom-posted reply (attribution, quote, then the answer) keeps only
    the answer.
    """
    lines = _answer_before_attribution(normalise_lines(text))
    kinds = _kinds(lines)
    blocks: list[int] = []  # the sequence of non-blank line kinds, runs collapsed
    for line, kind in zip(lines, kinds, strict=True):
        if line.strip() and kind != _DROPPED and (not blocks or blocks[-1] != kind):
            blocks.append(kind)
    answers_after_quote = sum(1 for a, b in itertools.pairwise(blocks) if a == _QUOTED and b == _NEW)
    inline = answers_after_quote >= 2 or (answers_after_quote == 1 and _ATTRIBUTION not in blocks)
    if not inline:
        return _tidy([line for line, kind in zip(lines, kinds, strict=True) if kind == _NEW])
    pairs = list(zip(lines, kinds, strict=True))
    last_new = max((n for n, (line, k) in enumerate(pairs) if k == _NEW and line.strip()), default=-1)
    return _tidy([line for n, (line, k) in enumerate(pairs) if k == _NEW or (k != _DROPPED and n < last_new)])


def extract_reply(raw: bytes) -> str:
    """A whole RFC 5322 message to the text its sender wrote (inline answers with the quotes they answer)."""
    # Imported here so new_text (and its tests) do not depend on the MIME parser.
    from assistant.mail.message import parse_message

    return reply_text(parse_message(raw).text)
