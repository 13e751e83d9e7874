"""The words people answer a check-in with, one table per language, and the folding that compares them.

To teach the assistant another language, add a `Language` below and list it in `LANGUAGES`; nothing else
changes. Each field says what kind of word it holds. Write words as people type them, lower case; add the
spelling without accents only when it cannot be another word (Portuguese "nao" for "não" is safe; French
"ou" for "où" would not be). `tests/test_answers_languages.py` checks that no word means two different
things across the tables, so a new table cannot quietly change how another language is read.

Sources: the words are common vocabulary of each language (cardinal numbers, "yes", "no", "not yet",
"times"), written by us; no list was copied from another project.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field, fields
from functools import lru_cache


def fold(text: str) -> str:
    """Text as compared: NFKC (full-width digits, ligatures), case folded, one kind of apostrophe.

    Accents are kept: "si" (if) and "sí" (yes) are different words, and only the tables decide
    that an unaccented spelling means the same.
    """
    return unicodedata.normalize("NFKC", text).casefold().replace("\u2019", "'")


@dataclass(frozen=True)
class Language:
    name: str
    yes: tuple[str, ...]  # words or phrases that answer a yes/no question with yes
    no: tuple[str, ...]  # ... with no; "not yet" is a no
    unsure: tuple[str, ...]  # hedges: an answer containing one is asked about, never recorded
    numbers: dict[str, int]  # number words, read alone ("dos") or before a times word ("dos veces")
    counts: dict[str, int] = field(default_factory=dict)  # words that are a count by themselves ("twice")
    # Words read as a number only right before a times word, because alone they are an article or another
    # language's number: "una vez" is 1, "una" alone is "a"; "once veces" is 11, "once" alone is English 1.
    before_times: dict[str, int] = field(default_factory=dict)
    times: tuple[str, ...] = ()  # "times" after a number: "dos veces", "deux fois"
    vague: tuple[str, ...] = ()  # a count that is not a number: "a few", "plusieurs"
    out_of: tuple[str, ...] = ()  # between a rating and the top of the scale: "4 von 5", "4 sur 5"
    periods: tuple[str, ...] = ()  # "twice a week": a frequency, not this month's count
    month: tuple[str, ...] = ()  # "twice this month": still the count
    fillers: tuple[str, ...] = ()  # words that may stand beside yes/no without changing it ("we", "so")
    greetings: tuple[str, ...] = ()  # a first line that only greets ("Hola Ada,")
    sign_offs: tuple[str, ...] = ()  # a line that ends the reply ("Saludos,")
    topic_openers: tuple[str, ...] = ()  # "we worked on …": a sentence that answers "What did you work on?"
    nothing: tuple[str, ...] = ()  # "nothing, thanks" to an optional question: no answer needed
    asides: tuple[str, ...] = ()  # first words of a remark that answers nothing ("sorry for the delay")


# The tables are laid out by hand, a field per line, so that a contributor reads one language at a glance.
# fmt: off
ENGLISH = Language(
    name="English",
    yes=("yes", "y", "yep", "yeah", "yup", "yea", "sure", "indeed", "absolutely", "definitely", "of course",
         "we did", "we have", "👍", "✅"),
    no=("no", "n", "nope", "nah", "not", "never", "not yet", "not really", "did not", "didn't", "we did not",
        "we didn't", "have not", "haven't", "hasn't", "👎", "❌"),
    unsure=("yes and no", "sort of", "kind of", "kinda", "maybe", "perhaps", "not sure", "partly", "partially",
            "more or less", "n/a"),
    numbers={"zero": 0, "none": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
             "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12},
    counts={"once": 1, "twice": 2, "thrice": 3},
    times=("times", "time", "x"),
    vague=("couple", "few", "several", "some", "many", "multiple", "lots", "various", "a number", "handful",
           "half", "once or twice"),
    out_of=("out of",),  # not "of": in Dutch "4 of 5" is "4 or 5"
    periods=("week", "weeks", "day", "days", "fortnight", "year"),
    month=("month",),
    fillers=("we", "i", "yet", "so", "oh", "well", "did", "have"),
    greetings=("hi", "hello", "hey", "dear", "hiya", "good morning", "good afternoon", "good evening"),
    sign_offs=("many thanks", "thanks", "thanks a lot", "thanks again", "thanks so much", "thank you",
               "thank you so much", "thank you very much", "thx", "best", "best regards", "best wishes",
               "kind regards", "warm regards", "regards", "cheers", "all the best", "take care", "warmly",
               "sincerely", "talk soon", "see you"),
    topic_openers=("we worked on", "we talked about", "we discussed", "we focused on", "we went through",
                   "we went over", "we covered", "we looked at", "we spoke about", "we chatted about"),
    nothing=("no", "nope", "nothing", "none", "n/a", "na", "nil", "-", "--", "all good", "all fine", "not really",
             "nothing else", "no all good", "nothing really", "no nothing", "i'm good", "im good", "not needed",
             "no need"),
    asides=("sorry", "apologies", "busy", "haha", "lol", "hope", "ok", "okay"),
)

SPANISH = Language(
    name="Spanish",
    # "si" without its accent is how phones often type "sí"; alone in an answer it is the yes.
    yes=("sí", "si", "claro", "claro que sí", "por supuesto", "sip", "vale"),
    no=("no", "todavía no", "todavia no", "aún no", "aun no", "nunca", "nop", "tampoco"),
    unsure=("quizás", "quizas", "quizá", "tal vez", "a lo mejor", "más o menos", "mas o menos", "no sé",
            "no estoy segura", "no estoy seguro", "creo que", "unas", "aproximadamente"),
    numbers={"cero": 0, "ninguna": 0, "uno": 1, "dos": 2, "tres": 3, "cuatro": 4, "cinco": 5, "seis": 6,
             "siete": 7, "ocho": 8, "nueve": 9, "diez": 10, "doce": 12},
    before_times={"una": 1, "un": 1, "once": 11},
    times=("veces", "vez"),
    vague=("varias", "algunas", "muchas", "un par", "pocas"),
    out_of=("de", "sobre"),
    periods=("semana", "semanas", "día", "dia", "días", "dias"),
    month=("mes",),
    fillers=("nos", "pues", "bueno", "ya"),
    greetings=("hola", "buenos días", "buenos dias", "buenas", "buenas tardes", "querida", "querido"),
    sign_offs=("gracias", "muchas gracias", "saludos", "un saludo", "un abrazo", "abrazos", "besos",
               "atentamente", "cordialmente"),
    topic_openers=("trabajamos en", "trabajamos sobre", "hablamos de", "hablamos sobre", "nos centramos en",
                   "repasamos"),
    nothing=("no", "nada", "nada más", "nada mas", "todo bien", "no nada", "no todo bien", "ninguna"),
    asides=("perdón", "perdon", "lo siento", "disculpa", "jaja", "espero", "ok"),
)

FRENCH = Language(
    name="French",
    yes=("oui", "ouais", "bien sûr", "bien sur", "tout à fait", "absolument", "oui oui"),
    no=("non", "nan", "pas encore", "pas vraiment", "jamais", "toujours pas"),
    unsure=("peut-être", "peut être", "peut-etre", "plus ou moins", "je ne sais pas", "je sais pas", "pas sûre",
            "pas sûr", "à peu près", "environ", "enfin", "plutôt", "en partie"),
    numbers={"zéro": 0, "zero": 0, "aucune": 0, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
             "sept": 7, "huit": 8, "neuf": 9, "dix": 10, "onze": 11, "douze": 12},
    before_times={"une": 1, "un": 1},
    times=("fois",),
    vague=("plusieurs", "quelques", "beaucoup", "souvent"),
    out_of=("sur",),
    periods=("semaine", "semaines", "jour", "jours"),
    month=("mois",),
    fillers=("on", "nous", "alors", "bon", "eh"),
    greetings=("bonjour", "bonsoir", "salut", "coucou", "chère", "chere", "cher"),
    sign_offs=("merci", "merci beaucoup", "cordialement", "bien à vous", "bien a vous", "bises", "bonne journée",
               "à bientôt", "a bientot", "amicalement"),
    topic_openers=("on a travaillé sur", "nous avons travaillé sur", "on a parlé de", "nous avons parlé de",
                   "on a discuté de", "nous avons discuté de"),
    nothing=("non", "rien", "rien de plus", "tout va bien", "non rien", "ça va", "ca va"),
    asides=("désolée", "désolé", "desolee", "pardon", "excuse", "haha", "j'espère", "ok", "d'accord"),
)

GERMAN = Language(
    name="German",
    yes=("ja", "jep", "jo", "jawohl", "klar", "natürlich", "genau", "ja klar"),
    no=("nein", "nö", "noch nicht", "nicht", "leider nicht", "nie", "noch nie"),
    unsure=("vielleicht", "eher", "ungefähr", "etwa", "mehr oder weniger", "weiß nicht", "weiss nicht", "jein",
            "so halb", "teilweise", "glaube"),
    numbers={"null": 0, "keinmal": 0, "eins": 1, "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "sechs": 6,
             "sieben": 7, "acht": 8, "neun": 9, "zehn": 10, "elf": 11, "zwölf": 12},
    counts={"einmal": 1, "zweimal": 2, "dreimal": 3, "viermal": 4, "fünfmal": 5, "sechsmal": 6},
    before_times={"ein": 1, "eine": 1},
    times=("mal",),
    vague=("mehrmals", "einige", "paar", "oft", "öfter", "ein paar", "mehrere"),
    out_of=("von", "aus"),
    periods=("woche", "wochen", "tag", "tage"),
    month=("monat",),
    fillers=("wir", "haben", "uns", "also", "doch"),
    greetings=("hallo", "hi", "liebe", "lieber", "guten tag", "guten morgen", "moin", "servus"),
    sign_offs=("danke", "vielen dank", "danke schön", "viele grüße", "viele grüsse", "liebe grüße",
               "liebe grüsse", "beste grüße", "mit freundlichen grüßen", "gruß", "grüße", "lg"),
    topic_openers=("wir haben an", "wir haben über", "wir sprachen über", "wir haben uns mit"),
    nothing=("nein", "nichts", "alles gut", "nein alles gut", "nein nichts", "passt"),
    asides=("sorry", "entschuldigung", "entschuldige", "sorry für", "haha", "hoffe", "ok", "okay"),
)

PORTUGUESE = Language(
    name="Portuguese",
    yes=("sim", "claro", "claro que sim", "com certeza", "certo"),
    no=("não", "nao", "ainda não", "ainda nao", "nunca"),
    unsure=("talvez", "mais ou menos", "não sei", "nao sei", "acho que", "cerca de", "tipo"),
    numbers={"zero": 0, "nenhuma": 0, "dois": 2, "duas": 2, "três": 3, "tres": 3, "quatro": 4, "cinco": 5,
             "seis": 6, "sete": 7, "oito": 8, "nove": 9, "dez": 10, "onze": 11, "doze": 12},
    # "um" alone is also English for hesitating; "uma" alone is "a".
    before_times={"uma": 1, "um": 1},
    times=("vezes", "vez"),
    vague=("várias", "varias", "algumas", "muitas", "poucas"),
    out_of=("de", "em"),
    periods=("semana", "semanas", "dia", "dias"),
    month=("mês", "mes"),
    fillers=("nos", "a gente", "bem", "então", "entao", "já"),
    greetings=("olá", "ola", "oi", "bom dia", "boa tarde", "querida", "querido", "cara"),
    sign_offs=("obrigada", "obrigado", "muito obrigada", "muito obrigado", "abraços", "abracos", "beijos", "bjs",
               "atenciosamente", "um abraço"),
    topic_openers=("trabalhamos em", "trabalhamos no", "trabalhamos na", "falamos sobre", "falamos de",
                   "conversamos sobre"),
    nothing=("não", "nao", "nada", "tudo bem", "não nada", "nada não"),
    asides=("desculpa", "desculpe", "perdão", "kkk", "haha", "espero", "ok"),
)

ITALIAN = Language(
    name="Italian",
    yes=("sì", "certo", "certamente", "esatto", "assolutamente"),
    no=("no", "non", "non ancora", "ancora no", "per niente"),
    unsure=("forse", "più o meno", "piu o meno", "non so", "circa", "boh", "credo", "magari"),
    numbers={"zero": 0, "nessuna": 0, "uno": 1, "due": 2, "tre": 3, "quattro": 4, "cinque": 5, "sei": 6,
             "sette": 7, "otto": 8, "nove": 9, "dieci": 10, "undici": 11, "dodici": 12},
    before_times={"una": 1},
    times=("volte", "volta"),
    vague=("alcune", "diverse", "parecchie", "qualche", "tante", "poche"),
    out_of=("su", "di"),
    periods=("settimana", "settimane", "giorno", "giorni"),
    month=("mese",),
    fillers=("ci", "siamo", "beh", "allora"),
    greetings=("ciao", "salve", "buongiorno", "buonasera", "cara", "caro", "gentile"),
    sign_offs=("grazie", "grazie mille", "un saluto", "saluti", "cordiali saluti", "a presto", "un abbraccio"),
    topic_openers=("abbiamo lavorato su", "abbiamo lavorato sul", "abbiamo parlato di", "abbiamo parlato del",
                   "abbiamo discusso di"),
    nothing=("no", "niente", "nulla", "tutto bene", "no niente", "no grazie"),
    asides=("scusa", "scusami", "scusate", "haha", "spero", "ok"),
)

DUTCH = Language(
    name="Dutch",
    yes=("ja", "jawel", "zeker", "jazeker", "jep", "natuurlijk", "klopt"),
    no=("nee", "neen", "niet", "nog niet", "nooit", "helaas niet"),
    unsure=("misschien", "min of meer", "ongeveer", "weet niet", "weet ik niet", "een beetje", "deels",
            "denk ik"),
    numbers={"nul": 0, "één": 1, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6, "zeven": 7, "acht": 8,
             "negen": 9, "tien": 10, "elf": 11, "twaalf": 12},
    counts={"eenmaal": 1, "tweemaal": 2, "driemaal": 3},
    before_times={"een": 1, "eén": 1},
    times=("keer", "keren", "maal"),
    vague=("paar", "een paar", "meerdere", "vaak", "enkele", "wat"),
    out_of=("van", "uit", "op"),
    periods=("week", "weken", "dag", "dagen"),
    month=("maand",),
    fillers=("we", "wij", "hebben", "nou", "dus"),
    greetings=("hoi", "hallo", "beste", "lieve", "goedemorgen", "goedemiddag"),
    sign_offs=("bedankt", "dank je", "dank je wel", "dankjewel", "groetjes", "groeten", "met vriendelijke groet",
               "met vriendelijke groeten", "hartelijke groeten", "vriendelijke groet"),
    topic_openers=("we hebben gewerkt aan", "we werkten aan", "we hebben het gehad over", "we hebben gepraat over",
                   "we spraken over"),
    nothing=("nee", "niets", "niks", "alles goed", "nee niets", "nee hoor"),
    asides=("sorry", "excuses", "haha", "hoop", "oké", "ok"),
)

# fmt: on

LANGUAGES: tuple[Language, ...] = (ENGLISH, SPANISH, FRENCH, GERMAN, PORTUGUESE, ITALIAN, DUTCH)


@dataclass(frozen=True)
class Lexicon:
    """Every table merged and folded, as the reader looks words up."""

    yes: frozenset[str]
    no: frozenset[str]
    unsure: frozenset[str]
    numbers: dict[str, int]
    counts: dict[str, int]
    before_times: dict[str, int]
    times: frozenset[str]
    vague: frozenset[str]
    out_of: frozenset[str]
    periods: frozenset[str]
    month: frozenset[str]
    fillers: frozenset[str]
    greetings: frozenset[str]
    sign_offs: frozenset[str]
    topic_openers: frozenset[str]
    nothing: frozenset[str]
    asides: frozenset[str]


_NUMBER_FIELDS = ("numbers", "counts", "before_times")


def _words(languages: tuple[Language, ...], name: str) -> frozenset[str]:
    return frozenset(fold(word) for language in languages for word in getattr(language, name))


def _numbers(languages: tuple[Language, ...], name: str) -> dict[str, int]:
    return {fold(word): value for language in languages for word, value in getattr(language, name).items()}


@lru_cache(maxsize=1)
def lexicon(languages: tuple[Language, ...] = LANGUAGES) -> Lexicon:
    """Every field of every table, folded and merged: words into sets, numbers into one mapping."""
    merged = {
        f.name: _numbers(languages, f.name) if f.name in _NUMBER_FIELDS else _words(languages, f.name)
        for f in fields(Lexicon)
    }
    return Lexicon(**merged)
