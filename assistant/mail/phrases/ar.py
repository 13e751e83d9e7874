"""Phrases of mail clients localised to Arabic (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="ar",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("كتب",),
    attribution_openers=("في",),
    header_from=("من",),
    header_sent=("تم الإرسال", "أرسل", "أرسلت"),
    header_date=("التاريخ",),
    header_to=("إلى",),
    header_cc=("نسخة", "نسخة إلى"),
    header_subject=("الموضوع",),
    original_message=("الرسالة الأصلية",),
    forwarded_message=("رسالة محولة", "الرسالة المعاد توجيهها", "رسالة معاد توجيهها"),
    footers=("أرسلت من", "تم الإرسال من", "مرسل من"),
    sign_offs=("مع تحياتي", "مع خالص التحية", "تحياتي", "شكرا", "شكراً"),
    disclaimers=("هذه الرسالة سرية", "إخلاء المسؤولية"),
)
