"""Phrases of mail clients localised to Dutch (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="nl",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("schreef", "een bericht geschreven", "geschreven"),
    attribution_openers=("Op",),
    header_from=("Van",),
    header_sent=("Verzonden",),
    header_date=("Datum",),
    header_to=("Aan",),
    header_cc=("Cc", "Kopie"),
    header_subject=("Onderwerp",),
    original_message=("Oorspronkelijk bericht", "Origineel bericht"),
    forwarded_message=("Doorgestuurd bericht", "Begin doorgestuurd bericht"),
    footers=("Verstuurd vanaf", "Verstuurd met", "Verstuurd van", "Verzonden vanaf", "Verzonden met", "Verzonden van"),
    sign_offs=(
        "Met vriendelijke groet",
        "Met vriendelijke groeten",
        "Vriendelijke groet",
        "Hartelijke groet",
        "Hartelijke groeten",
        "Groeten",
        "Groetjes",
        "Mvg",
        "Bedankt",
        "Dank je",
    ),
    disclaimers=(
        "Dit bericht is uitsluitend bestemd",
        "Dit e-mailbericht is uitsluitend bestemd",
        "De informatie in dit bericht",
        "De informatie verzonden in dit e-mailbericht",
    ),
)
