"""Check-in answers in seven languages and in phone shorthand (issue 15): every style the README lists is read,
and every near-miss is asked about, never recorded. The last tests go through the real command line and Maildir."""

from __future__ import annotations

import email
import email.policy
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.forms.answers import read_answers
from assistant.forms.form import load_form
from assistant.forms.language import LANGUAGES, fold
from assistant.mail.replies import reply
from assistant.transport.maildir import deliver
from tests.budget import cpu_budget
from tests.conftest import ROOT
from tests.program_cli import Cli as ProgramCli
from tests.test_answers import GMAIL_HEADER, under_questions, values

FORM = load_form(ROOT / "templates/forms/monthly.yaml")


@dataclass(frozen=True)
class Lang:
    yes: str
    count: str
    meetings: str  # what `count` means
    topic: str
    scale: str
    labels: tuple[str, str, str, str]
    plain: str  # the whole answer in the language's own words, with greeting and sign-off
    plain_topic: str
    shorthand: str
    shorthand_topic: str
    not_yet: str  # "no, not yet" and a rating, in plain words


LANGS = {
    "en": Lang(
        yes="Yep",
        count="twice",
        meetings="2",
        topic="My CV",
        scale="4 out of 5",
        labels=("Met", "How many", "Topics", "Rating"),
        plain="Hi Ada,\n\nYes, twice. We worked on my CV. I'd say 4/5.\n\nBest,\nMaya",
        plain_topic="We worked on my CV",
        shorthand="Yes once - promotion case. 4/5",
        shorthand_topic="promotion case",
        not_yet="Not yet. 3/5",
    ),
    "es": Lang(
        yes="Sí",
        count="dos veces",
        meetings="2",
        topic="mi CV",
        scale="4 de 5",
        labels=("Reunión", "Cuántas veces", "Temas", "Valoración"),
        plain="Hola Ada,\n\nSí, dos veces. Trabajamos en mi CV. Diría que 4 de 5.\n\nSaludos,\nMaya",
        plain_topic="Trabajamos en mi CV",
        shorthand="Sí dos veces - mi CV - 4/5",
        shorthand_topic="mi CV",
        not_yet="No, todavía no. 3 de 5",
    ),
    "fr": Lang(
        yes="Oui",
        count="deux fois",
        meetings="2",
        topic="mon CV",
        scale="4 sur 5",
        labels=("Rencontre", "Combien", "Sujets", "Évaluation"),
        plain="Bonjour Ada,\n\nOui, deux fois. On a travaillé sur mon CV. Je dirais 4 sur 5.\n\nCordialement,\nMaya",
        plain_topic="On a travaillé sur mon CV",
        shorthand="Oui! Une fois. Mon CV. 4",
        shorthand_topic="Mon CV",
        not_yet="Non, pas encore. 3 sur 5",
    ),
    "de": Lang(
        yes="Ja",
        count="zweimal",
        meetings="2",
        topic="mein Lebenslauf",
        scale="4 von 5",
        labels=("Treffen", "Wie oft", "Themen", "Bewertung"),
        plain=(
            "Hallo Ada,\n\nJa, zweimal. Wir haben an meinem Lebenslauf gearbeitet. Ich würde sagen 4 von 5.\n\n"
            "Viele Grüße\nMaya"
        ),
        plain_topic="Wir haben an meinem Lebenslauf gearbeitet",
        shorthand="Ja zweimal - Lebenslauf - 4 von 5",
        shorthand_topic="Lebenslauf",
        not_yet="Nein, noch nicht. 3 von 5",
    ),
    "pt": Lang(
        yes="Sim",
        count="três vezes",
        meetings="3",
        topic="meu CV",
        scale="4 de 5",
        labels=("Reunião", "Quantas vezes", "Assuntos", "Avaliação"),
        plain="Olá Ada,\n\nSim, três vezes. Trabalhamos no meu CV. Eu diria 4 de 5.\n\nAbraços,\nMaya",
        plain_topic="Trabalhamos no meu CV",
        shorthand="Sim, duas vezes, meu CV, 4",
        shorthand_topic="meu CV",
        not_yet="Não, ainda não. 3 de 5",
    ),
    "it": Lang(
        yes="Sì",
        count="due volte",
        meetings="2",
        topic="il mio CV",
        scale="4 su 5",
        labels=("Incontro", "Quante volte", "Argomenti", "Valutazione"),
        plain="Ciao Ada,\n\nSì, due volte. Abbiamo lavorato sul mio CV. Direi 4 su 5.\n\nUn saluto,\nMaya",
        plain_topic="Abbiamo lavorato sul mio CV",
        shorthand="Sì. Due volte. Il mio CV. 4 su 5",
        shorthand_topic="Il mio CV",
        not_yet="No, non ancora. 3 su 5",
    ),
    "nl": Lang(
        yes="Ja",
        count="twee keer",
        meetings="2",
        topic="mijn cv",
        scale="4 van 5",
        labels=("Ontmoeting", "Hoe vaak", "Onderwerpen", "Cijfer"),
        plain=("Hoi Ada,\n\nJa, twee keer. We hebben gewerkt aan mijn cv. Ik zou zeggen 4 van 5.\n\nGroetjes,\nMaya"),
        plain_topic="We hebben gewerkt aan mijn cv",
        shorthand="Ja, twee keer - mijn cv - 4",
        shorthand_topic="mijn cv",
        not_yet="Nee, nog niet. 3 van 5",
    ),
}
SHORTHAND_COUNT = {"en": "1", "es": "2", "fr": "1", "de": "2", "pt": "2", "it": "2", "nl": "2"}


