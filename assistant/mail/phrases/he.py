"""Phrases of mail clients localised to Hebrew (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="he",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("כתב", "כתבה", "כתב/ה"),
    attribution_openers=("בתאריך",),
    header_from=("מאת",),
    header_sent=("נשלח",),
    header_date=("תאריך",),
    header_to=("אל",),
    header_cc=("עותק",),
    header_subject=("נושא",),
    original_message=("הודעה מקורית",),
    forwarded_message=("הודעה שהועברה", "הודעה מועברת"),
    footers=("נשלח מ",),
    sign_offs=("בברכה", "תודה", "בתודה"),
    disclaimers=("הודעה זו מכילה מידע חסוי",),
)
