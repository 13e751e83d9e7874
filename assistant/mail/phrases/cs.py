"""Phrases of mail clients localised to Czech (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="cs",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("napsal", "napsal(a)", "napsala"),
    attribution_openers=("Dne",),
    header_from=("Od", "Odesílatel"),
    header_sent=("Odesláno",),
    header_date=("Datum",),
    header_to=("Komu",),
    header_cc=("Kopie",),
    header_subject=("Předmět",),
    original_message=("Původní zpráva",),
    forwarded_message=("Přeposlaná zpráva", "Začátek přeposlané zprávy"),
    footers=("Odesláno z",),
    sign_offs=("S pozdravem", "S úctou", "Děkuji", "Díky", "Hezký den"),
    disclaimers=("Tento e-mail je důvěrný", "Tato zpráva může obsahovat důvěrné"),
)
