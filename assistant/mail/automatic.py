"""Is this mail from a robot? Bounces, auto-replies, mailing lists and our own reflected mail are never answered.

Evidence in order of strength (RELIABILITY.md, "No loops"; measured on shared/corpora/automatic):

1. our own loop header or our own From → loop;
2. delivery reports: `multipart/report` (RFC 3464 DSN, RFC 5965 ARF feedback), a `message/delivery-status`
   part, an empty Return-Path, MAILER-DAEMON/postmaster senders, and the wording of non-standard bounces
   ("Undelivered Mail Returned to Sender", "could not be delivered", SMTP 5.x.x/4.x.x replies) → bounce;
3. RFC 3834 and vendor headers (`Auto-Submitted`, `X-Autoreply`, `X-Autorespond`, `Precedence: auto_reply`),
   robot senders (noreply@) and subject/body patterns in several languages → auto_reply;
4. `List-Id` and friends, `Precedence: list|bulk|junk` → list.

`classify(raw)` returns one of human, bounce, auto_reply, list, loop; `bounce_details(msg)` gives what a bounce
says about the failed recipient (address, DSN status, soft 4.x.x or hard 5.x.x).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from email.message import Message

from assistant.mail.message import ParsedMessage, content_type_of, parse_message

LOOP_HEADER = "X-Mentorship-Assistant"
_LIST_HEADERS = (
    "List-Id",
    "List-Unsubscribe",
    "List-Post",
    "List-Subscribe",
    "X-Mailing-List",
    "Mailing-List",
    "X-ML-Name",
    "X-MLServer",
    "X-ML-Server",
)

_ROBOT_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply|bounces?)([+@.-]|$)", re.I)
_BOUNCE_SENDERS = re.compile(
    r"^(mailer-daemon|post_?master|mail-?daemon|mailerdaemon|mdaemon|mail ?delivery ?(subsystem|system)?"
    r"|bounces?|returned|nobody|root|mmdf|smtp|mail-?admin|mailadmin|postoffice|daemon|mailer|mail)$",
    re.I,
)
_BOUNCE_NAMES = re.compile(
    r"mail ?delivery|mailer[- ]?daemon|postmaster|delivery (status|subsystem|notification)|returned mail"
    r"|mail administrator|mail system|system administrator",
    re.I,
)
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|undelivered|delivery (status notification|failure|failed|has failed|notification|report|problem)"
    r"|(mail|message) delivery (failed|failure|system|error|notification)|returned (mail|to sender)"
    r"|failure notice|delivery final failure|non[- ]?delivery|nondeliverable|not (been )?delivered"
    r"|could not (be )?deliver|couldn'?t be delivered|mail could not|delivery error|message not delivered"
    r"|rejected|bounced?\b|permanent (error|failure)|temporary failure|warning: could not send|delayed mail"
    r"|delivery delayed|delivery (has been )?delayed|mail system error|error sending message|message blocked"
    r"|unzustellbar|nicht zustellbar|non remis|non distribuable|échec de (la )?(remise|livraison)"
    r"|no se puede entregar|no entregado|impossibile recapitare|onbestelbaar|不能|配信(エラー|不能|失敗)"
    r"|returned mail|mail error|delivery notification|notification \(failure\)|sending failed|unable to deliver"
    r"|there was an error|^error$|^failure|^warning\b|notice of delivery|delivery (status )?report"
    r"|unsent message|message you sent|mailbox (is )?(full|unavailable)|over quota|user unknown"
    r"|spam|complaint|abuse report|feedback",
    re.I,
)
_AUTO_SUBJECT = re.compile(
    r"^\s*(?:\[?(?:auto|automatic)[^\]]*\]?\s*:?\s*)?(?:out of (?:the )?office|automatic reply|auto[- ]?reply"
    r"|autoreply|auto[- ]?response|automated response|autosvar|automatisk svar|abwesenheitsnotiz|abwesend"
    r"|automatische antwort|réponse automatique|absence|respuesta automática|risposta automatica"
    r"|automatisch antwoord|afwezig|i am (?:currently )?(?:out|away)|i'?m (?:currently )?(?:out|away)"
    r"|on vacation|on leave|away from (?:the )?office|vacation|holiday|urlaub|congés|fuera de la oficina"
    r"|assente|nicht im büro|poissa|nieobecność|automatyczna odpowiedź|автоответ|不在|自動応答|自动回复"
    r"|thank you for (?:your )?(?:e-?mail|message|contacting)|we(?:'ve| have) received your)",
    re.I,
)
_AUTO_BODY = re.compile(
    r"\b(?:i am|i'm|i will be) (?:currently )?(?:out of (?:the )?office|away|on (?:vacation|holiday|leave)"
    r"|travell?ing|out of town)|automatic(?:ally)? (?:reply|response|generated)|this is an auto(?:mated|matic)?"
    r"[- ]?(?:reply|response|message)|limited access to (?:my )?e-?mail|will (?:respond|reply|get back)"
    r" (?:to your (?:e-?mail|message) )?(?:when|upon|as soon as) (?:i|my) return|ich bin (?:bis|vom|ab)"
    r"|je suis absent|estoy fuera|sono assente",
    re.I,
)
# Wording of non-standard bounces (Exim, qmail, Sendmail, Postfix, Exchange, providers) in the first few KB.
_BOUNCE_BODY = re.compile(
    r"(?:could not be delivered|couldn'?t be delivered|was not delivered|wasn'?t delivered|undeliverable"
    r"|delivery (?:to the following recipients? )?(?:has )?failed|permanent(?:ly)? (?:error|failure|failed)"
    r"|the following addresses had (?:permanent )?(?:fatal )?errors|unable to deliver|delivery failure"
    r"|message (?:could not|cannot) be (?:delivered|sent)|returned to sender|this is the mail system at host"
    r"|i'?m sorry to (?:have to )?inform you|failed to deliver|delivery to the following recipient"
    r"|mailbox (?:is )?(?:full|unavailable|not found|does not exist|disabled)|user unknown|unknown user"
    r"|no such (?:user|mailbox|recipient)|recipient (?:address )?rejected|address rejected|over quota"
    r"|quota exceeded|host unknown|relay access denied|message rejected|rejected by|smtp error"
    r"|remote host said|remote server (?:replied|returned)|diagnostic-code|final-recipient|action: failed"
    r"|status: [45]\.\d|\b[45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b|this is an automatically generated delivery"
    r"|delivery status notification|non-?delivery report|has not been delivered|hasn'?t been delivered"
    r"|message you sent .{0,40}(?:could not|was not|has not)|your message .{0,80}(?:could not|cannot|was not"
    r"|wasn'?t|has not|did not) (?:be )?(?:delivered|reach)|not reachable|returned mail|mail delivery failed"
    r"|unzustellbar|konnte nicht zugestellt|n'a pas pu être (?:remis|distribué)|no se pudo entregar"
    r"|This message was created automatically by mail delivery software|Delivery has failed to these"
    r"|was rejected|has been rejected|blocked|blacklisted|listed in|spam)",
    re.I,
)
# The strongest body cues: a robot writes these, a person hardly ever does.
_STRONG_BOUNCE_BODY = re.compile(
    r"(?:this is the mail system at host|message was created automatically by mail delivery software"
    r"|could not be delivered to one or more|the following addresses had (?:permanent )?(?:fatal )?errors"
    r"|delivery to the following recipients? (?:failed|has failed)|i'?m sorry to (?:have to )?inform you that"
    r" your message|this is an automatically generated delivery status|undeliverable|delivery has failed"
    r"|unable to deliver (?:your )?message|your message (?:could not|cannot|was not|wasn'?t) (?:be )?delivered"
    r"|final-recipient:|diagnostic-code:|original-recipient:|remote-mta:|reporting-mta:|mail delivery failed"
    r"|returned mail: |hi\. this is the qmail-send program|sorry, i wasn'?t able to deliver|the original message"
    r" was received at|a message that you sent could not be delivered|delivery status notification \(failure\)"
    r"|message not delivered|your message did not reach|failed to deliver|has been rejected by|was rejected by"
    r"|permanent fatal errors|could not be delivered|transcript of session follows|message delivery failure)",
    re.I,
)
_SES_NOTIFICATION = re.compile(r'\\?"notificationType\\?"\s*:\s*\\?"(?:Bounce|Complaint)')
_COMPLAINT_SUBJECT = re.compile(r"complaint|abuse report|spam report|feedback report", re.I)
_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_SMTP_CODE = re.compile(r"(?<![\d.])([45])\d\d(?:[ -]|$)", re.M)
_FINAL_RECIPIENT = re.compile(
    r"^(?:final|original)-recipient:\s*(?:rfc822;)?\s*<?([^\s<>;]+@[^\s<>;]+?)>?\s*$", re.I | re.M
)
_ADDRESS_IN_TEXT = re.compile(r"<?([A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})>?")


def robot_reason(msg: ParsedMessage, own_address: str) -> tuple[str, str] | None:
    """(kind, reason) when the message is automatic; kind is bounce, auto_reply, list or loop."""
    own = own_address.lower()
    if msg.header(LOOP_HEADER) or (own and msg.from_addr == own):
        return "loop", "our own mail came back (loop header or our own From)"
    content_type = _content_type(msg.headers)
    found = _bounce_reason(msg, content_type)
    if found:
        return "bounce", found
    auto = msg.header("Auto-Submitted").lower()
    if auto and not auto.startswith("no"):
        return "auto_reply", f"Auto-Submitted: {auto[:40]}"
    precedence = msg.header("Precedence").lower().strip()
    if precedence in ("auto_reply", "auto-reply"):
        return "auto_reply", f"Precedence: {precedence}"
    for name in (
        "X-Autoreply",
        "X-Autorespond",
        "X-Autorespond-Loop",
        "X-Auto-Response-Suppress-Reply",
        "X-Autogenerated",
        "X-AutoReply-From",
        "X-Mail-Autoreply",
        "X-Vacation",
    ):
        if msg.header(name):
            return "auto_reply", f"{name} header"
    if "oof" in msg.header("X-MS-Exchange-Inbox-Rules-Loop").lower() or msg.header("X-MS-Has-Attach-OOF"):
        return "auto_reply", "Exchange out-of-office header"
    local = msg.from_addr.partition("@")[0]
    if _ROBOT_SENDERS.match(local):
        return "auto_reply", f"sender {local}@"
    if _AUTO_SUBJECT.match(msg.subject):
        return "auto_reply", f"subject looks automatic: {msg.subject[:60]!r}"
    if precedence in ("bulk", "junk", "list"):
        return ("list" if precedence == "list" else "auto_reply"), f"Precedence: {precedence}"
    if any(msg.header(name) for name in _LIST_HEADERS):
        return "list", "mailing-list headers"
    if content_type == "multipart/report":
        return "auto_reply", "multipart/report (a read receipt)"
    return None


def _content_type(h: Message) -> str:
    try:
        return content_type_of(h).type
    except Exception:  # a header the parser cannot read is not evidence either way
        return ""


def _bounce_reason(msg: ParsedMessage, content_type: str | None = None) -> str | None:
    """The first of the bounce rules that holds, in order of strength. Within a rule the cheap evidence (headers,
    sender, subject, MIME parts) is weighed first and the body's long regexes only when it holds, so a person's
    reply costs no body regex at all: the same verdicts and reasons, at a fraction of the cost. `content_type`: the
    message's own, when the caller has read it."""
    h = msg.headers
    content_type = _content_type(h) if content_type is None else content_type
    report_type = ""
    if content_type == "multipart/report":
        report_type = str(h.get_param("report-type", "") or "").lower()
        if "disposition-notification" not in report_type:
            return f"multipart/report ({report_type or 'delivery status'})"
    parts = _part_types(h) if h.is_multipart() else {content_type}  # a single part is the message itself
    if parts & {"message/delivery-status", "message/feedback-report", "message/global-delivery-status"}:
        return "a delivery-status or feedback-report part"
    if msg.has_header("Return-Path") and msg.header("Return-Path").strip() in ("<>", ""):
        if not _AUTO_SUBJECT.match(msg.subject) and "auto-replied" not in msg.header("Auto-Submitted").lower():
            return "empty Return-Path"
        if _bounce_subject(msg.subject) or _STRONG_BOUNCE_BODY.search(msg.text[:8000]):
            return "empty Return-Path and bounce wording"
    local = msg.from_addr.partition("@")[0].lower()
    raw_from = msg.header("From")
    sender_is_system = bool(_BOUNCE_SENDERS.match(local)) or bool(_BOUNCE_NAMES.search(raw_from))
    if not msg.from_addr and raw_from.lower().startswith(("mailer-daemon", "postmaster")):
        sender_is_system = True
    head = msg.text[:8000]
    if "notificationType" in head and _SES_NOTIFICATION.search(head):  # the regex needs these very letters
        return "an Amazon SES bounce or complaint notification"
    if local in ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"):
        return f"sender {local}@"
    if msg.has_header("X-Failed-Recipients"):
        return "X-Failed-Recipients header"
    subject_says = _bounce_subject(msg.subject)
    if sender_is_system and (subject_says or _BOUNCE_BODY.search(head)):
        return f"a mail system ({raw_from[:60]!r}) reporting a failed delivery"
    if (subject_says or "message/rfc822" in parts or _has_original(head)) and _STRONG_BOUNCE_BODY.search(head):
        return "the wording of a bounce, with the returned message"
    if subject_says and "message/rfc822" in parts and _COMPLAINT_SUBJECT.search(msg.subject):
        return "an abuse complaint with the reported message attached"
    if subject_says and _has_smtp_error(head) and _BOUNCE_BODY.search(head):
        return "bounce subject and an SMTP error in the body"
    return None


