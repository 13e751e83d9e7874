"""Phrases of mail clients localised to Catalan (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="ca",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("va escriure", "ha escrit"),
    attribution_openers=("El",),
    header_from=("De",),
    header_sent=("Enviat", "Enviat el"),
    header_date=("Data",),
    header_to=("Per a",),
    header_cc=("A/c",),
    header_subject=("Assumpte",),
    original_message=("Missatge original",),
    forwarded_message=("Missatge reenviat",),
    footers=("Enviat des de",),
    sign_offs=("Salutacions", "Atentament", "Gràcies", "Cordialment"),
)
