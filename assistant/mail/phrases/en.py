"""Phrases of mail clients localised to English (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="en",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("wrote", "writes"),
    attribution_openers=("On",),
    header_from=("From",),
    header_sent=("Sent",),
    header_date=("Date",),
    header_to=("To",),
    header_cc=("Cc", "Bcc"),
    header_subject=("Subject",),
    original_message=("Original Message", "Reply Message"),  # "Reply Message": mailgun/talon's tests, Apache-2.0
    forwarded_message=("Forwarded message", "Begin forwarded message", "Forwarded message follows"),
    footers=("Sent from", "Sent with", "Sent via", "Sent using", "Get Outlook for"),
    # GNU Mailman's default footer ("<list> mailing list", its address, the listinfo link), as it appears in mail.
    list_footers=("mailing list",),
    sign_offs=(
        "Best regards",
        "Kind regards",
        "Warm regards",
        "Regards",
        "Best wishes",
        "Best",
        "All the best",
        "Thanks",
        "Thank you",
        "Many thanks",
        "Thanks again",
        "Cheers",
        "Sincerely",
        "Yours sincerely",
        "Warmly",
        "Take care",
    ),
    disclaimers=(
        "CONFIDENTIALITY NOTICE",
        "Confidentiality Notice",
        "This email and any attachments",
        "This e-mail and any attachments",
        "This message and any attachments",
        "The information contained in this",
        "This email is confidential",
        "This e-mail is confidential",
        "This message is confidential",
        "Privileged and confidential",
        "Disclaimer:",
        "CAUTION: This email originated from outside",
    ),
)
