"""Phrases of mail clients localised to Portuguese (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="pt",
    source=("the clients' own localised strings, as they appear in mail, written down by this project"),
    wrote=("escreveu",),
    attribution_openers=("Em", "No dia"),
    header_from=("De",),
    header_sent=("Enviado", "Enviada", "Enviado em"),
    header_date=("Data",),
    header_to=("Para",),
    header_cc=("Cc", "Cópia"),
    header_subject=("Assunto",),
    original_message=("Mensagem original",),
    forwarded_message=("Mensagem encaminhada", "Início da mensagem encaminhada"),
    footers=("Enviado do", "Enviado de", "Enviado a partir do", "Obter o Outlook para"),
    sign_offs=(
        "Atenciosamente",
        "Cumprimentos",
        "Com os melhores cumprimentos",
        "Abraços",
        "Abraço",
        "Obrigado",
        "Obrigada",
        "Att",
        "Atte",
        "Beijos",
    ),
    disclaimers=(
        "Esta mensagem e seus anexos",
        "Esta mensagem pode conter informação confidencial",
        "Aviso de confidencialidade",
    ),
)
