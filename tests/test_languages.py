"""Programs in other languages, through the real command line on Maildir folders: the program's language, each
participant's own, a catalog that lacks a string (English for it, and `check` says where), a language a coordinator
adds with a .po file alone, and what is refused (a code without a catalog)."""

from __future__ import annotations

import re
import shutil
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.config import load_config
from assistant.db import open_db
from assistant.forms.extract import form_messages
from assistant.languages import available
from assistant.outbox.enqueue import Mail, mail_language
from assistant.render import Message, missing_translations, template_messages
from tests.conftest import CONFIG, ROOT
from tests.program_cli import EXAMPLES, Cli, reply_at, written
from tests.test_closure import Cli as ClosureCli
from tests.test_closure import _answer_prompts as answer_prompts
from tests.test_closure import _survey as survey
from tests.test_cohorts import COHORTS
from tests.test_cohorts import PAIRS as COHORT_PAIRS
from tests.test_wishes import BIRTHDAYS
from tests.test_wishes import _sheet as wishes_sheet

CHECKIN_DAY = "2026-12-01T09:30"  # the prompts go out, about November
DANA, MAYA = "dana.okafor@example.org", "maya.patel@example.org"


def _config(language: str = "", templates: Path | None = None) -> str:
    text = CONFIG.format(root=ROOT)
    if templates is not None:
        text = text.replace(f"templates: {ROOT}/templates", f"templates: {templates}")
    return text + (f"language: {language}\n" if language else "")


def _prompt(cli: Cli, address: str) -> EmailMessage:
    return [m for m in cli.sent(to=address) if not str(m["Subject"]).startswith("Re:")][-1]


def _parts(message: EmailMessage) -> tuple[str, str, str]:
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    return str(message["Subject"]), text, html


def _with_languages(folder: Path, languages: dict[str, str]) -> Path:
    """The example participants sheet with a `language` column."""
    lines = (EXAMPLES / "participants.csv").read_text(encoding="utf-8").splitlines()
    rows = [lines[0] + ",language"]
    rows += [f"{line},{languages.get(line.split(',')[0], '')}" for line in lines[1:]]
    sheet = folder / "participants.csv"
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return sheet


