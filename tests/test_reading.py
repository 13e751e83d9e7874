"""Reading people's (and robots') mail: the shared corpora as regression floors, pinned cases per client, and
RELIABILITY cases 1-7 and 20-24 through the whole pipeline."""

from __future__ import annotations

import email
import email.policy
import functools
import importlib.util
import json
from email.message import EmailMessage

import pytest

from assistant.mail.automatic import bounce_details, classify
from assistant.mail.forwarded import unwrap
from assistant.mail.message import html_to_text, parse_message
from assistant.mail.replies import reply
from assistant.mail.reply_text import extract_reply, new_text, reply_text
from tests.budget import cpu_budget
from tests.conftest import CORPORA, Program

REPLIES = CORPORA / "reply-extraction"
needs_corpora = pytest.mark.skipif(not CORPORA.exists(), reason=f"shared corpora not found at {CORPORA}")
MAYA = ("Maya Patel", "maya.patel@example.org")
OURS = "mentoring@example.org"


@functools.cache
def _score_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("corpus_score", REPLIES / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _norm(text: str) -> str:
    """Compare as the corpus's own scorer does."""
    return _score_module().normalise(text)


def _reply_cases() -> list[dict]:
    return json.loads((REPLIES / "manifest.json").read_text())["cases"]


def _wrapped(case: dict) -> bytes:
    return _score_module().wrap_body((REPLIES / case["input"]).read_bytes(), case["input_format"], case["id"], None)


def _matches(case: dict, got: str) -> bool:
    expected = [case["expected"]] + [v["file"] for v in case.get("expected_variants", [])]
    return any(_norm(got) == _norm((REPLIES / path).read_text(encoding="utf-8")) for path in expected)


# --------------------------------------------------------------------------- reply extraction


@needs_corpora
def test_reply_extraction_meets_the_targets_overall_and_per_client() -> None:
    by_client: dict[str, list[bool]] = {}
    for case in _reply_cases():
        by_client.setdefault(case["client"], []).append(_matches(case, extract_reply(_wrapped(case))))
    every = [ok for oks in by_client.values() for ok in oks]
    assert sum(every) / len(every) >= 0.95  # measured 98%; the issue asks for 90%
    for client, oks in by_client.items():
        assert sum(oks) / len(oks) >= 0.90, client  # the issue asks for 85% per client


# Representative corpus cases per client: each must stay an exact match.
PINNED = {
    "gmail": [
        "talon-android",
        "discourse-embedded_email_german_4",
        "crisp-email_23",
        "willdurand-email_norwegian_gmail",
    ],
    "outlook": ["talon-html-hotmail", "talon-html-windows_mail", "discourse-email_headers_1", "willdurand-email_22"],
    "apple": ["willdurand-email_thread", "discourse-embedded_email_norwegian"],
    "thunderbird": ["talon-thunderbird", "github-email_1_3", "discourse-embedded_email_french_2"],
    "other": ["crisp-email_zoho", "crisp-email_sent_from", "discourse-embedded_email_2"],
    "unknown": ["discourse-signatures", "crisp-email_tricky_13_timestamp_variations", "github-email_1_8"],
}


@needs_corpora
@pytest.mark.parametrize("case_id", [c for ids in PINNED.values() for c in ids])
def test_pinned_reply_cases(case_id: str) -> None:
    case = next((c for c in _reply_cases() if c["id"] == case_id), None)
    if case is None:
        pytest.skip(f"{case_id} is no longer in the corpus")
    got = extract_reply(_wrapped(case))
    assert _matches(case, got), got


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Yes.\n\nOn Nov 21, 2014,\nat 10:18,\nJohn Doe <john@doe.com> wrote:\n\n> Ok.", "Yes.", id="apple-wrap"
        ),
        pytest.param('Ja.\n\nAm 21.04.2016 17:48 schrieb "Einz" <noreply@x.com\n>:\n\n> Frage', "Ja.", id="de-gt"),
        pytest.param('Oui\n\nLe 4 janv. 2016 19:03, "Neil"\n<info@x.org>\na écrit :\n\n> q', "Oui", id="fr-wrap"),
        pytest.param(
            'Da.\n\n20 окт. 2016 г. 19:37 пользователь "R" <\nm@x.com> написал:\n\n> q',  # noqa: RUF001
            "Da.",
            id="ru",
        ),
        pytest.param("Ok\n\n2016-03-03 17:21 GMT+01:00 Some One\n\nAfter", "Ok", id="gmail-iso-date"),
        pytest.param("Ok\n\nSendt fra min iPad\n\nDen 15. jun. skrev X:", "Ok", id="no-footer"),
        pytest.param("Ok\n\nEnvoyé de mon iPhone", "Ok", id="fr-footer"),
        pytest.param(
            "Here\n\nSent from my desk, is much easier.", "Here\n\nSent from my desk, is much easier.", id="not-footer"
        ),
        pytest.param("Hi\n\n---- On Wed, 24 Feb 2021 14:02:50 +0530 j@x.com wrote ----\n\nOld", "Hi", id="zoho"),
        pytest.param(
            "Hi\n\n发件人: A <a@x.com>\n发送时间: 2017年8月2日\n收件人: S\n主题: T\n\nOld", "Hi", id="zh-headers"
        ),
        pytest.param("Hi\n\n" + "_" * 20 + "\n\nriak-users mailing list", "Hi", id="list-footer"),
        pytest.param(
            "2024-01-15 14:30:25\n2024/01/15 14:30:25", "2024-01-15 14:30:25\n2024/01/15 14:30:25", id="dates"
        ),
    ],
)
def test_new_text_generalises(text: str, expected: str) -> None:
    assert new_text(text) == expected


