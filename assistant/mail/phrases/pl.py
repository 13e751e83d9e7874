"""Phrases of mail clients localised to Polish (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="pl",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("napisał", "napisał(a)", "napisała", "pisze"),
    attribution_openers=("W dniu", "Dnia"),
    header_from=("Od", "Nadawca"),
    header_sent=("Wysłano", "Wysłane"),
    header_date=("Data",),
    header_to=("Do", "Adresat"),
    header_cc=("DW", "Kopia"),
    header_subject=("Temat",),
    original_message=("Wiadomość oryginalna", "Oryginalna wiadomość"),
    forwarded_message=("Wiadomość przekazana dalej", "Przekazana wiadomość"),
    footers=("Wysłane z", "Wysłano z"),
    sign_offs=(
        "Pozdrawiam",
        "Z poważaniem",
        "Z wyrazami szacunku",
        "Serdecznie pozdrawiam",
        "Dziękuję",
        "Pozdrowienia",
    ),
    disclaimers=("Ta wiadomość może zawierać informacje poufne", "Niniejsza wiadomość jest poufna"),
)
