"""What an introduction request's text says: the mentee's own words, and the coordinator's note split into what
asks the assistant to act and what is meant for the pair.

The words are data (the tables below), not scattered patterns. Nothing is rewritten: the mentee's words are kept as
she wrote them (greeting and sign-off left out), and the coordinator's sentences are passed on or left out whole.
"""

from __future__ import annotations

import re

from assistant.program.introductions.consent import APOSTROPHES, alternatives

# A line (or the start of one) that greets the reader: "Hi Grace," is not part of what she asks for.
GREETINGS = ("hi", "hello", "hey", "hiya", "dear", "good morning", "good afternoon", "good evening", "greetings")
# A line that starts a sign-off: it and everything below it are left out.
SIGN_OFFS = (
    "thanks", "thank you", "many thanks", "thanks so much", "thanks a lot", "thank you so much", "best",
    "best wishes", "best regards", "kind regards", "warm regards", "regards", "cheers", "warmly", "all the best",
    "sincerely", "yours", "love", "xx", "x",
)  # fmt: skip
# Sentences in a coordinator's note that speak to the assistant, not about the pair: requests ("could you…",
# "please…"), instructions ("introduce her to Sofia", "ask Dana first"), thanks and greetings.
TO_THE_ASSISTANT = (
    "could you", "can you", "would you", "will you", "could i ask you", "can i ask you", "i'd like you to",
    "i would like you to", "please", "pls", "kindly", "let me know", "introduce", "intro", "ask", "connect",
    "pair", "match", "set up", "loop in", "thanks", "thank you", "many thanks", "cheers", "hi", "hello", "hey",
    "dear", "fyi",
)  # fmt: skip
# How a sentence in the mentee's own voice starts: such goals are quoted as hers, not as a topic.
FIRST_PERSON = ("i", "i'm", "i am", "i'd", "i've", "i'll", "i would", "my", "we", "we're")

MAX_CHARS = 400  # a profile line, not the whole mail

_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")


def _starts(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """A line that starts with one of the phrases (as whole words), either apostrophe accepted."""
    return re.compile(rf"^\s*(?:{alternatives(phrases)})(?![\w{APOSTROPHES}])", re.I)


# A greeting and up to three words (a name), ended by punctuation or the line: "Hi Grace," "Dear Ms Hopper:".
_GREETING = re.compile(_starts(GREETINGS).pattern + rf"(?:\s+[\w{APOSTROPHES}.-]+){{0,3}}\s*(?:[,!:]\s*|$)", re.I)
# A sign-off line: the phrase and at most three more words ("Thanks so much, Zoe"), never a sentence of content.
_SIGN_OFF = re.compile(_starts(SIGN_OFFS).pattern + rf"(?:[\s,!.]+[\w{APOSTROPHES}]+){{0,3}}[\s,!.]*$", re.I)
_TO_ASSISTANT = _starts(TO_THE_ASSISTANT)
_INSTRUCTION = re.compile(r"\bintroduc(?:e|ing)\s+(?:her|him|them|\w+)\s+to\b", re.I)  # "…, and introduce her to X"
_FIRST_PERSON = _starts(FIRST_PERSON)


def her_words(body: str, name: str = "") -> str:
    """What the mentee wrote about herself and what she hopes for: her forwarded mail without its greeting,
    sign-off and signature name, on one line."""
    lines = [line.strip() for line in body.strip().splitlines()]
    kept: list[str] = []
    for line in lines:
        if _SIGN_OFF.match(line) or (kept and name and line.lower() in _names(name)):
            break
        kept.append(line)
    if kept:
        kept[0] = _GREETING.sub("", kept[0], count=1) if _GREETING.match(kept[0]) else kept[0]
    text = " ".join(" ".join(kept).split())
    return _clip(text)


def _names(name: str) -> set[str]:
    return {name.lower(), name.split()[0].lower()} if name.split() else set()


def _clip(text: str) -> str:
    """At most MAX_CHARS characters, cut at a sentence's end when there is one."""
    if len(text) <= MAX_CHARS:
        return text
    cut = text[:MAX_CHARS]
    end = max(cut.rfind(". "), cut.rfind("! "), cut.rfind("? "))
    return cut[: end + 1] if end > 0 else cut.rstrip() + "…"


def split_note(note: str, signer: str = "") -> tuple[str, str]:
    """(for the pair, for the assistant): the note's sentences that describe the match, and those that ask the
    assistant to act, greet it or sign off (`signer`: the coordinator's name). Only the first is ever shown to the
    mentor or the pair."""
    for_pair: list[str] = []
    for_assistant: list[str] = []
    for sentence in (s.strip() for s in _SENTENCE.split(note.strip())):
        if sentence:
            (for_assistant if _to_the_assistant(sentence, signer) else for_pair).append(sentence)
    return " ".join(for_pair), " ".join(for_assistant)


def _to_the_assistant(sentence: str, signer: str) -> bool:
    signature = sentence.strip(" -\u2013\u2014,.").lower() in _names(signer)
    return bool(
        signature or _TO_ASSISTANT.match(sentence) or _INSTRUCTION.search(sentence) or _SIGN_OFF.match(sentence)
    )


def in_her_words(goals: str) -> bool:
    """Goals written in the mentee's own voice ("I'm a junior designer…"), to be quoted, not listed as topics."""
    return bool(_FIRST_PERSON.match(goals))