def test_inline_answers_keep_their_quotes_in_the_readable_reply() -> None:
    text = "> 1. Did you meet?\nyes\n\n> 2. How many times?\ntwice\n\n> Thanks!\n"
    assert reply_text(text) == "> 1. Did you meet?\nyes\n\n> 2. How many times?\ntwice"
    assert new_text(text) == "yes\n\ntwice"


def test_bottom_post_keeps_only_the_answer() -> None:
    text = "On Mon, 2 Nov 2026 at 09:00, Ada <ada@example.org> wrote:\n> 1. Did you meet?\n\nYes we did."
    assert reply_text(text) == "Yes we did."


# --------------------------------------------------------------------------- HTML


@pytest.mark.parametrize(
    ("html", "new", "quoted"),
    [
        pytest.param(
            '<div>Yes</div><div class="gmail_quote"><div class="gmail_attr">On Mon, Ada wrote:</div>'
            '<blockquote class="gmail_quote">1. Did you meet?</blockquote></div>',
            "Yes",
            "1. Did you meet?",
            id="gmail",
        ),
        pytest.param(
            '<div>Yes</div><div id="appendonsend"></div><hr><div id="divRplyFwdMsg"><b>From:</b> Ada<br>'
            "<b>Sent:</b> Monday<br><b>To:</b> Maya</div><div>1. Did you meet?</div>",
            "Yes",
            "1. Did you meet?",
            id="outlook",
        ),
        pytest.param(
            '<div>Yes</div><blockquote type="cite"><div>1. Did you meet?</div></blockquote>',
            "Yes",
            "1. Did you meet?",
            id="apple",
        ),
    ],
)
def test_html_quotes_become_quote_lines(html: str, new: str, quoted: str) -> None:
    text = html_to_text(f"<html><body>{html}</body></html>")
    assert any(line.lstrip("> ").strip() == quoted and line.startswith(">") for line in text.splitlines()), text
    assert new_text(text) == new


