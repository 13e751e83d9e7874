"""Phrases of mail clients localised to Greek (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="el",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("έγραψε",),
    attribution_openers=("Στις",),
    header_from=("Από",),
    header_sent=("Στάλθηκε", "Εστάλη"),
    header_date=("Ημερομηνία",),
    header_to=("Προς",),
    header_cc=("Κοιν", "Κοιν."),
    header_subject=("Θέμα",),
    original_message=("Αρχικό μήνυμα",),
    forwarded_message=("Προωθημένο μήνυμα",),
    footers=("Στάλθηκε από", "Εστάλη από"),
    sign_offs=("Με εκτίμηση", "Φιλικά", "Ευχαριστώ", "Με φιλικούς χαιρετισμούς"),
    disclaimers=("Το παρόν μήνυμα είναι εμπιστευτικό",),
)
