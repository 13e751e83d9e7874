"""Phrases of mail clients localised to Japanese (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="ja",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("のメッセージ", "は書きました"),
    header_from=("差出人", "送信者"),
    header_sent=("送信日時",),
    header_date=("日付",),
    header_to=("宛先",),
    header_cc=("CC",),
    header_subject=("件名",),
    original_message=("元のメッセージ", "オリジナル メッセージ"),
    forwarded_message=("転送メッセージ", "転送されたメッセージ"),
    footers=("iPhoneから送信",),
    footer_endings=("から送信",),
    sign_offs=("よろしくお願いします", "よろしくお願いいたします"),
)
