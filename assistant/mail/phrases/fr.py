"""Phrases of mail clients localised to French (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="fr",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("a écrit", "a ecrit"),
    attribution_openers=("Le",),
    header_from=("De", "Expéditeur", "Message du"),
    header_sent=("Envoyé", "Envoyé le", "Date d'envoi"),
    header_date=("Date",),
    header_to=("À", "A", "Destinataire"),
    header_cc=("Cc", "Copie", "Copie à"),
    header_subject=("Objet", "Sujet"),
    original_message=("Message d'origine", "Message original"),
    forwarded_message=(
        "Message transféré",
        "Message transmis",
        "Début du message réexpédié",
        "Début du message transféré",
    ),
    footers=(
        "Envoyé de",
        "Envoyé depuis",
        "Envoyé à partir de",
        "Envoyé avec",
        "Obtenir Outlook pour",
        "Télécharger Outlook pour",
    ),
    sign_offs=(
        "Cordialement",
        "Bien cordialement",
        "Bien à vous",
        "Salutations",
        "Meilleures salutations",
        "Bonne journée",
        "Merci",
        "Merci beaucoup",
        "Amitiés",
        "Bises",
        "Belle journée",
    ),
    disclaimers=(
        "Ce message et toutes les pièces jointes",
        "Ce message et les pièces jointes",
        "Ce courriel et",
        "Ce message est confidentiel",
        "Avis de confidentialité",
        "Avertissement de confidentialité",
    ),
)
