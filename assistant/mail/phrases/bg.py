"""Phrases of mail clients localised to Bulgarian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="bg",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("написа",),
    header_from=("От",),
    header_sent=("Изпратено",),
    header_date=("Дата",),
    header_to=("До",),
    header_cc=("Копие",),
    header_subject=("Относно", "Тема"),
    original_message=("Оригинално съобщение",),
    forwarded_message=("Препратено съобщение",),
    footers=("Изпратено от",),
    sign_offs=("Поздрави", "С уважение", "Благодаря"),
)
