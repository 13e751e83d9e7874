"""Phrases of mail clients localised to Slovak (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="sk",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("napísal", "napísal(a)", "napísala"),
    attribution_openers=("Dňa",),
    header_from=("Od",),
    header_sent=("Odoslané",),
    header_date=("Dátum",),
    header_to=("Komu",),
    header_cc=("Kópia",),
    header_subject=("Predmet",),
    original_message=("Pôvodná správa",),
    forwarded_message=("Preposlaná správa",),
    footers=("Odoslané z",),
    sign_offs=("S pozdravom", "Ďakujem"),
    disclaimers=("Táto správa môže obsahovať dôverné",),
)
