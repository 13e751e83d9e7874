"""Phrases of mail clients localised to Vietnamese (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="vi",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("đã viết",),
    attribution_openers=("Vào",),
    header_from=("Từ",),
    header_sent=("Đã gửi", "Gửi"),
    header_date=("Ngày",),
    header_to=("Đến", "Tới"),
    header_cc=("Cc",),
    header_subject=("Chủ đề", "Tiêu đề"),
    original_message=("Thư gốc",),
    forwarded_message=("Thư chuyển tiếp",),
    footers=("Gửi từ",),
    sign_offs=("Trân trọng", "Cảm ơn"),
)