@functools.lru_cache(maxsize=1024)
def _bounce_subject(subject: str) -> bool:
    """Remembered: replies to one check-in share a subject, and this regex costs as much as the rest of the checks."""
    return bool(_BOUNCE_SUBJECT.search(subject))


def _has_smtp_error(text: str) -> bool:
    return bool(_STATUS.search(text) or re.search(r"\b[45]\d\d\b", text))


def _has_original(text: str) -> bool:
    """A returned message's headers quoted in the body ("Received:", "Message-ID:", "Subject:" lines)."""
    # The pattern tries every position of the text. Each of its matches holds one of these names as IGNORECASE reads
    # them (where "ı" and "İ" are an "i"): a text whose case-folded form holds none of them, as a person's reply
    # does not, is not searched at all.
    folded = text.casefold().replace("\u0131", "i").replace("\u0307", "")
    if not any(name in folded for name in _RETURNED_NAMES):
        return False
    return len(_RETURNED_HEADER.findall(text)) >= 2


_RETURNED_NAMES = ("received:", "message-id:", "return-path:", "x-mailer:", "mime-version:")
_RETURNED_HEADER = re.compile(rf"^(?:>\s*)?(?:{'|'.join(name[:-1] for name in _RETURNED_NAMES)}):", re.I | re.M)