def _expected(lang: Lang, topic: str, meetings: str | None = None) -> dict[str, str]:
    return {"met": "yes", "meetings": meetings or lang.meetings, "topics": topic, "rating": "4"}


def _styles(code: str) -> list[tuple[str, str, dict[str, str]]]:
    lang = LANGS[code]
    answers = (lang.yes, lang.count, lang.topic, lang.scale)
    numbered = "\n".join(f"{n}. {answer}" for n, answer in enumerate(answers, start=1))
    labelled = "\n".join(f"{label}: {answer}" for label, answer in zip(lang.labels, answers, strict=True))
    inline = GMAIL_HEADER + "\n" + under_questions(dict(enumerate(answers, start=1)), blank=True)
    return [
        ("numbered", numbered, _expected(lang, lang.topic)),
        ("labelled", labelled, _expected(lang, lang.topic)),
        ("inline", inline, _expected(lang, lang.topic)),
        ("plain", lang.plain, _expected(lang, lang.plain_topic)),
        ("shorthand", lang.shorthand, _expected(lang, lang.shorthand_topic, SHORTHAND_COUNT[code])),
    ]


STYLE_CASES = [
    pytest.param(text, expected, id=f"{code}-{style}") for code in LANGS for style, text, expected in _styles(code)
]


@pytest.mark.parametrize(("text", "expected"), STYLE_CASES)
def test_every_language_in_every_style(text: str, expected: dict[str, str]) -> None:
    reading = read_answers(text, FORM)
    assert values(reading) == expected
    assert reading.unclear == {}
    assert reading.missing == ()


@pytest.mark.parametrize("code", sorted(LANGS))
def test_not_yet_in_every_language(code: str) -> None:
    reading = read_answers(LANGS[code].not_yet, FORM)
    assert values(reading) == {"met": "no", "rating": "3"}
    assert reading.missing == ()


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        *(
            (word, "yes")
            for word in ["sí", "Si", "SÍ", "claro", "oui", "ouais", "Ja", "jawohl", "sim", "sì", "jazeker"]
        ),
        *((word, "no") for word in ["no", "todavía no", "non", "pas encore", "nein", "noch nicht", "não", "nao"]),
        *((word, "no") for word in ["ainda não", "non ancora", "nee", "nog niet", "not yet", "Nunca"]),
        ("si\u0301", "yes"),  # "sí" typed as i + combining accent (NFD)
    ],
)
def test_yes_no_words(raw: str, expected: str) -> None:
    assert values(read_answers(f"1. {raw}", FORM)) == {"met": expected}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("dos veces", "2"),
        ("una vez", "1"),
        ("once veces", "11"),  # Spanish eleven, before "veces"
        ("once", "1"),  # English once, alone
        ("deux fois", "2"),
        ("une fois", "1"),
        ("zweimal", "2"),
        ("ein Mal", "1"),
        ("3 Mal", "3"),
        ("três vezes", "3"),
        ("uma vez", "1"),
        ("twee keer", "2"),
        ("een keer", "1"),
        ("driemaal", "3"),
        ("due volte", "2"),
        ("una volta", "1"),
        ("\uff12", "2"),  # a full-width digit from a phone keyboard
        ("2x", "2"),
    ],
)
def test_counts_in_words_and_digits(raw: str, expected: str) -> None:
    assert values(read_answers(f"2. {raw}", FORM)) == {"meetings": expected}


