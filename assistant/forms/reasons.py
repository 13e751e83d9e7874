"""Why a pairing ended, read from what someone wrote: the vocabulary (`CLOSE_REASONS` in assistant/db.py), what
each reason says in a report, and the words that name it in each language of assistant/forms/language.py.

Read only when unmistakable: the words of exactly one reason, nothing that negates or doubts them ("not", "maybe",
a question mark), in a short answer. Anything else is `other`, and the caller keeps her words: a wrong reason in the
records is worse than none. The tables are phrases people write, lower case, compared after `fold`; a phrase
that could name two reasons, or something else entirely ("done", "busy week"), is left out on purpose.
"""

from __future__ import annotations

import re
from functools import lru_cache

from assistant.db import CLOSE_REASONS
from assistant.forms.language import fold
from assistant.forms.values import unsure

# What each reason says, for reports and mail to coordinators.
LABELS = {
    "completed": "came to its planned end",
    "goals_met": "goals met",
    "no_time": "no time",
    "not_a_good_match": "not a good match",
    "moved_on": "moved on",
    "left_program": "left the program",
    "other": "other",
}

# Longer than this, an answer is a story: it may mention a reason without being one ("we had no time at first, then
# it went well"). It is kept whole as her words, reason `other`.
MAX_READ = 160

# fmt: off
_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "English": {
        "completed": ("completed", "complete", "finished", "came to its end", "came to an end", "reached its end",
                      "end of the cycle", "end of the program", "end of the six months", "the six months are over",
                      "cycle ended", "ran its course", "planned end"),
        "goals_met": ("goals met", "goal met", "goals reached", "goal reached", "goals achieved", "goal achieved",
                      "met her goals", "met my goals", "reached her goals", "reached my goals", "achieved her goals",
                      "achieved my goals", "got what she needed", "got what i needed"),
        "no_time": ("no time", "not enough time", "lack of time", "too busy", "out of time", "no bandwidth",
                    "workload"),
        "not_a_good_match": ("not a good match", "not a good fit", "not the right match", "not the right fit",
                             "bad match", "poor match", "poor fit", "mismatch", "mismatched", "wrong match",
                             "didn't click", "did not click", "no chemistry"),
        "moved_on": ("moved on", "new job", "new role", "changed jobs", "changed job", "changed teams",
                     "changed team", "changed roles", "left the company", "relocated", "moved abroad",
                     "moved away"),
        "left_program": ("left the program", "left the programme", "quit the program", "quit the programme",
                         "withdrew", "unsubscribed"),
    },
    "Spanish": {
        "completed": ("completado", "terminado", "finalizado", "ciclo terminado"),
        "goals_met": ("objetivos cumplidos", "objetivos alcanzados", "metas cumplidas", "metas alcanzadas"),
        "no_time": ("falta de tiempo", "sin tiempo", "demasiado ocupada", "demasiado ocupado"),
        "not_a_good_match": ("no encajamos", "no hubo química", "mala combinación"),
        "moved_on": ("nuevo trabajo", "nuevo puesto", "cambió de trabajo", "cambio de trabajo", "cambió de equipo"),
        "left_program": ("dejó el programa", "salió del programa"),
    },
    "French": {
        "completed": ("terminé", "terminée", "achevé", "cycle terminé", "arrivé à son terme"),
        "goals_met": ("objectifs atteints", "objectif atteint"),
        "no_time": ("manque de temps", "pas le temps", "pas de temps", "trop occupée", "trop occupé"),
        "not_a_good_match": ("pas compatibles", "incompatibilité", "pas d'alchimie"),
        "moved_on": ("nouveau poste", "nouvel emploi", "changé de poste", "changé d'emploi", "changé d'équipe"),
        "left_program": ("quitté le programme",),
    },
    "German": {
        "completed": ("abgeschlossen", "beendet", "regulär beendet", "zyklus beendet"),
        "goals_met": ("ziele erreicht", "ziel erreicht"),
        "no_time": ("keine zeit", "zeitmangel", "zu beschäftigt"),
        "not_a_good_match": ("hat nicht gepasst", "passte nicht", "keine chemie"),
        "moved_on": ("neuer job", "neue stelle", "job gewechselt", "stelle gewechselt", "team gewechselt"),
        "left_program": ("programm verlassen",),
    },
    "Portuguese": {
        "completed": ("concluído", "concluido", "finalizado", "ciclo concluído"),
        "goals_met": ("objetivos alcançados", "objetivos atingidos", "metas atingidas", "metas alcançadas"),
        "no_time": ("falta de tempo", "sem tempo", "muito ocupada", "muito ocupado"),
        "not_a_good_match": ("não combinamos", "não houve química"),
        "moved_on": ("novo emprego", "mudou de emprego", "mudou de equipe", "mudou de equipa"),
        "left_program": ("saiu do programa",),
    },
    "Italian": {
        "completed": ("completato", "concluso", "terminato"),
        "goals_met": ("obiettivi raggiunti", "obiettivo raggiunto"),
        "no_time": ("mancanza di tempo", "senza tempo", "troppo impegnata", "troppo impegnato"),
        "not_a_good_match": ("non c'era intesa", "nessuna intesa"),
        "moved_on": ("nuovo lavoro", "cambiato lavoro", "cambiato team"),
        "left_program": ("lasciato il programma",),
    },
    "Dutch": {
        "completed": ("afgerond", "voltooid"),
        "goals_met": ("doelen bereikt", "doel bereikt"),
        "no_time": ("geen tijd", "tijdgebrek", "te druk"),
        "not_a_good_match": ("geen klik", "klikte niet"),
        "moved_on": ("nieuwe baan", "andere baan", "ander team"),
        "left_program": ("programma verlaten",),
    },
}
# Words that turn a reason around or doubt it ("not completed", "wasn't really no time"): with one of them left
# over once the reason's own phrase is taken out, the answer is not read.
_NEGATIONS = frozenset({
    "not", "no", "never", "nor", "didn't", "wasn't", "isn't", "hasn't", "haven't", "weren't", "don't", "doesn't",
    "couldn't", "won't", "but", "although", "though", "except",
    "nunca", "ni", "pero", "aunque",
    "ne", "n'", "pas", "jamais", "mais",
    "nicht", "kein", "keine", "nie", "aber",
    "não", "nao", "mas",
    "non", "mai",
    "niet", "geen", "nooit", "maar",
})
# fmt: on