def test_html_inline_answer_under_a_quoted_question_is_kept() -> None:
    html = (
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, Ada &lt;ada@example.org&gt; wrote:</div>'
        "<blockquote>1. Did you meet?</blockquote><div>yes</div><blockquote>2. How many?</blockquote><div>2</div>"
        "</div>"
    )
    assert new_text(html_to_text(html)) == "yes\n\n2"


def _alternative(plain: str, html: str) -> bytes:
    message = EmailMessage()
    message["From"] = "Maya Patel <maya.patel@example.org>"
    message.set_content(plain)
    message.add_alternative(html, subtype="html")
    return message.as_bytes()


def test_the_plain_part_is_read_and_the_html_beside_it_is_not_even_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    from assistant.mail import message as module

    decoded: list[str] = []
    real = module._decoded
    monkeypatch.setattr(
        module, "_decoded", lambda part, charset: decoded.append(part.get_content_type()) or real(part, charset)
    )
    parsed = parse_message(_alternative("1. yes\n", "<p>1. no</p>"))
    assert (parsed.text, parsed.was_html, decoded) == ("1. yes\n", False, ["text/plain"])
    decoded.clear()
    parsed = parse_message(_alternative("  \n", "<p>1. no</p>"))  # a blank plain part: the HTML is what she wrote
    assert (parsed.text.strip(), parsed.was_html, decoded) == ("1. no", True, ["text/plain", "text/html"])


# --------------------------------------------------------------------------- forwarded


@needs_corpora
def test_forwarded_unwrapping_floor() -> None:
    score = _score_module()
    cases = json.loads((REPLIES / "forwarded" / "manifest.json").read_text())["cases"]
    right = 0
    for case in cases:
        source = (REPLIES / case["input"]).read_bytes()
        raw = score.wrap_body(source, case["input_format"], case["id"], case.get("forwarding_subject"))
        got = unwrap(raw)
        expected = json.loads((REPLIES / case["expected"]).read_text())
        right += all(_field_ok(key, value, got.get(key)) for key, value in expected.items())
    assert right / len(cases) >= 0.95  # measured 100% (78/78): a floor for regressions


def _field_ok(key: str, expected: object, got: object) -> bool:
    if expected is None:
        return not got
    if isinstance(expected, bool):
        return bool(got) == expected
    if key in ("from_address",):
        return str(got or "").lower() == str(expected).lower()
    return _norm(str(got or "")) == _norm(str(expected))


def test_gmail_forward_with_a_note() -> None:
    raw = _mail(
        body="FYI, see below.\n\n---------- Forwarded message ---------\nFrom: Ada Lovelace <ada@example.org>\n"
        "Date: Mon, 2 Nov 2026 at 09:00\nSubject: Engines\nTo: <maya@example.org>\n\nThe engine works.\n"
    )
    got = unwrap(raw)
    assert got["forwarded"] and got["from_address"] == "ada@example.org" and got["from_name"] == "Ada Lovelace"
    assert (got["subject"], got["body"], got["message"]) == ("Engines", "The engine works.", "FYI, see below.")


def test_attached_original_is_unwrapped() -> None:
    inner = EmailMessage()
    inner["From"], inner["Subject"] = "Ada <ada@example.org>", "Engines"
    inner.set_content("The engine works.")
    outer = EmailMessage()
    outer["From"], outer["To"], outer["Subject"] = "maya@example.org", OURS, "Fwd: Engines"
    outer.set_content("See attached.")
    outer.add_attachment(inner)
    got = unwrap(outer.as_bytes())
    assert got["from_address"] == "ada@example.org" and got["body"] == "The engine works."


def test_not_a_forward() -> None:
    assert unwrap(_mail(body="Just a note, nothing forwarded."))["forwarded"] is False


# --------------------------------------------------------------------------- RELIABILITY cases


def _mail(sender: str = "stranger@example.net", body: str = "Hello there", subject: str = "Hello", **headers: str):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = OURS
    message["Subject"] = subject
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def _outcomes(program: Program) -> list[str]:
    return [row[0] for row in program.db.execute("SELECT outcome FROM messages ORDER BY id")]