@pytest.mark.parametrize(
    "raw", ["4 von 5", "4 sur 5", "4 de 5", "4 su 5", "4 van 5", "4/5", "4 out of 5", "vier von fünf", "cuatro"]
)
def test_scales(raw: str) -> None:
    assert values(read_answers(f"4. {raw}", FORM)) == {"rating": "4"}


NEAR_MISSES = [
    # (text, the question that must be asked about)
    ("1. sí pero no", "met"),
    ("1. quizás", "met"),
    ("2. varias veces", "meetings"),
    ("2. unas dos veces", "meetings"),
    ("4. 4 o 5", "rating"),
    ("4. 5 de 10", "rating"),
    ("1. non, enfin oui", "met"),
    ("1. peut-être", "met"),
    ("2. plusieurs fois", "meetings"),
    ("4. 4 ou 5", "rating"),
    ("4. 8 sur 10", "rating"),
    ("2. zweimal? eher einmal", "meetings"),
    ("2. ein paar Mal", "meetings"),
    ("1. jein", "met"),
    ("4. 5 von 10", "rating"),
    ("4. vielleicht 4", "rating"),
    ("4. sieben", "rating"),
    ("1. sim e não", "met"),
    ("1. talvez", "met"),
    ("2. algumas vezes", "meetings"),
    ("4. 8 de 10", "rating"),
    ("1. sì e no", "met"),
    ("1. forse", "met"),
    ("2. qualche volta", "meetings"),
    ("4. 7 su 10", "rating"),
    ("1. ja en nee", "met"),
    ("1. misschien", "met"),
    ("2. een paar keer", "meetings"),
    ("4. 4 of 5", "rating"),  # Dutch "4 or 5", not "4 of 5"
    ("4. 8 van 10", "rating"),
    ("4. 6 out of 5", "rating"),
    ("4. 7", "rating"),
    ("4. 0", "rating"),
    ("4. cero", "rating"),
    ("2. dos veces por semana", "meetings"),  # how often, not this month's count
    ("2. zweimal pro Woche", "meetings"),
    ("2. deux fois par semaine", "meetings"),
]


@pytest.mark.parametrize(("text", "key"), NEAR_MISSES)
def test_near_misses_are_asked_never_recorded(text: str, key: str) -> None:
    reading = read_answers(text, FORM)
    assert key not in reading.answers
    assert key in reading.unclear
    assert key in reading.missing


@pytest.mark.parametrize(
    ("text", "recorded"),
    [
        pytest.param("Sí pero no. Dos veces. 4/5", {"meetings": "2", "rating": "4"}, id="es-yes-but-no"),
        pytest.param("Ja. Zweimal? Eher einmal. 4 von 5", {"met": "yes", "rating": "4"}, id="de-count-unsure"),
        pytest.param("Non, enfin oui - 4 sur 5", {"rating": "4"}, id="fr-no-then-yes"),
        pytest.param("Yes. 2. CV. 4", {"met": "yes"}, id="bare-number-that-could-be-either"),
        pytest.param("Yes. Twice. Sorry for the delay. 4", {"met": "yes", "meetings": "2"}, id="aside-is-no-topic"),
        pytest.param("Yes. Twice. Thanks for asking! 4", {"met": "yes", "meetings": "2"}, id="thanks-is-no-topic"),
        pytest.param("Sí, dos veces - 4 o 5", {"met": "yes", "meetings": "2"}, id="es-rating-or"),
        pytest.param("Ja, zweimal. 5 von 10", {"met": "yes", "meetings": "2"}, id="de-other-scale"),
        pytest.param("Yes, twice, CV", {"met": "yes", "meetings": "2"}, id="text-last-is-not-placed"),
        pytest.param("Promotion case. Yes twice. 4/5", {"meetings": "2", "rating": "4"}, id="text-first"),
        pytest.param("Yes. No. 4", {}, id="yes-then-no"),
        pytest.param("Oui, deux fois. Non. 4 sur 5", {"meetings": "2", "rating": "4"}, id="fr-yes-then-no"),
    ],
)
def test_shorthand_near_misses_record_only_what_is_sure(text: str, recorded: dict[str, str]) -> None:
    reading = read_answers(text, FORM)
    assert values(reading) == recorded


