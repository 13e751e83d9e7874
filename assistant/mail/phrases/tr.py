"""Phrases of mail clients localised to Turkish (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="tr",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("yazdı",),
    header_from=("Kimden",),
    header_sent=("Gönderildi", "Gönderilme tarihi", "Gönderme tarihi"),
    header_date=("Tarih",),
    header_to=("Kime",),
    header_cc=("Bilgi", "Cc"),
    header_subject=("Konu",),
    original_message=("Orijinal ileti", "Özgün ileti", "Orijinal mesaj"),
    forwarded_message=("İletilen ileti", "İletilmiş mesaj", "Yönlendirilen ileti"),
    footer_endings=("gönderildi",),
    sign_offs=("Saygılarımla", "İyi çalışmalar", "Teşekkürler", "Selamlar"),
    disclaimers=("Bu e-posta mesajı ve ekleri", "Bu e-posta gizli"),
)
