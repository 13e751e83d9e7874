"""Milestones a mentee reported in her own words ("I got promoted!"), read only when unmistakable.

A sentence counts only when it says, in the first person and as done, one of a few things worth a word from her
mentor: a promotion, a new job, a talk given, a paper published, a degree finished. Anything that might be hoped
for, someone else's, denied, asked, conditional or reported second hand is left alone: a sentence with a question
mark, or with any of its language's doubt words ("hoping", "not", "if", "yet", "my colleague" is not first person
at all), is never read. A milestone missed costs nothing; one invented would be embarrassing for everyone.

Each language is a table of its own: the first-person, past-tense phrases for each kind, and the words that
make a sentence doubtful. English, Spanish, French, German, Portuguese and Italian; Dutch only where the words
cannot mean two things ("gepromoveerd" is both a promotion and a doctorate, so it is not read at all).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.forms.language import fold

KINDS = ("promotion", "new_job", "talk", "paper", "degree")
MAX_SENTENCE = 300  # what is kept and quoted of her sentence


@dataclass(frozen=True)
class Milestone:
    kind: str  # one of KINDS
    sentence: str  # her sentence, as she wrote it (trimmed)


@dataclass(frozen=True)
class Tongue:
    """One language: for each kind, phrases (regular expressions over folded text, first person and done), and the
    words that make a sentence doubtful (a token equal to one, or a phrase contained in the sentence)."""

    name: str
    phrases: dict[str, tuple[str, ...]]
    doubt: tuple[str, ...]


# The tables are laid out by hand, like language.py's.
# fmt: off
_EN_ADV = r"(?:(?:just|finally|officially|actually|also|recently|successfully|really)\s+){0,2}"
_EN_DET = r"(?:a|an|my|the|our)\s+(?:(?:first|very first|new|own)\s+)?"
ENGLISH = Tongue(
    "English",
    {
        "promotion": (
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}(?:got|gotten|been|was)\s+promoted\b",
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}(?:got|gotten|received|earned)\s+(?:a|my|the)\s+promotion\b",
        ),
        "new_job": (
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}(?:started|began|begun)\s+(?:a|my)\s+new\s+(?:job|role|position)\b",
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}(?:got|landed)\s+the\s+job\b",
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}accepted\s+(?:a|an|the)\s+(?:new\s+)?(?:job\s+)?offer\b",
        ),
        "talk": (
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}(?:gave|given|delivered|presented)\s+{_EN_DET}(?:[\w-]+\s+){{0,3}}"
            r"(?:talk|keynote|presentation|lecture)\b",
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}(?:spoke|spoken)\s+at\b",
        ),
        "paper": (
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}published\s+{_EN_DET}(?:[\w-]+\s+){{0,3}}(?:paper|article)\b",
            rf"\bmy\s+(?:first\s+)?(?:[\w-]+\s+){{0,2}}(?:paper|article)\s+(?:was|got|has been)\s+{_EN_ADV}"
            r"published\b",
        ),
        "degree": (
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}(?:finished|completed|defended|earned|got|received)\s+(?:my|a|the)\s+"
            r"(?:[\w'-]+\s+){0,2}(?:degree|phd|doctorate|master's|masters|mba|thesis|dissertation|bachelor's)\b",
            rf"\bi(?:'ve| have)?\s+{_EN_ADV}graduated\b",
        ),
    },
    doubt=(
        "not", "no", "never", "yet", "hope", "hopes", "hoping", "hoped", "hopefully", "if", "unless", "whether",
        "would", "could", "might", "maybe", "perhaps", "wish", "want", "wants", "wanted", "plan", "plans",
        "planning", "will", "'ll", "soon", "should", "almost", "nearly", "try", "trying", "tried", "apply",
        "applied", "applying", "think", "thinks", "thought", "believe", "guess", "said", "says", "told", "heard",
        "rumour", "rumor", "when", "once", "dream", "dreamt", "dreamed", "imagine", "expect", "expected",
        "expecting", "likely", "probably", "supposed", "pending", "waiting", "next", "aim", "aiming", "going to",
        "gonna", "fingers crossed", "one day", "someday", "pretend", "nominated", "shortlisted", "interview",
        "didn't", "haven't", "hasn't", "wasn't", "isn't", "won't", "can't", "couldn't", "wouldn't", "don't",
    ),
)

SPANISH = Tongue(
    "Spanish",
    {
        "promotion": (
            r"\bme\s+(?:ascendieron|han\s+ascendido|promovieron|han\s+promovido|promocionaron)\b",
            r"\b(?:fui|he\s+sido)\s+(?:ascendid[ao]|promovid[ao]|promocionad[ao])\b",
            r"\b(?:conseguí|obtuve|he\s+conseguido)\s+(?:un|el|mi)\s+ascenso\b",
        ),
        "new_job": (r"\b(?:empecé|comencé|he\s+empezado)\s+(?:un|mi)\s+nuevo\s+(?:trabajo|puesto|empleo)\b",),
        "talk": (r"\b(?:di|he\s+dado)\s+(?:una|mi\s+primera)\s+(?:\w+\s+){0,2}(?:charla|ponencia|conferencia)\b",),
        "paper": (r"\b(?:publiqué|he\s+publicado)\s+(?:un|mi\s+primer)\s+(?:\w+\s+){0,2}(?:artículo|paper)\b",),
        "degree": (
            r"\b(?:terminé|acabé|he\s+terminado)\s+(?:mi|el)\s+(?:máster|master|doctorado|grado|carrera)\b",
            r"\bme\s+(?:gradué|he\s+graduado|titulé)\b",
            r"\b(?:defendí|he\s+defendido)\s+mi\s+tesis\b",
        ),
    },
    doubt=(
        "no", "nunca", "todavía", "todavia", "aún", "aun", "ojalá", "ojala", "espero", "esperando", "si",
        "quizás", "quizas", "quizá", "tal vez", "podría", "podria", "debería", "deberia", "voy a", "vas a",
        "va a", "próximo", "próxima", "casi", "creo", "dijo", "dicen", "cuando", "quiero", "quisiera",
    ),
)

FRENCH = Tongue(
    "French",
    {
        "promotion": (
            r"\bj'ai\s+(?:enfin\s+)?été\s+promue?\b",
            r"\bj'ai\s+(?:enfin\s+)?(?:eu|obtenu)\s+(?:une|ma|la)\s+promotion\b",
        ),
        "new_job": (r"\bj'ai\s+commencé\s+(?:un|mon)\s+nouveau\s+(?:poste|travail|job|emploi)\b",),
        "talk": (
            r"\bj'ai\s+donné\s+(?:une|ma\s+première)\s+(?:\w+\s+){0,2}(?:conférence|présentation|intervention)\b",
        ),
        "paper": (r"\bj'ai\s+publié\s+(?:un|mon\s+premier)\s+(?:\w+\s+){0,2}article\b",),
        "degree": (
            r"\bj'ai\s+soutenu\s+ma\s+thèse\b",
            r"\bj'ai\s+(?:obtenu|fini|terminé)\s+mon\s+(?:diplôme|master|doctorat)\b",
        ),
    },
    doubt=(
        "ne", "pas", "jamais", "encore", "espère", "j'espère", "espérant", "si", "s'il", "peut-être", "pourrais",
        "devrais", "voudrais", "vais", "va", "bientôt", "presque", "crois", "pense", "dit", "quand", "lorsque",
    ),
)

GERMAN = Tongue(
    "German",
    {
        "promotion": (
            r"\bich\s+(?:wurde|bin)\s+(?:endlich\s+)?befördert\b",
            r"\bich\s+habe\s+(?:endlich\s+)?(?:eine|die)\s+beförderung\s+(?:bekommen|erhalten)\b",
        ),
        "new_job": (
            r"\bich\s+habe\s+(?:einen\s+neuen\s+job|eine\s+neue\s+stelle)\s+(?:angefangen|begonnen|angetreten)\b",
        ),
        "talk": (r"\bich\s+habe\s+(?:einen|meinen\s+ersten)\s+(?:\w+\s+){0,2}vortrag\s+gehalten\b",),
        "paper": (r"\bich\s+habe\s+(?:einen|meinen\s+ersten)\s+(?:\w+\s+){0,2}(?:artikel|paper)\s+veröffentlicht\b",),
        "degree": (
            r"\bich\s+habe\s+meinen\s+(?:abschluss|master|bachelor|doktor)\s+(?:gemacht|abgeschlossen)\b",
            r"\bich\s+habe\s+meine\s+(?:doktorarbeit|dissertation)\s+verteidigt\b",
        ),
    },
    doubt=(
        "nicht", "kein", "keine", "keinen", "nie", "noch", "hoffe", "hoffentlich", "wenn", "falls", "ob",
        "vielleicht", "würde", "könnte", "sollte", "werde", "wird", "bald", "fast", "glaube", "denke", "gesagt",
        "sagt", "möchte",
    ),
)

PORTUGUESE = Tongue(
    "Portuguese",
    {
        "promotion": (
            r"\b(?:eu\s+)?fui\s+promovid[ao]\b",
            r"\b(?:eu\s+)?(?:consegui|ganhei|recebi)\s+(?:uma|a|minha)\s+promoção\b",
        ),
        "new_job": (r"\b(?:eu\s+)?comecei\s+(?:um|num|no\s+meu)\s+novo\s+(?:emprego|trabalho|cargo)\b",),
        "talk": (r"\b(?:eu\s+)?dei\s+(?:uma|a\s+minha\s+primeira|minha\s+primeira)\s+(?:\w+\s+){0,2}palestra\b",),
        "paper": (r"\b(?:eu\s+)?publiquei\s+(?:um|o\s+meu\s+primeiro|meu\s+primeiro)\s+(?:\w+\s+){0,2}artigo\b",),
        "degree": (
            r"\b(?:eu\s+)?(?:terminei|conclui|concluí)\s+(?:o\s+meu|meu|o)\s+(?:mestrado|doutorado|doutoramento|curso)\b",
            r"\b(?:eu\s+)?defendi\s+(?:a\s+minha|minha)\s+tese\b",
            r"\beu\s+me\s+formei\b",
        ),
    },
    doubt=(
        "não", "nao", "nunca", "ainda", "espero", "esperando", "se", "talvez", "poderia", "deveria", "vou", "vai",
        "breve", "quase", "acho", "disse", "quando", "quero", "queria",
    ),
)

ITALIAN = Tongue(
    "Italian",
    {
        "promotion": (
            r"\bsono\s+(?:stata\s+promossa|stato\s+promosso)\b",
            r"\bho\s+(?:ottenuto|avuto)\s+(?:una|la)\s+promozione\b",
        ),
        "new_job": (r"\bho\s+iniziato\s+un\s+nuovo\s+(?:lavoro|ruolo|impiego)\b",),
        "talk": (r"\bho\s+tenuto\s+(?:un|il\s+mio\s+primo)\s+(?:\w+\s+){0,2}(?:talk|intervento|seminario)\b",),
        "paper": (r"\bho\s+pubblicato\s+(?:un|il\s+mio\s+primo)\s+(?:\w+\s+){0,2}articolo\b",),
        "degree": (
            r"\bmi\s+sono\s+(?:laureata|laureato|diplomata|diplomato)\b",
            r"\bho\s+(?:finito|concluso)\s+(?:il\s+mio|il)\s+(?:master|dottorato)\b",
        ),
    },
    doubt=(
        "non", "mai", "ancora", "spero", "speriamo", "se", "forse", "potrei", "dovrei", "vorrei", "sarò", "presto",
        "quasi", "credo", "penso", "detto", "quando",
    ),
)

DUTCH = Tongue(
    "Dutch",
    {
        "promotion": (r"\bik\s+ben\s+bevorderd\b", r"\bik\s+heb\s+(?:eindelijk\s+)?promotie\s+gekregen\b"),
        "new_job": (r"\bik\s+ben\s+begonnen\s+(?:aan|met|in)\s+(?:een|mijn)\s+nieuwe\s+(?:baan|functie)\b",),
        "talk": (r"\bik\s+heb\s+(?:een|mijn\s+eerste)\s+(?:\w+\s+){0,2}(?:lezing|presentatie)\s+gegeven\b",),
        "paper": (r"\bik\s+heb\s+(?:een|mijn\s+eerste)\s+(?:\w+\s+){0,2}artikel\s+gepubliceerd\b",),
        "degree": (r"\bik\s+ben\s+afgestudeerd\b",),
    },
    doubt=(
        "niet", "geen", "nooit", "nog", "hoop", "hopelijk", "als", "indien", "misschien", "zou", "kan", "kon",
        "ga", "gaat", "binnenkort", "bijna", "denk", "zei", "wanneer",
    ),
)
# fmt: on

TONGUES = (ENGLISH, SPANISH, FRENCH, GERMAN, PORTUGUESE, ITALIAN, DUTCH)
_COMPILED = tuple(
    (tongue, {kind: tuple(re.compile(p) for p in ps) for kind, ps in tongue.phrases.items()}) for tongue in TONGUES
)
_SENTENCES = re.compile(r"(?<=[.!?;…])\s+|\n+|\s+-\s+|\s+[\u2013\u2014]\s+")
_TOKENS = re.compile(r"[\w']+")


def find_milestones(text: str) -> list[Milestone]:
    """The milestones her text reports unmistakably, one per kind at most, in the order written."""
    found: dict[str, Milestone] = {}
    for sentence in _SENTENCES.split(text or ""):
        for kind in kinds_in(sentence):
            if kind not in found:
                found[kind] = Milestone(kind, " ".join(sentence.split())[:MAX_SENTENCE])
    return list(found.values())


def kinds_in(sentence: str) -> list[str]:
    """The kinds of milestone one sentence reports (in KINDS order), or none: never from a question, never from a
    sentence with a doubt word of a language it matched in."""
    folded = " ".join(fold(sentence).replace("`", "'").split())
    if not folded or "?" in folded or "¿" in folded:
        return []
    tokens = set(_TOKENS.findall(folded))
    kinds: set[str] = set()
    for tongue, phrases in _COMPILED:
        hits = {kind for kind, patterns in phrases.items() if any(p.search(folded) for p in patterns)}
        # A doubt in any language a phrase matched in settles it: "não fui promovida" is Spanish-shaped too.
        if hits and _doubtful(tongue, folded, tokens):
            return []
        kinds |= hits
    return [kind for kind in KINDS if kind in kinds]


def _doubtful(tongue: Tongue, folded: str, tokens: set[str]) -> bool:
    # Contractions that deny or put off ("didn't", "I'll", "I'd") in any of their spellings.
    if any(token.endswith(("n't", "'ll", "'d")) for token in tokens):
        return True
    padded = f" {' '.join(_TOKENS.findall(folded))} "
    return any((word in tokens) if " " not in word else (f" {word} " in padded) for word in tongue.doubt)