def test_shorthand_from_the_issue() -> None:
    for text, meetings, topic, rating in [
        ("Yes once - promotion case. 4/5", "1", "promotion case", "4"),
        ("Yep! Twice. Salary talk. 5", "2", "Salary talk", "5"),
    ]:
        reading = read_answers(text + "\n\n" + GMAIL_HEADER + "\n> 1. Did you meet this month? (yes/no)", FORM)
        assert values(reading) == {"met": "yes", "meetings": meetings, "topics": topic, "rating": rating}
        assert reading.missing == () and reading.unclear == {}


def test_a_preposition_is_never_a_no() -> None:
    """Portuguese "no" is also "in the": "no encontro" is "in the meeting", not "no meeting"."""
    reading = read_answers("Falamos sobre o CV no encontro. 4 de 5", FORM)
    assert "met" not in reading.answers
    assert values(reading) == {"topics": "Falamos sobre o CV no encontro", "rating": "4"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Yes. Twice. CV. 4. Thanks!", {"met": "yes", "meetings": "2", "topics": "CV", "rating": "4"}),
        pytest.param("Hi Ada! Yes, twice, CV, 4", {"met": "yes", "meetings": "2", "topics": "CV", "rating": "4"}),
        pytest.param("Hola Ada, sí, dos veces, 4 de 5", {"met": "yes", "meetings": "2", "rating": "4"}),
        pytest.param("Hallo Ada, wie geht's?\nJa, zweimal. 4 von 5", {"met": "yes", "meetings": "2", "rating": "4"}),
        pytest.param("Oui. Deux fois. Merci pour tout. 4", {"met": "yes", "meetings": "2"}),  # the aside stops it
    ],
)
def test_shorthand_with_a_greeting_or_thanks(text: str, expected: dict[str, str]) -> None:
    assert values(read_answers(text, FORM)) == expected


def test_shorthand_not_met_passes_over_the_questions_that_depend_on_it() -> None:
    assert values(read_answers("No. 3", FORM)) == {"met": "no", "rating": "3"}
    assert values(read_answers("Nee - 2 van 5", FORM)) == {"met": "no", "rating": "2"}


@pytest.mark.parametrize("help_text", ["nada, gracias", "rien, merci", "nichts, danke", "niente", "nee hoor", "não"])
def test_nothing_to_add_in_every_language(help_text: str) -> None:
    reading = read_answers(f"1. sí\n2. 2\n3. CV\n4. 4\n5. {help_text}", FORM)
    assert "help" not in reading.answers and "help" not in reading.unclear


# --------------------------------------------------------------------------- the tables themselves


def test_no_word_means_two_things_across_the_tables() -> None:
    """A new table cannot quietly change another language: one value per number word, one polarity per word."""
    numbers: dict[str, tuple[int, str]] = {}
    for language in LANGUAGES:
        for word, value in {**language.numbers, **language.counts}.items():
            seen = numbers.setdefault(fold(word), (value, language.name))
            assert seen[0] == value, f"{word!r}: {seen[0]} in {seen[1]}, {value} in {language.name}"
    yes = {fold(p) for language in LANGUAGES for p in language.yes}
    no = {fold(p) for language in LANGUAGES for p in language.no}
    assert not yes & no
    single_words = {p for p in yes | no if " " not in p}
    for language in LANGUAGES:
        assert not single_words & {fold(w) for w in language.fillers}, language.name
        assert not single_words & {fold(w) for w in [*language.numbers, *language.counts, *language.times]}


def test_every_language_has_the_words_it_needs() -> None:
    for language in LANGUAGES:
        for name in ("yes", "no", "unsure", "numbers", "times", "vague", "out_of", "greetings", "sign_offs"):
            assert getattr(language, name), f"{language.name} has no {name}"
        assert {2, 3, 4, 5} <= set(language.numbers.values()) | set(language.counts.values()), language.name


# --------------------------------------------------------------------------- properties

WORDS = sorted(
    {
        w
        for language in LANGUAGES
        for name in ("yes", "no", "unsure", "times", "out_of", "vague")
        for w in getattr(language, name)
    }
    | {w for language in LANGUAGES for w in [*language.numbers, *language.counts, *language.before_times]}
)
PIECES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(["1.", "2)", "4:", "> ", "\n", " - ", ". ", ", ", "!", "?", "/", "4/5", "3", "Met:", "—", "\t"]),
    st.text(max_size=5),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PIECES, max_size=40).map(" ".join))
