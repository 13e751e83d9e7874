"""Reading a mentor's consent: yes, no, "tell me more", mixed or unclear, by the sentence that decides it.

The words are data (`PHRASES`), not scattered patterns: what says yes, what says no, what is only politeness (an
apology for a slow reply, "no problem"), what turns a sentence around ("but"), and what makes a yes conditional
("not until March"). A reply is cut into clauses at sentence ends and at a turn; politeness carries no signal.
When the clauses that carry one agree, they decide; when a "but" turns a yes into a no (or a no into a yes), the
clause after it decides; anything else with both a yes and a no is mixed, and is asked about, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

APOSTROPHES = "'\u2019"  # straight and typographic: phones write the second

# Each entry is a phrase in lower case, matched on word boundaries; longer phrases are tried first.
PHRASES: dict[str, tuple[str, ...]] = {
    # Politeness that carries no answer. Removed before anything is read, so "sorry" or "no" inside them counts
    # for nothing: "Sorry for the slow reply! Yes" is a yes, "yes, no problem" is not mixed.
    "neutral": (
        "sorry for the slow reply", "sorry for the late reply", "sorry for the slow response",
        "sorry for the late response", "sorry for the delay", "sorry for the wait", "sorry it took me so long",
        "sorry to be slow", "sorry i'm late", "sorry i am late", "apologies for the delay",
        "apologies for the slow reply", "apologies for the late reply", "no problem", "no worries", "no doubt",
        "no question", "no hesitation", "can't wait", "cannot wait", "thank you for asking", "thanks for asking",
        "thank you for thinking of me", "thanks for thinking of me",
        # Spanish, French, German, Portuguese (a program in Madrid, Lyon, Berlin or São Paulo writes the ask in them)
        "perdón por el retraso", "perdona el retraso", "disculpa la demora", "gracias por pensar en mí",
        "désolée du retard", "désolé du retard", "merci d'avoir pensé à moi", "pas de problème",
        "entschuldige die späte antwort", "sorry für die späte antwort", "danke, dass du an mich gedacht hast",
        "kein problem", "desculpe a demora", "obrigada por pensar em mim", "obrigado por pensar em mim", "sem problema",
    ),
    "yes": (
        "yes", "yep", "yeah", "yup", "sure", "of course", "absolutely", "gladly", "happy to", "glad to", "love to",
        "delighted to", "i'd be delighted", "count me in", "with pleasure", "definitely", "i'm in", "i am in",
        "sounds good", "sounds great", "let's do it", "i accept", "i'm happy to", "i would be happy",
        "i'd be happy", "i'd be glad", "why not",
        "sí", "claro", "claro que sí", "por supuesto", "con gusto", "con mucho gusto", "encantada", "encantado",
        "me encantaría", "cuenta conmigo", "oui", "bien sûr", "avec plaisir", "volontiers", "ravie", "ravi",
        "ja", "gerne", "gern", "sehr gerne", "natürlich", "klar", "sim", "claro que sim", "com prazer",
        "com certeza", "adoraria",
    ),
    "no": (
        "no", "nope", "not this time", "not now", "not at the moment", "not right now", "i can't", "i cannot",
        "i can not", "can't take", "cannot take", "i'll pass", "i will pass", "have to pass", "must pass",
        "have to decline", "must decline", "i decline", "unfortunately", "too busy", "don't have the time",
        "don't have time", "don't have the capacity", "don't have capacity", "don't have the bandwidth",
        "not able to", "unable to", "no capacity", "no time", "won't be able", "will not be able",
        "no puedo", "ahora no", "no tengo tiempo", "lamentablemente", "desafortunadamente", "non",
        "je ne peux pas", "pas le temps", "malheureusement", "nein", "leider", "ich kann nicht", "keine zeit",
        "não", "não posso", "infelizmente", "sem tempo",
    ),
    # Doubt: neither yes nor no, and with a yes it makes the reply mixed ("I'd love to, though I'm not sure I can").
    "doubt": (
        "not sure", "unsure", "maybe", "perhaps", "possibly", "i don't know", "i do not know", "not certain",
        "let me think", "let me check", "i'll think about it", "i will think about it", "might be able",
        "quizás", "quizá", "tal vez", "no estoy segura", "no estoy seguro", "peut-être", "je ne sais pas",
        "pas sûre", "pas sûr", "vielleicht", "ich weiß nicht", "nicht sicher", "talvez", "não sei",
        "não tenho certeza",
    ),
    # A turn: the clause from it on decides when it says the opposite of the one before ("unfortunately" is a no
    # as well, and stays in its clause).
    "turn": (
        "but", "however", "although", "though", "that said", "unfortunately", "pero", "sin embargo",
        "lamentablemente", "mais", "cependant", "malheureusement", "aber", "jedoch", "leider", "mas", "porém",
        "infelizmente",
    ),
    # A yes with a condition: not a no ("yes, but not until March").
    "condition": (
        "not until", "not before", "only after", "only from", "from next month", "after the holidays",
        "can't start until", "cannot start until", "can't start before", "can only start", "as long as",
        "provided", "if she", "if he", "if they",
        "no hasta", "no antes de", "a partir de", "pas avant", "à partir de", "erst ab", "erst nach", "nicht vor",
        "só depois", "a partir do", "a partir da", "não antes de",
    ),
    # A question back: "tell me more".
    "more": (
        "tell me more", "more info", "more information", "more details", "more about", "who is she",
        "who is he", "who are they", "what does she want", "what does he want", "what would it involve",
        "cuéntame más", "dime más", "más información", "plus d'informations", "dites-m'en plus", "en savoir plus",
        "erzähl mir mehr", "mehr informationen", "mehr erfahren", "mais informações", "conte-me mais",
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Consent:
    """What a reply to an ask says: `answer` is yes, no, more, mixed or unclear; `note` is the condition that came
    with a yes ("not until March"), in the mentor's words."""

    answer: str
    note: str = ""


