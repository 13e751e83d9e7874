"""Phrases of mail clients localised to Swedish (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="sv",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("skrev",),
    attribution_openers=("Den",),
    header_from=("Från", "Avsändare"),
    header_sent=("Skickat",),
    header_date=("Datum",),
    header_to=("Till",),
    header_cc=("Kopia",),
    header_subject=("Ämne",),
    original_message=("Ursprungligt meddelande", "Originalmeddelande"),
    forwarded_message=("Vidarebefordrat meddelande", "Början på vidarebefordrat meddelande"),
    footers=("Skickat från",),
    sign_offs=("Med vänliga hälsningar", "Vänliga hälsningar", "Bästa hälsningar", "Hälsningar", "Mvh", "Tack"),
    disclaimers=("Detta e-postmeddelande kan innehålla konfidentiell",),
)
