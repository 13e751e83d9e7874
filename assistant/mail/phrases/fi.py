"""Phrases of mail clients localised to Finnish (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="fi",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("kirjoitti",),
    header_from=("Lähettäjä",),
    header_sent=("Lähetetty",),
    header_date=("Päivämäärä",),
    header_to=("Vastaanottaja",),
    header_cc=("Kopio",),
    header_subject=("Aihe",),
    original_message=("Alkuperäinen viesti",),
    forwarded_message=("Välitetty viesti", "Edelleenlähetetty viesti"),
    footers=("Lähetetty",),
    sign_offs=("Ystävällisin terveisin", "Terveisin", "Kiitos"),
    disclaimers=("Tämä sähköposti voi sisältää luottamuksellista",),
)
