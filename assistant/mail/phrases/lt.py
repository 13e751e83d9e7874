"""Phrases of mail clients localised to Lithuanian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="lt",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("rašė", "parašė"),
    header_from=("Nuo", "Siuntėjas"),
    header_sent=("Išsiųsta",),
    header_date=("Data",),
    header_to=("Kam",),
    header_cc=("Kopija",),
    header_subject=("Tema",),
    original_message=("Originalus pranešimas",),
    forwarded_message=("Persiųstas laiškas",),
    footers=("Išsiųsta iš",),
    sign_offs=("Pagarbiai", "Ačiū", "Linkėjimai"),
)
