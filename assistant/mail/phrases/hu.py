"""Phrases of mail clients localised to Hungarian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="hu",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("írta", "ezt írta"),
    header_from=("Feladó",),
    header_sent=("Elküldve", "Küldve"),
    header_date=("Dátum",),
    header_to=("Címzett",),
    header_cc=("Másolatot kap", "Másolat"),
    header_subject=("Tárgy",),
    original_message=("Eredeti üzenet",),
    forwarded_message=("Továbbított üzenet",),
    footers=("Az iPhone-omról küldve", "Az iPademről küldve"),
    footer_endings=("küldve",),
    sign_offs=("Üdvözlettel", "Tisztelettel", "Baráti üdvözlettel", "Köszönöm", "Üdv"),
    disclaimers=("Ez az e-mail bizalmas", "Ez az üzenet bizalmas"),
)
