"""Phrases of mail clients localised to Ukrainian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="uk",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("написав", "написала", "пише"),
    header_from=("Від", "Від кого"),
    header_sent=("Надіслано", "Відправлено"),
    header_date=("Дата",),
    header_to=("Кому",),
    header_cc=("Копія",),
    header_subject=("Тема",),
    original_message=("Оригінальне повідомлення", "Вихідне повідомлення"),
    forwarded_message=("Переслане повідомлення", "Пересланий лист"),
    footers=("Надіслано з", "Відправлено з"),
    sign_offs=("З повагою", "Дякую", "Всього найкращого"),
    disclaimers=("Цей лист містить конфіденційну",),
)
