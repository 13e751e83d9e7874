"""Phrases of mail clients localised to Russian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="ru",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("написал", "написал(а)", "написала", "пишет"),
    header_from=("От", "От кого"),
    header_sent=("Отправлено",),
    header_date=("Дата",),
    header_to=("Кому",),
    header_cc=("Копия",),
    header_subject=("Тема",),
    original_message=("Исходное сообщение",),
    forwarded_message=("Пересылаемое сообщение", "Пересланное сообщение", "Начало переадресованного сообщения"),
    footers=("Отправлено с", "Отправлено из", "Отправлено со"),
    sign_offs=("С уважением", "Спасибо", "Всего доброго", "С наилучшими пожеланиями"),
    disclaimers=("Это сообщение и любые приложения", "Данное сообщение содержит конфиденциальную"),
)