@lru_cache(maxsize=1)
def _phrases() -> list[tuple[re.Pattern[str], str]]:
    """Every phrase with its reason, longest first, so "not a good match" is found before "good match" could be."""
    found = [(phrase, reason) for table in _WORDS.values() for reason, words in table.items() for phrase in words]
    found += [(r, r) for r in CLOSE_REASONS] + [(r.replace("_", " "), r) for r in CLOSE_REASONS if "_" in r]
    found.sort(key=lambda item: -len(item[0]))
    return [(re.compile(r"(?<!\w)" + re.escape(fold(p)) + r"(?!\w)"), reason) for p, reason in found]


_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]*)?")


def reason_of(text: str) -> str | None:
    """The one reason `text` names unmistakably, or None (the caller stores `other` and keeps the words)."""
    folded = fold(" ".join(text.split()))
    if not folded or len(folded) > MAX_READ or unsure(folded):
        return None
    reasons = set()
    for pattern, reason in _phrases():
        if pattern.search(folded):
            reasons.add(reason)
            folded = pattern.sub(" ", folded)
    if len(reasons) != 1:
        return None
    words = _WORD.findall(folded)
    left = set(words) | {w.split("'")[0] + "'" for w in words if "'" in w}  # French "n'a": its n' counts
    return None if left & _NEGATIONS else reasons.pop()


def label(reason: str | None) -> str:
    """What a reason says in a report: its label, or "not recorded" for a pairing closed before reasons were kept."""
    return LABELS.get(reason or "", "not recorded")


def check_tables() -> list[str]:
    """Problems in the tables: a reason not in the vocabulary, or a phrase that names two reasons."""
    problems, seen = [], {}
    for language, table in _WORDS.items():
        for reason, words in table.items():
            if reason not in CLOSE_REASONS:
                problems.append(f"{language}: {reason!r} is not a reason")
            for phrase in words:
                other = seen.setdefault(fold(phrase), reason)
                if other != reason:
                    problems.append(f"{language}: {phrase!r} names both {other} and {reason}")
    return problems
