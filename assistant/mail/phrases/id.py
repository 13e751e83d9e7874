"""Phrases of mail clients localised to Indonesian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="id",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("menulis",),
    attribution_openers=("Pada",),
    header_from=("Dari",),
    header_sent=("Dikirim", "Terkirim"),
    header_date=("Tanggal",),
    header_to=("Kepada",),
    header_cc=("Tembusan",),
    header_subject=("Subjek", "Perihal"),
    original_message=("Pesan asli",),
    forwarded_message=("Pesan terusan", "Pesan yang diteruskan"),
    footers=("Dikirim dari",),
    sign_offs=("Salam", "Terima kasih", "Hormat saya"),
)
