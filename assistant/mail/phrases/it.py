"""Phrases of mail clients localised to Italian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="it",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("ha scritto", "scrive"),
    attribution_openers=("Il", "In data"),
    header_from=("Da", "Mittente"),
    header_sent=("Inviato",),
    header_date=("Data",),
    header_to=("A", "Per", "Destinatario"),
    header_cc=("Cc", "Copia"),
    header_subject=("Oggetto",),
    original_message=("Messaggio originale",),
    forwarded_message=("Messaggio inoltrato", "Inizio messaggio inoltrato"),
    footers=("Inviato da", "Inviato dal mio"),
    sign_offs=("Cordiali saluti", "Distinti saluti", "Saluti", "Un saluto", "Grazie", "A presto", "Un abbraccio"),
    disclaimers=("Questo messaggio e i suoi allegati", "Le informazioni contenute in questo", "Avviso di riservatezza"),
)
