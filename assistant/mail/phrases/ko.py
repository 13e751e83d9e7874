"""Phrases of mail clients localised to Korean (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="ko",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("님이 작성", "작성"),
    header_from=("보낸 사람", "보낸사람"),
    header_sent=("보낸 날짜", "보낸날짜"),
    header_date=("날짜",),
    header_to=("받는 사람", "받는사람"),
    header_cc=("참조",),
    header_subject=("제목",),
    original_message=("원본 메시지", "원래 메시지"),
    forwarded_message=("전달된 메시지",),
    footer_endings=("에서 보냄",),
    sign_offs=("감사합니다", "고맙습니다"),
)