def _part_types(h: Message) -> set[str]:
    types: set[str] = set()
    try:
        for n, part in enumerate(h.walk()):
            if n > 50:
                break
            types.add((part.get_content_type() or "").lower())
    except Exception:
        pass
    return types


@dataclass(frozen=True)
class Bounce:
    recipient: str  # the address that failed, lower-case ("" when the report does not say)
    status: str  # DSN status such as "5.1.1" ("" when none was found)
    hard: bool  # 5.x.x (permanent) → True; 4.x.x (transient) → False
    complaint: bool = False  # an ARF feedback report: the person marked our mail as spam

    @property
    def kind(self) -> str:
        return "complaint" if self.complaint else ("hard" if self.hard else "soft")


def bounce_details(msg: ParsedMessage) -> Bounce:
    """What a bounce says: the failed recipient and whether the failure is permanent (5.x.x) or transient (4.x.x).

    Reads the `message/delivery-status` part when there is one (RFC 3464), else X-Failed-Recipients and the
    wording of the text. Without any status a bounce counts as hard: the address did not take our mail.
    """
    h = msg.headers
    complaint = False
    status = recipient = ""
    texts: list[str] = []
    try:
        for n, part in enumerate(h.walk()):
            if n > 50:
                break
            ctype = (part.get_content_type() or "").lower()
            if ctype in ("message/delivery-status", "message/global-delivery-status", "message/feedback-report"):
                complaint = complaint or ctype == "message/feedback-report"
                texts.append(_part_text(part))
    except Exception:
        pass
    dsn = "\n".join(texts)
    for text in (dsn, msg.text[:20000]):
        if not recipient:
            found = _FINAL_RECIPIENT.search(text)
            recipient = found.group(1).lower() if found else ""
        if not status:
            found = _STATUS.search(_after_status_label(text))
            status = ".".join(found.groups()) if found else ""
    if not recipient:
        failed = msg.header("X-Failed-Recipients")
        found = _ADDRESS_IN_TEXT.search(failed) or _ADDRESS_IN_TEXT.search(_near_failure(msg.text[:8000]))
        recipient = found.group(1).lower() if found else ""
    if not status:
        code = _SMTP_CODE.search(msg.text[:8000])
        if code:
            status = f"{code.group(1)}.0.0"
    hard = not status.startswith("4")
    return Bounce(recipient=recipient, status=status, hard=hard, complaint=complaint)