def _check(cli: Cli, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    cli("check")
    captured = capsys.readouterr()
    return captured.out + captured.err


def test_a_spanish_program_sends_its_prompt_in_spanish(tmp_path: Path) -> None:
    cli = Cli(tmp_path, config=_config("es"), imported_at="2026-11-30T12:00")
    cli.run(CHECKIN_DAY)
    subject, text, html = _parts(prompt := _prompt(cli, MAYA))
    assert subject == "Tu seguimiento de mentoría de noviembre"
    for part in (text, html):
        assert "Es el momento de tu seguimiento de noviembre" in part
        assert "¿Os visteis en noviembre?" in part
        assert "(sí/no)" in part
        assert "Responde stop para dejar el programa." in part
    assert '<html lang="es">' in html
    assert prompt["Content-Language"] == "es"


def test_a_spanish_program_s_warm_wishes_closing_survey_and_digest_are_in_spanish(tmp_path: Path) -> None:
    """The mail colleagues added after the catalogs (a birthday note, a closing survey, the weekly digest) is all
    Spanish in a Spanish program, its days and months too."""
    for folder in ("birthday", "closing"):
        (tmp_path / folder).mkdir()
    birthdays = Cli(tmp_path / "birthday", config=_config("es"), imported_at="2026-10-10T09:00")
    sheet = wishes_sheet(tmp_path / "birthday", BIRTHDAYS)
    assert birthdays("--now", "2026-10-10T09:00", "import", "participants", str(sheet)) == 0
    for now in ("2027-01-20T10:00", "2027-01-21T10:00", "2027-01-22T10:00"):
        birthdays.run(now)
    [note] = [m for m in birthdays.sent(to=DANA) if "cumpleaños" in str(m["Subject"])]
    subject, text, html = _parts(note)
    assert subject == "El cumpleaños de Maya es el miércoles"
    for part in (text, html):
        assert "El cumpleaños de Maya es el miércoles (27 de enero): unas palabras significan mucho." in part
        assert "Un abrazo," in part or "Hola, Dana:" in part
        assert "birthday" not in part and "Wednesday" not in part and "January" not in part
    assert note["Content-Language"] == "es"

    digest_on = "digest: {enabled: true, weekday: mon, hour: 8}"
    closing = ClosureCli(tmp_path / "closing", f"{DANA},{MAYA},active,2026-06-01\n", more="language: es\n")
    config = closing.folder / "config.yaml"
    config.write_text(config.read_text().replace("digest: {enabled: false}", digest_on), encoding="utf-8")
    answer_prompts(closing, [("Dana Okafor", DANA), ("Maya Patel", MAYA)])
    closing.run("2026-12-08T10:00")  # 187 days in, a week after the prompts: the surveys go out
    subject, text, html = _parts(survey(closing, ("Maya Patel", MAYA), "mentee"))
    assert subject == "Tu mentoría con Dana Okafor: cuatro preguntas breves"
    for part in (text, html):
        assert "Tus seis meses con Dana Okafor están llegando a su fin." in part
        assert "¿Te abrió Dana alguna puerta o te recomendó para alguna oportunidad?" in part
        assert "Tus respuestas solo le llegan a Grace." in part
        assert "Your" not in part and "coming to a close" not in part
    closing.run("2026-12-14T08:30")  # a Monday: the week's digest, to the coordinator
    digest = [m for m in closing.sent(to="grace@example.org") if "esta semana" in str(m["Subject"])][-1]
    assert str(digest["Subject"]).startswith("Test Mentoring Program esta semana: ")
    plain, related = digest.get_payload()
    text, html = plain.get_content(), related.get_payload()[0].get_content()
    for part in (text, html):
        assert "Esta es la semana en Test Mentoring Program, lunes, 14 de diciembre de 2026." in part
        assert "Recibes este resumen cada lunes a las 08:00." in part
        assert "this week" not in part and "December" not in part and "Monday" not in part
    assert "Noviembre hasta ahora:" in text and "nov" in text.split("LOS ÚLTIMOS SEIS MESES")[1]
    assert digest["Content-Language"] == "es"


def test_check_finds_nothing_to_translate_in_a_spanish_program(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(tmp_path, config=_config("es"), imported_at="2026-11-30T12:00")
    out = _check(cli, capsys)
    assert "translation" not in out and "not marked" not in out, out


def test_a_participant_reads_her_language_while_her_partner_reads_the_program_s(tmp_path: Path) -> None:
    cli = Cli(tmp_path, imported_at="2026-11-30T12:00")
    sheet = _with_languages(tmp_path, {MAYA: "fr"})
    assert cli("--now", "2026-11-30T12:00", "import", "participants", str(sheet)) == 0
    assert cli.sql("SELECT language FROM participants WHERE email = ?", (MAYA,)) == [("fr",)]
    cli.run(CHECKIN_DAY)
    maya, dana = _prompt(cli, MAYA), _prompt(cli, DANA)
    subject, text, html = _parts(maya)
    assert subject == "Votre point de mentorat de novembre"
    for part in (text, html):
        assert "Vous êtes-vous vus en novembre ?" in part and "(oui/non)" in part
        assert "Répondez stop pour quitter le programme." in part
    assert maya["Content-Language"] == "fr"
    subject, text, _ = _parts(dana)
    assert subject == "Your November mentoring check-in" and "Did you meet in November?" in text
    assert dana["Content-Language"] == "en"


def test_an_unknown_language_is_refused_by_the_sheet_and_the_config(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = Cli(tmp_path, imported_at="2026-11-30T12:00")
    capsys.readouterr()
    assert cli("import", "participants", str(_with_languages(tmp_path, {MAYA: "klingon"}))) == 1
    err = capsys.readouterr().err
    assert (
        "participants.csv:" in err
        and f"language 'klingon' must be one of {', '.join(available(ROOT / 'templates'))}" in err
    )
    assert cli.sql("SELECT language FROM participants WHERE email = ?", (MAYA,)) == [(None,)]  # all or nothing
    cli.config.write_text(_config("xx"), encoding="utf-8")
    out = _check(cli, capsys)
    assert re.search(r"config\.yaml:\d+: language: language 'xx' is not one this program writes in", out), out


def test_a_missing_translation_is_reported_by_check_and_sent_in_english(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    catalog = templates / "locale" / "es" / "LC_MESSAGES" / "messages.po"
    text = catalog.read_text(encoding="utf-8")
    entry = re.search(r'\n\n(#[^\n]*\n)*msgid "Thank you!"\nmsgstr "[^"]*"\n', text)
    assert entry is not None
    catalog.write_text(text.replace(entry.group(0), "\n\n"), encoding="utf-8")
    cli = Cli(tmp_path, config=_config("es", templates), imported_at="2026-11-30T12:00")
    out = _check(cli, capsys)
    line = next(
        i for i, s in enumerate((templates / "checkin_prompt.txt.j2").read_text().splitlines(), 1) if "Thank you!" in s
    )
    assert f"{catalog}: no translation of 'Thank you!' ({templates / 'checkin_prompt.txt.j2'}:{line})" in out, out
    cli.run(CHECKIN_DAY)
    _, body, html = _parts(_prompt(cli, MAYA))
    assert "Thank you!" in body and "<p>Thank you!</p>" in html  # English for the one string the catalog lacks
    assert "Es el momento de tu seguimiento de noviembre" in body  # Spanish for the rest


def test_a_coordinator_adds_a_language_with_a_po_file_alone(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    italian = templates / "locale" / "it" / "LC_MESSAGES"
    italian.mkdir(parents=True)
    (italian / "messages.po").write_text(
        'msgid ""\nmsgstr ""\n"Language: it\\n"\n"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgid "Your %(month)s mentoring check-in"\nmsgstr "Il tuo check-in di mentoring di %(month)s"\n\n'
        'msgid "Did you meet in {month}?"\nmsgstr "Vi siete visti a {month}?"\n',
        encoding="utf-8",
    )
    assert "it" in available(templates)
    cli = Cli(tmp_path, config=_config("it", templates), imported_at="2026-11-30T12:00")
    out = _check(cli, capsys)
    assert f"{italian / 'messages.po'}: no translation of 'Thank you!'" in out  # the rest is still to translate
    cli.run(CHECKIN_DAY)
    subject, text, _ = _parts(prompt := _prompt(cli, MAYA))
    assert subject == "Il tuo check-in di mentoring di novembre"
    assert "Vi siete visti a novembre?" in text and "Thank you!" in text
    assert prompt["Content-Language"] == "it"


def test_a_template_written_in_plain_english_is_sent_and_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = tmp_path / "templates"
    shutil.copytree(ROOT / "templates", templates)
    (templates / "checkin_prompt.subject.j2").write_text("Your {{ month }} check-in, in plain English\n")
    cli = Cli(tmp_path, config=_config("es", templates), imported_at="2026-11-30T12:00")
    out = _check(cli, capsys)
    where = templates / "checkin_prompt.subject.j2"
    assert f"{where}:1: 'Your' (and 1 more, on lines 1) is not marked for translation: it stays English in es" in out
    cli.run(CHECKIN_DAY)
    assert str(_prompt(cli, MAYA)["Subject"]) == "Your noviembre check-in, in plain English"


def test_an_english_program_needs_no_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cli = Cli(tmp_path, imported_at="2026-11-30T12:00")
    assert "translation" not in _check(cli, capsys)


def test_mail_to_several_people_is_in_the_language_they_share_else_the_program_s(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, _config("es")))
    db = open_db(tmp_path / "program.db")
    for address, language in (("a@example.org", "fr"), ("b@example.org", "fr"), ("c@example.org", None)):
        db.execute(
            "INSERT INTO participants (email, name, role, status, language, created_at, updated_at)"
            " VALUES (?, '', 'mentee', 'active', ?, '', '')",
            (address, language),
        )

    def language(*to: str, cc: tuple[str, ...] = ()) -> str:
        mail = Mail(key="k", template="introduction", to=[("", a) for a in to], cc=[("", a) for a in cc])
        return mail_language(db, config, mail)

    assert language("a@example.org") == "fr"
    assert language("a@example.org", "b@example.org", cc=("grace@example.org",)) == "fr"  # both read French
    assert language("a@example.org", "c@example.org") == "es"  # none shared: the program's
    assert language("c@example.org") == "es"  # she chose none
    assert language("grace@example.org") == "es"  # a coordinator
    assert language("nobody@example.org") == "es"


def _write(folder: Path, text: str) -> Path:
    path = folder / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("language", [code for code in available(ROOT / "templates") if code != "en"])
def test_every_shipped_catalog_translates_every_message(language: str) -> None:
    templates = ROOT / "templates"
    messages = list(template_messages(templates))
    messages += [Message(text, path, line) for text, path, line in form_messages(templates / "forms")]
    missing = [p for p in missing_translations(templates, language, messages) if "no translation of" in p]
    assert not missing, "\n".join(missing)


def test_a_spanish_program_s_digest_says_why_when_and_where_in_spanish(tmp_path: Path) -> None:
    """What the digest says of its lists (why a pair is quiet and when they last met, a cohort's stage, why a
    message waits for a person, why a wish is not asked, a person's role) is said in the program's language too."""
    sheet = tmp_path / "pairs.csv"
    sheet.write_text(COHORT_PAIRS, encoding="utf-8")
    config = _config("es").replace(
        "address: mentoring@example.org}", "address: mentoring@example.org, authserv_id: mx.example.org}"
    )
    config = config.replace("digest: {enabled: false}", "digest: {enabled: true, weekday: mon, hour: 8}")
    cli = Cli(tmp_path, config + COHORTS, pairs=sheet, imported_at="2027-02-10T15:00")
    cli.run("2027-03-01T09:30")  # the prompts go out; nobody answers, so the pairs are quiet a week on
    zoe = ("Zoe Mensah", "zoe.mensah@example.net")
    cli.deliver(written(zoe, "mentoring@example.org", "join", "Join"))
    cli.run("2027-03-08T10:00")
    form = [m for m in cli.sent(to=zoe[1]) if m["Content-Language"] == "es"][-1]
    wishes = "1. mentee\n2. building a design portfolio\n8. Alex Stone, Sofia, priya.raman@example.org"
    cli.deliver(reply_at(form, zoe, wishes, "2027-03-08T10:30"))
    stranger = ("Ana Ruiz", "ana.ruiz@example.net")
    cli.deliver(written(stranger, "mentoring@example.org", "Hola", "¿Puedo apuntarme a una charla?"))
    cli.run("2027-03-08T11:00")
    assert cli.sql("SELECT count(*) FROM wishlist") == [(3,)]

    cli.run("2027-03-15T08:05")  # a Monday: the week's digest
    digest = [m for m in cli.sent(to="grace@example.org") if "esta semana" in str(m["Subject"])][-1]
    plain, related = digest.get_payload()
    text, html = plain.get_content(), related.get_payload()[0].get_content()
    for part in (text, html):
        assert "ninguno ha respondido al check-in de febrero" in part
        assert "Ningún encuentro comunicado desde que empezaron el" in part
        assert "spring-2027" in part and "día 15 de 184" in part
        assert "de alguien que no está en el programa" in part
        assert "no está claro a quién se refiere: " in part
        for english in (
            "neither has answered", "check-in\n", "No meeting reported", "Last meeting reported", "no meeting",
            "day 15 of", "starts in", "ended ", "ends today", "not asked", "not sure who", "not in the program",
            "someone", "no room", "already introduced", "being asked", "declined her", "asked ", " days ago",
            "February", "March", " mentee,", "about to ask", "proposed ", "a new list", "has that name",
        ):  # fmt: skip
            assert english not in part, english
    assert digest["Content-Language"] == "es"
