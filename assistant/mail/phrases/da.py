"""Phrases of mail clients localised to Danish (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="da",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("skrev",),
    attribution_openers=("Den", "På"),
    header_from=("Fra", "Afsender"),
    header_sent=("Sendt",),
    header_date=("Dato",),
    header_to=("Til",),
    header_cc=("Cc", "Kopi"),
    header_subject=("Emne",),
    original_message=("Oprindelig meddelelse", "Oprindelig besked"),
    forwarded_message=("Videresendt meddelelse", "Videresendt besked", "Start på videresendt besked"),
    footers=("Sendt fra", "Hent Outlook til"),
    sign_offs=("Med venlig hilsen", "Venlig hilsen", "Mvh", "Hilsen", "Bedste hilsner", "De bedste hilsner"),
    disclaimers=("Denne e-mail er fortrolig", "Denne e-mail kan indeholde fortrolige"),
)