def _after_status_label(text: str) -> str:
    """Prefer a "Status: 5.1.1" line; otherwise any x.y.z code in the text."""
    found = re.search(r"^status:\s*([245]\.\d{1,3}\.\d{1,3})", text, re.I | re.M)
    return found.group(1) if found else text


def _near_failure(text: str) -> str:
    lines = text.splitlines()
    for n, line in enumerate(lines):
        if _BOUNCE_BODY.search(line) or _STRONG_BOUNCE_BODY.search(line):
            return "\n".join(lines[n : n + 6])
    return text


def _part_text(part: Message) -> str:
    payload = part.get_payload()
    if isinstance(payload, list):  # the stdlib parses delivery-status into header blocks
        return "\n".join(str(block) for block in payload)
    raw = part.get_payload(decode=True)
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "replace")
    return str(payload or "")


def only_auto_submitted(msg: ParsedMessage) -> bool:
    """True when Auto-Submitted is the only sign of a robot: a person's client or rule may add it (case 7)."""
    auto = msg.header("Auto-Submitted").lower()
    if not auto or auto.startswith("no") or not msg.from_addr:
        return False
    if _ROBOT_SENDERS.match(msg.from_addr.partition("@")[0]) or _AUTO_SUBJECT.match(msg.subject):
        return False
    if any(msg.header(name) for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response-Suppress-Reply")):
        return False
    if msg.header("Precedence").lower().strip() in ("bulk", "junk", "list", "auto_reply"):
        return False
    return _bounce_reason(msg) is None and not _AUTO_BODY.search(msg.text[:4000])


def classify(raw: bytes, own_address: str = "") -> str:
    """human | bounce | auto_reply | list | loop, for a whole message (what the corpora score)."""
    found = robot_reason(parse_message(raw), own_address)
    return found[0] if found else "human"
