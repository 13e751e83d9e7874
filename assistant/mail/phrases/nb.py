"""Phrases of mail clients localised to Norwegian (Bokmål) (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="nb",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("skrev",),
    attribution_openers=("Den", "På"),
    header_from=("Fra",),
    header_sent=("Sendt",),
    header_date=("Dato",),
    header_to=("Til",),
    header_cc=("Kopi",),
    header_subject=("Emne",),
    original_message=("Opprinnelig melding", "Original melding"),
    forwarded_message=("Videresendt melding", "Videresendt e-post"),
    footers=("Sendt fra",),
    sign_offs=("Med vennlig hilsen", "Vennlig hilsen", "Mvh", "Hilsen"),
    disclaimers=("Denne e-posten kan inneholde konfidensiell", "Denne e-posten er konfidensiell"),
)
