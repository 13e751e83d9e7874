"""Phrases of mail clients localised to Spanish (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="es",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("escribió", "escribio"),
    attribution_openers=("El",),
    header_from=("De", "Remitente"),
    header_sent=("Enviado", "Enviada", "Enviado el"),
    header_date=("Fecha",),
    header_to=("Para", "Destinatario"),
    header_cc=("CC", "CCO", "Copia"),
    header_subject=("Asunto",),
    original_message=("Mensaje original",),
    forwarded_message=("Mensaje reenviado", "Inicio del mensaje reenviado", "Comienzo del mensaje reenviado"),
    footers=("Enviado desde", "Enviado de", "Enviado con", "Obtener Outlook para"),
    sign_offs=(
        "Saludos",
        "Un saludo",
        "Saludos cordiales",
        "Un cordial saludo",
        "Atentamente",
        "Cordialmente",
        "Gracias",
        "Muchas gracias",
        "Un abrazo",
    ),
    disclaimers=(
        "Aviso de confidencialidad",
        "Este mensaje y sus anexos",
        "Este mensaje y sus adjuntos",
        "Este correo electrónico y",
        "La información contenida en este",
        "Este mensaje es confidencial",
    ),
)