def _events(program: Program, kind: str) -> list[dict]:
    return list(program.db.query("SELECT * FROM events WHERE kind = ? ORDER BY id", [kind]))


OUT_OF_OFFICE = {
    "gmail": {"Auto_Submitted": "auto-replied", "subject": "Away until Monday"},
    "exchange": {
        "subject": "Automatic reply: Your mentoring check-in",
        "X_Auto_Response_Suppress": "All",
        "X_MS_Exchange_Inbox_Rules_Loop": "maya.patel@example.org",
    },
    "icloud": {"X_Autoreply": "yes", "subject": "Re: Your mentoring check-in"},
    "no-headers": {"subject": "Out of Office: Re: check-in"},
}


@pytest.mark.parametrize("variant", OUT_OF_OFFICE)
def test_case1_out_of_office_is_not_an_answer_and_gets_no_reply(program: Program, variant: str) -> None:
    program.run("2026-12-01T09:05")
    headers = dict(OUT_OF_OFFICE[variant])
    subject = headers.pop("subject")
    program.deliver(_mail(MAYA[1], "I am out of the office with limited access to email.", subject, **headers))
    program.run("2026-12-01T18:00")
    assert program.answers(MAYA[1]) == {}
    assert [row["template"] for row in program.outbox(to_addr=MAYA[1])] == ["checkin_prompt"]
    assert _outcomes(program) == ["automatic"]


def _dsn(recipient: str, status: str) -> bytes:
    return (
        "From: MAILER-DAEMON@mx.example.org\nTo: mentoring@example.org\n"
        "Subject: Undelivered Mail Returned to Sender\n"
        f"Return-Path: <>\nMessage-ID: <dsn-{status}@mx.example.org>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\n\n'
        "--B\nContent-Type: text/plain\n\n"
        "I'm sorry to have to inform you that your message could not be delivered.\n"
        "--B\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\n"
        f"Final-Recipient: rfc822; {recipient}\nAction: failed\nStatus: {status}\n"
        "Diagnostic-Code: smtp; 550 no such user\n"
        "--B--\n"
    ).encode()


@pytest.mark.parametrize(("status", "hard"), [("5.1.1", True), ("4.2.2", False)])
def test_case2_dsn_bounce_marks_the_address_and_sends_nothing(program: Program, status: str, hard: bool) -> None:
    program.deliver(_dsn(MAYA[1], status))
    program.run("2026-11-30T13:00")
    assert _outcomes(program) == ["automatic"]
    bounced = program.db.execute("SELECT bounced_at FROM participants WHERE email = ?", [MAYA[1]]).fetchone()[0]
    assert (bounced is not None) == hard
    events = _events(program, "bounce_hard" if hard else "bounce_soft")
    assert len(events) == 1 and json.loads(events[0]["detail"])["status"] == status
    assert program.outbox(to_addr=MAYA[1]) == []
    details = bounce_details(parse_message(_dsn(MAYA[1], status)))
    assert (details.recipient, details.status, details.hard) == (MAYA[1], status, hard)


