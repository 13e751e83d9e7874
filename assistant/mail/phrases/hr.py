"""Phrases of mail clients localised to Croatian (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="hr",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("napisao", "napisala", "je napisao"),
    attribution_openers=("Dana",),
    header_from=("Od", "Šalje"),
    header_sent=("Poslano",),
    header_date=("Datum",),
    header_to=("Za", "Prima"),
    header_cc=("Kopija",),
    header_subject=("Predmet",),
    original_message=("Izvorna poruka",),
    forwarded_message=("Proslijeđena poruka",),
    footers=("Poslano s", "Poslano sa"),
    sign_offs=("Lijep pozdrav", "Srdačan pozdrav", "S poštovanjem", "Hvala"),
)