def alternatives(phrases: tuple[str, ...]) -> str:
    """Phrases as a regex alternation, longest first, either apostrophe accepted."""
    ordered = sorted(phrases, key=len, reverse=True)
    return "|".join(re.escape(p).replace("'", f"[{APOSTROPHES}]") for p in ordered)


def _pattern(kind: str) -> re.Pattern[str]:
    """One kind's phrases, matched only as whole words (an apostrophe counts as part of a word)."""
    return re.compile(rf"(?<![\w{APOSTROPHES}])(?:{alternatives(PHRASES[kind])})(?![\w{APOSTROPHES}])", re.I)


_NEUTRAL, _YES, _NO, _DOUBT, _CONDITION, _MORE = (
    _pattern(k) for k in ("neutral", "yes", "no", "doubt", "condition", "more")
)
# Where a turn starts: a clause is cut before it, and the turn stays in the clause it opens.
_TURN = re.compile(rf"(?<![\w{APOSTROPHES}])(?=(?:{alternatives(PHRASES['turn'])})(?![\w{APOSTROPHES}]))", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+|\s+[-\u2013\u2014]\s+")
MAX_SENTENCES = 6  # the answer is at the top; a long reply's later lines are chat, not consent


def read_consent(new: str) -> Consent:
    """Consent read from what the person newly wrote (see the module docstring)."""
    sentences = [s.strip() for s in _SENTENCE_END.split(new.strip()) if s.strip()][:MAX_SENTENCES]
    clauses = [clause for sentence in sentences for clause in _clauses(sentence)]
    answer = _decide([(signal, turned) for signal, turned, _ in clauses if signal])
    if answer == "yes":
        noted = [s for s in sentences if _CONDITION.search(s) or _TURN.search(s)]
        return Consent("yes", " ".join(noted)[:300])
    if answer:
        return Consent(answer)
    if any(_MORE.search(s) or s.endswith("?") for s in sentences[:3]):
        return Consent("more")
    return Consent("unclear")


def _clauses(sentence: str) -> list[tuple[str, bool, str]]:
    """(signal, follows a turn, text) for each clause of one sentence; politeness removed first."""
    plain = _NEUTRAL.sub(" ", sentence)
    parts = [part.strip() for part in _TURN.split(plain) if part.strip()]
    return [(_signal(part), bool(_TURN.match(part)), part) for part in parts]


def _signal(clause: str) -> str:
    """yes, no, both (mixed within one clause), doubt, or "" for a clause that says neither."""
    if _DOUBT.search(clause):
        return "doubt"
    without_conditions = _CONDITION.sub(" ", clause)
    yes, no = bool(_YES.search(without_conditions)), bool(_NO.search(without_conditions))
    return "both" if yes and no else "yes" if yes else "no" if no else ""


def _decide(signals: list[tuple[str, bool]]) -> str:
    """The answer the clauses that carry a signal give, or "mixed"; "" when none does."""
    if not signals:
        return ""
    kinds = {signal for signal, _ in signals}
    if kinds == {"doubt"}:
        return ""  # a question back, or unclear: asked about
    if kinds in ({"yes"}, {"no"}):
        return kinds.pop()
    if kinds & {"doubt", "both"}:
        return "mixed"
    last, turned = signals[-1]
    if turned and len(signals) == 2:
        return last  # "I'd love to, but I can't": the clause after the turn decides
    return "mixed"
