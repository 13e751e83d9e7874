"""Phrases of mail clients localised to Romanian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="ro",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("a scris",),
    attribution_openers=("Pe", "În"),
    header_from=("De la", "De"),
    header_sent=("Trimis", "Trimis la"),
    header_date=("Data",),
    header_to=("Către", "Catre", "Pentru"),
    header_cc=("Cc",),
    header_subject=("Subiect", "Subiectul"),
    original_message=("Mesaj original", "Mesajul original"),
    forwarded_message=("Mesaj redirecționat", "Mesaj redirectionat", "Mesaj transmis"),
    footers=("Trimis de pe", "Trimis din", "Trimis cu"),
    sign_offs=("Cu stimă", "Cu stima", "Cu respect", "Toate cele bune", "Mulțumesc", "Multumesc", "O zi bună"),
    disclaimers=("Acest mesaj poate conține informații confidențiale", "Acest e-mail este confidențial"),
)
