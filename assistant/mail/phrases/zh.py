"""Phrases of mail clients localised to Chinese (see assistant/mail/phrases/__init__.py)."""

from assistant.mail.phrases import Phrases

PHRASES = Phrases(
    language="zh",
    source=(
        "the clients' own localised strings, as they appear in mail, written down by this project; "
        "checked against alfonsrv/mail-parser-reply, mailparser_reply/constants.py (MIT licence)"
    ),
    wrote=("写道", "寫道"),
    header_from=("发件人", "寄件者", "寄件人"),
    header_sent=("发送时间", "发送日期", "寄件日期", "已傳送"),
    header_date=("日期",),
    header_to=("收件人",),
    header_cc=("抄送", "副本"),
    header_subject=("主题", "主旨"),
    original_message=("原始邮件", "原始郵件"),
    forwarded_message=("转发的邮件", "轉寄的郵件", "转发邮件"),
    footers=("发自我的", "從我的", "从我的", "来自我的"),
    sign_offs=("此致", "谢谢", "祝好", "敬礼"),
    disclaimers=("免责声明",),
)
