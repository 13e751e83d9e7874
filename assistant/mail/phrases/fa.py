"""Phrases of mail clients localised to Persian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="fa",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("نوشت",),
    header_from=("از", "فرستنده"),
    header_sent=("ارسال شده", "ارسال"),
    header_date=("تاریخ",),
    header_to=("به", "گیرنده"),
    header_cc=("رونوشت",),
    header_subject=("موضوع",),
    original_message=("پیام اصلی",),
    forwarded_message=("پیام بازارسال شده", "پیام هدایت شده"),
    footers=("ارسال شده از",),
    sign_offs=("با احترام", "با سپاس", "ممنون", "سپاس"),
    disclaimers=("این ایمیل محرمانه",),
)