@needs_corpora
def test_case3_automatic_corpus_is_recognised_and_no_human_is_a_robot() -> None:
    root = CORPORA / "automatic"
    entries = json.loads((root / "manifest.json").read_text())["messages"]
    robots = told_apart = kinds = 0
    caught = 0
    for entry in entries:
        path = (root / entry["path"]).resolve()
        if not path.exists():
            continue
        verdict = classify(path.read_bytes())
        if entry["label"] in ("bounce", "auto_reply", "feedback_loop"):
            robots += 1
            caught += verdict != "human"
        if entry["label"] in ("bounce", "auto_reply"):
            kinds += 1
            told_apart += verdict == entry["label"]
        if entry["label"] == "human":
            assert verdict == "human", entry["id"]
    assert caught / robots >= 0.995
    assert told_apart / kinds >= 0.98
    for case in _reply_cases():  # every reply-extraction case is a person
        assert classify(_wrapped(case)) == "human", case["id"]


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        pytest.param(
            "Hello",
            "This is the mail system at host mx.example.net.\n\nReceived: by mx\nMessage-ID: <1@x>\n",
            id="wording+original",
        ),
        pytest.param(
            "Undelivered Mail Returned to Sender", "Remote host said: 550 5.1.1 user unknown\n", id="subject+smtp-error"
        ),
        pytest.param("Notification", '{"notificationType":"Bounce","bounce":{}}', id="amazon-ses"),
    ],
)
def test_bounces_that_only_their_subject_and_body_tell_are_still_bounces(subject: str, body: str) -> None:
    """The body's regexes run last, only when the cheap evidence of their rule holds: these need them."""
    raw = f"From: Ops <ops@example.net>\nTo: {OURS}\nSubject: {subject}\nMessage-ID: <b@example.net>\n\n{body}"
    assert classify(raw.encode()) == "bounce"


def test_case4_our_own_mail_reflected_is_dropped_with_an_alarm(
    program: Program, caplog: pytest.LogCaptureFixture
) -> None:
    program.deliver(_mail(X_Mentorship_Assistant="Test Mentoring Program", Message_ID="<a@x>"))
    program.deliver(_mail(sender=OURS, Message_ID="<own@example.org>"))
    program.run("2026-11-30T13:00")
    assert _outcomes(program) == ["automatic", "automatic"]
    assert len(_events(program, "mail_loop")) == 2
    assert any("mail loop" in r.message and r.levelname == "ERROR" for r in caplog.records)
    assert program.outbox(to_addr="stranger@example.net") == [] and program.outbox(to_addr=OURS) == []


def test_case5_a_header_less_auto_responder_stays_bounded(program: Program) -> None:
    for n in range(30):
        program.deliver(
            _mail(MAYA[1], "Thanks for your mail, I will read it soon.", f"Re: {n}", Message_ID=f"<r{n}@x>")
        )
        program.run(f"2026-11-30T13:{n:02d}")
    assert len(program.outbox(to_addr=MAYA[1])) <= program.config.limits.mails_per_address_per_day


def test_case6_list_mail_is_never_a_command(program: Program) -> None:
    before = program.db.execute("SELECT status FROM participants WHERE email = ?", [MAYA[1]]).fetchone()[0]
    program.deliver(_mail(MAYA[1], "stop", "stop", List_Id="<talk.lists.example.org>"))
    program.deliver(_mail(MAYA[1], "stop", "stop", Precedence="list", Message_ID="<p@x>"))
    program.run("2026-11-30T13:00")
    assert _outcomes(program) == ["automatic", "automatic"]
    after = program.db.execute("SELECT status FROM participants WHERE email = ?", [MAYA[1]]).fetchone()[0]
    assert after == before and program.outbox(to_addr=MAYA[1]) == []


def test_case7_a_human_reply_with_auto_submitted_goes_to_review(program: Program) -> None:
    program.deliver(_mail(MAYA[1], "We met twice, it went well.", "Re: check-in", Auto_Submitted="auto-generated"))
    program.run("2026-11-30T13:00")
    assert _outcomes(program) == ["held"]
    assert len(_events(program, "held_auto_submitted")) == 1
    assert program.outbox(to_addr=MAYA[1]) == []


def _corpus(name: str) -> list[bytes]:
    manifest = json.loads((CORPORA / name / "manifest.json").read_text())
    paths = [(CORPORA / name / e["path"]).resolve() for e in manifest["messages"]]
    return [p.read_bytes() for p in paths if p.exists()]