def test_any_mix_of_words_never_raises_and_records_only_values(text: str) -> None:
    reading = read_answers(text, FORM)
    for key, answer in reading.answers.items():
        assert answer.value
        if key == "met":
            assert answer.value in ("yes", "no")
        if key == "rating":
            assert 1 <= int(answer.value) <= 5
        if key == "meetings":
            assert answer.value.isdigit()
    assert not set(reading.answers) & set(reading.unclear)


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(LANGS)), st.sampled_from(["?", " vielleicht", " o 5", " ou 5", " peut-être", " eher 3"]))
def test_a_hedge_added_to_any_rating_is_asked(code: str, hedge: str) -> None:
    reading = read_answers(f"4. {LANGS[code].scale}{hedge}", FORM)
    assert "rating" not in reading.answers and "rating" in reading.unclear


@pytest.mark.parametrize(
    "garbage",
    [
        pytest.param("sí, dos veces - 4 von 5. " * 40_000, id="shorthand-repeated"),
        pytest.param("zweimal? eher einmal " * 50_000, id="hedges"),
        pytest.param(" - " * 300_000, id="dashes"),
        pytest.param("vier von fünf / " * 60_000, id="fractions"),
        pytest.param("una " * 250_000, id="articles"),
    ],
)
def test_a_megabyte_of_any_language_is_quick(garbage: str) -> None:
    with cpu_budget(10):
        read_answers(garbage, FORM)
        read_answers(garbage, FORM, asked=["rating"])
        read_answers("1. " + garbage, FORM)


# --------------------------------------------------------------------------- end to end, through the command line

MAYA = ("Maya Patel", "maya.patel@example.org")


class Cli(ProgramCli):
    def sent_to(self, address: str) -> list[email.message.EmailMessage]:
        return self.sent(to=address)

    def answers(self, address: str) -> dict[str, str]:
        return dict(
            self.sql(
                "SELECT a.question, a.value FROM answers a JOIN checkins c ON c.id = a.checkin_id "
                "JOIN participants p ON p.id = c.participant_id WHERE p.email = ?",
                (address,),
            )
        )


E2E = {code: _styles(code) for code in LANGS}


@pytest.mark.parametrize(
    ("code", "style"),
    [
        ("en", "shorthand"),
        ("es", "plain"),
        ("fr", "numbered"),
        ("de", "shorthand"),
        ("pt", "labelled"),
        ("it", "inline"),
        ("nl", "plain"),
    ],
)
def test_a_check_in_answered_in_each_language_is_recorded_and_confirmed(tmp_path: Path, code: str, style: str) -> None:
    cli = Cli(tmp_path)
    cli.run("2026-12-01T09:05")
    [prompt] = cli.sent_to(MAYA[1])
    _, text, expected = next(case for case in E2E[code] if case[0] == style)
    if style == "inline":  # typed under the questions of the real prompt, as Apple Mail quotes it
        lang = LANGS[code]
        raw = reply(
            prompt.as_bytes(),
            MAYA,
            "",
            "apple_inline",
            inline={1: lang.yes, 2: lang.count, 3: lang.topic, 4: lang.scale},
        )
    else:
        raw = reply(prompt.as_bytes(), MAYA, text, "gmail")
    deliver(tmp_path / "inbox", raw)
    cli.run("2026-12-01T18:00")
    assert cli.answers(MAYA[1]) == expected
    confirmation = cli.sent_to(MAYA[1])[-1].get_body(("plain",)).get_content()
    assert "Here is what I recorded for November" in confirmation
    assert "1. Did you meet in November? yes" in confirmation
    assert f"2. How many times? {expected['meetings']}" in confirmation
    assert f"3. What did you work on? {expected['topics']}" in confirmation
    assert "4. How is it going, from 1 (poorly) to 5 (great)? 4" in confirmation
    assert "could you reply" not in confirmation


def test_a_near_miss_through_the_command_line_is_asked_not_recorded(tmp_path: Path) -> None:
    cli = Cli(tmp_path)
    cli.run("2026-12-01T09:05")
    [prompt] = cli.sent_to(MAYA[1])
    deliver(tmp_path / "inbox", reply(prompt.as_bytes(), MAYA, "1. sí\n2. zweimal? eher einmal\n3. CV\n4. 4 o 5"))
    cli.run("2026-12-01T18:00")
    assert cli.answers(MAYA[1]) == {"met": "yes", "topics": "CV"}
    confirmation = cli.sent_to(MAYA[1])[-1].get_body(("plain",)).get_content()
    assert '2. How many times? (I read "zweimal? eher einmal" and wasn\'t sure)' in confirmation
    assert '(I read "4 o 5" and wasn\'t sure)' in confirmation
