"""Phrases of mail clients localised to German (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="de",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("schrieb", "hat geschrieben"),
    attribution_openers=("Am",),
    header_from=("Von",),
    header_sent=("Gesendet",),
    header_date=("Datum",),
    header_to=("An", "Empfänger"),
    header_cc=("Cc", "Kopie", "Kopie (CC)"),
    header_subject=("Betreff",),
    original_message=(
        "Ursprüngliche Nachricht",
        "Originalnachricht",
        "Antwort Nachricht",
    ),  # the last: mailgun/talon's tests, Apache-2.0
    forwarded_message=("Weitergeleitete Nachricht", "Anfang der weitergeleiteten Nachricht"),
    footers=(
        "Gesendet von",
        "Gesendet mit",
        "Von meinem",
        "Diese Nachricht wurde von",
        "Outlook für",
        "Holen Sie sich Outlook",
    ),
    sign_offs=(
        "Mit freundlichen Grüßen",
        "Mit freundlichen Grüssen",
        "Freundliche Grüße",
        "Freundliche Grüsse",
        "Viele Grüße",
        "Viele Grüsse",
        "Beste Grüße",
        "Liebe Grüße",
        "Herzliche Grüße",
        "Schöne Grüße",
        "Grüße",
        "Gruß",
        "LG",
        "VG",
        "MfG",
        "Danke",
        "Vielen Dank",
    ),
    disclaimers=(
        "Diese E-Mail enthält vertrauliche",
        "Diese Nachricht enthält vertrauliche",
        "Diese E-Mail kann vertrauliche",
        "Vertraulichkeitshinweis",
        "Wichtiger Hinweis:",
    ),
)