@needs_corpora
@pytest.mark.parametrize("corpus", ["hostile", "automatic"])
def test_case20_readers_never_raise_on_the_corpora_or_their_variants(corpus: str) -> None:
    for raw in _corpus(corpus):
        for variant in (raw, raw.replace(b"\r\n", b"\n"), raw.replace(b"\n", b"\r\n"), raw[: len(raw) // 2]):
            parse_message(variant)
            extract_reply(variant)
            unwrap(variant)
            assert classify(variant) in ("human", "bounce", "auto_reply", "list", "loop")


def test_case21_thirty_two_thousand_semicolons_are_bounded(program: Program) -> None:
    raw = b"From: a@example.org\nContent-Type: text/plain" + b";" * 32000 + b"\nSubject: x\n\nhello\n"
    with cpu_budget(5):
        parse_message(raw)
        classify(raw)
        extract_reply(raw)
    huge_header = b"From: a@example.org\nX-Junk: " + b"a" * 300_000 + b"\nSubject: x\n\nhello\n"
    assert parse_message(huge_header).text.strip() == "hello"
    program.deliver(raw)
    program.run("2026-11-30T13:00")
    assert program.db.execute("SELECT status FROM messages").fetchone()[0] == "processed"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param(b"Content-Type: text/plain; charset=x-klingon\n\nHello \xff", "Hello \ufffd", id="unknown"),
        pytest.param(b"Content-Type: text/plain; charset=us-ascii\n\nCaf\xc3\xa9", "Caf\ufffd\ufffd", id="mislabelled"),
        pytest.param(b"Content-Type: text/plain; charset=utf-8\n\nCaf\xe9 ok", "Caf\ufffd ok", id="bad-utf8"),
        pytest.param(
            b"Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\nSGVsbG8gd29ybGQ=!!!\xff",
            "Hello world",
            id="broken-base64",
        ),
    ],
)
def test_case22_charsets_decode_with_replacement(raw: bytes, expected: str) -> None:
    text = parse_message(b"From: a@example.org\nSubject: x\nMIME-Version: 1.0\n" + raw).text
    assert expected in text


def test_a_header_is_its_first_value_decoded_whatever_the_case_asked() -> None:
    msg = parse_message(b"From: a@example.org\nX-Tag: =?utf-8?q?Zo=C3=AB?=\nx-tag: second\nSubject: a\tb  c\n\nbody")
    assert msg.header("x-TAG") == msg.header("X-Tag") == "Zoë"
    assert msg.header("Subject") == "a b c"  # control characters out, spaces collapsed
    assert msg.header("X-Absent") == ""


def test_case23_html_only_reply_is_read_and_script_never_echoed(program: Program) -> None:
    program.run("2026-12-01T09:05")
    body = "1. yes<script>alert(1)</script>\n2. 2\n3. My CV <script>alert(2)</script>\n4. 4"
    program.deliver(reply(program.last_to(MAYA[1]), MAYA, body, "html_only"))
    program.run("2026-12-01T18:00")
    answers = program.answers(MAYA[1])
    assert answers.get("met") == "yes" and answers.get("rating") == "4"
    for row in program.outbox():
        html = email.message_from_bytes(row["raw"], policy=email.policy.default).get_body(("html",))
        assert html is None or "<script>alert" not in html.get_content()


def test_case24_header_injection_and_template_syntax_in_names(program: Program) -> None:
    program.db.execute(
        "UPDATE participants SET name = ? WHERE email = ?", ["{{7*7}}\r\nBcc: evil@attacker.example", MAYA[1]]
    )
    program.run("2026-12-01T09:05")
    raw = program.last_to(MAYA[1], "checkin_prompt")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Bcc"] is None and b"\nBcc:" not in raw and b"\r\nBcc:" not in raw
    assert "{{7*7}}" in message.get_body(("plain",)).get_content()
    inbound = parse_message(_mail(subject="=?utf-8?q?Hi=0D=0ABcc:_evil@attacker.example?="))
    assert "\r" not in inbound.subject and "\n" not in inbound.subject
