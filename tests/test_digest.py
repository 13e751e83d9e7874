"""The coordinators' weekly digest: its figures against the database, its timing, and the email it makes."""

from __future__ import annotations

import contextlib
import email
import email.policy
import io
import random
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
import sqlite_utils

from assistant.app import App
from assistant.clock import FixedClock, parse_moment
from assistant.config import Config, DigestConfig, load_config
from assistant.coordinator.digest import LIMIT, chart_png, digest_week, figures, preview, send_digest_if_due
from assistant.coordinator.policy import (
    ALERT_RULE,
    DEFAULT_DRIFTING,
    DEFAULT_LOW_RATING,
    NUDGE_RULE,
    Policy,
    policy,
)
from assistant.db import open_db
from assistant.demo import run_demo
from assistant.engine.schema import Rule, load_rules
from assistant.mail.compose import Envelope, compose
from assistant.program.matching import Mentor, Pool, stem, suggest, words
from assistant.render import Rendered
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo program after its month (built once for the module; tests copy it before changing it)."""
    folder = tmp_path_factory.mktemp("demo")
    with contextlib.redirect_stdout(io.StringIO()):
        run_demo(folder)
    return folder


@pytest.fixture
def demo(demo_folder: Path, tmp_path: Path) -> Iterator[tuple[Config, App]]:
    """A private copy of the demo program, with an App on a fixed clock."""
    folder = tmp_path / "program"
    shutil.copytree(demo_folder, folder)
    config = load_config(folder / "config.yaml")
    app = App(config, FixedClock(london(config, "2026-12-14T08:00")))
    yield config, app
    app.close()


def london(config: Config, text: str) -> datetime:
    return parse_moment(text, config.timezone)


def test_figures_match_the_database(demo: tuple[Config, App]) -> None:
    config, app = demo
    db = app.db
    figs = figures(db, config, london(config, "2026-12-14T08:00"), rules=app.rules)
    assert figs["cycle"] == "2026-11" and figs["week"] == "2026-W51"

    sent, answered = db.execute(
        "SELECT count(*), sum(status = 'answered') FROM checkins WHERE period = '2026-11' AND status != 'skipped'"
    ).fetchone()
    assert (figs["response"]["sent"], figs["response"]["answered"]) == (sent, answered)
    assert sent == 8 and figs["response"]["percent"] == round(100 * answered / sent)

    met = {
        row[0]
        for row in db.execute(
            "SELECT c.pairing_id FROM answers a JOIN checkins c ON c.id = a.checkin_id"
            " WHERE c.period = '2026-11' AND a.question = 'met' AND a.value = 'yes'"
        )
    }
    assert {p["id"] for p in figs["met_pairs"]} == met and {1, 2} <= met
    assert figs["active_pairs"] == db.execute("SELECT count(*) FROM pairings WHERE status = 'active'").fetchone()[0]

    unanswered = {
        row[0]
        for row in db.execute(
            "SELECT pairing_id FROM checkins WHERE period = '2026-11' GROUP BY pairing_id"
            " HAVING sum(status = 'answered') = 0"
        )
    }
    assert {p["id"] for p in figs["silent_pairs"]} == unanswered and 3 in unanswered  # Helen and Jo stay silent
    silent = next(p for p in figs["silent_pairs"] if p["id"] == 3)
    assert (silent["mentee"]["email"], silent["mentor"]["email"]) == ("jo.nguyen@example.org", "helen.cho@example.org")
    assert "November check-in" in silent["why"] and "1 Oct" in silent["last_met_text"]

    [concern] = figs["concerns"]
    low = db.execute(
        "SELECT checkin_id FROM answers WHERE question = 'rating' AND CAST(value AS INTEGER) <= 2"
    ).fetchall()
    assert [(concern["checkin_id"],)] == low
    assert concern["person"]["email"] == "lena.fischer@example.org" and concern["rating"] == 2
    assert concern["help"] == "Could we find a second mentor on hiring?"
    fired = db.execute(
        "SELECT fired_at FROM firings WHERE rule = 'coordinator-alert' AND entity = ?", [f"checkin:{low[0][0]}"]
    ).fetchone()[0]
    assert concern["alerted_at"] == fired

    unmatched = {
        row[0]
        for row in db.execute(
            "SELECT email FROM participants p WHERE status = 'active' AND NOT EXISTS"
            " (SELECT 1 FROM pairings x WHERE x.status = 'active' AND (x.mentor_id = p.id OR x.mentee_id = p.id))"
        )
    }
    assert (
        {w["email"] for w in figs["waiting"]} == unmatched == {"amara.diallo@example.org", "ruth.adeyemi@example.org"}
    )
    assert figs["review"] == [] and figs["bounced"] == [] and figs["introductions"] == []
    assert figs["needs_you"] == len(figs["silent_pairs"]) + 1  # the quiet pairs and Lena's rating

    months = {m["period"]: m for m in figs["months"]}
    assert list(months) == ["2026-06", "2026-07", "2026-08", "2026-09", "2026-10", "2026-11"]
    december = months["2026-11"]  # asked on 1 December
    assert (december["sent"], december["answered"], december["pairs_met"]) == (sent, answered, len(met))
    assert all(m["sent"] == 0 for p, m in months.items() if p != "2026-11")


def test_the_met_count_with_a_limit_is_the_active_pairs_that_met(demo: tuple[Config, App]) -> None:
    """With a limit (the weekly digest), the pairs that met are counted without reading them all: every pair that met
    in the cycle, less those no longer active. The count must be the one of the full list, whatever the statuses."""
    config, app = demo
    now = london(config, "2026-12-14T08:00")
    full = figures(app.db, config, now, rules=app.rules)
    met = [p["id"] for p in full["met_pairs"]]
    assert len(met) >= 2 and full["counts"]["met_pairs"] == len(met)
    app.db.execute("UPDATE pairings SET status = 'paused' WHERE id = ?", [met[0]])
    short = figures(app.db, config, now, rules=app.rules, limit=1)
    assert short["counts"]["met_pairs"] == len(met) - 1 == short["more"]["met_pairs"] + 1
    assert [p["id"] for p in short["met_pairs"]] == [met[1]]  # the first active one, in order
    assert figures(app.db, config, now, rules=app.rules)["counts"]["met_pairs"] == len(met) - 1


def test_suggestions_rank_skills_against_goals_and_add_one_outside_the_box(demo: tuple[Config, App]) -> None:
    config, app = demo
    figs = figures(app.db, config, london(config, "2026-12-14T08:00"), rules=app.rules)
    amara = next(s for s in figs["suggestions"] if s["mentee"]["email"] == "amara.diallo@example.org")
    by_name = {m["name"]: m for m in amara["matches"]}
    assert by_name["Priya Raman"]["shared"] == ["public speaking"]  # "speak up" finds "public speaking"
    assert by_name["Dana Okafor"]["shared"] == ["leading teams"]  # "leadership" finds "leading"
    assert amara["outside"]["name"] == "Ruth Adeyemi" and amara["outside"]["score"] == 0
    assert "Helen Cho" not in by_name  # capacity 1, already mentoring Jo
    assert amara["intro_lines"][-1] == "intro: amara.diallo@example.org -> ruth.adeyemi@example.org"
    ruth = next(s for s in figs["suggestions"] if s["mentee"]["email"] == "ruth.adeyemi@example.org")
    outside = [ruth["outside"]["name"]] if ruth["outside"] else []  # none left: Sofia took Zoe on in the demo
    assert "Ruth Adeyemi" not in [m["name"] for m in ruth["matches"]] + outside  # not herself


def test_matching_words_and_capacity(demo: tuple[Config, App]) -> None:
    assert stem("leadership") == stem("leading") == "lead" and stem("speaking") == "speak"
    assert stem("management") == stem("manager") and words("Learn to manage a first team") == {"manag", "team"}
    _, app = demo
    app.db.execute("UPDATE participants SET capacity = 1 WHERE email = 'priya.raman@example.org'")
    amara = app.db.execute("SELECT * FROM participants WHERE email = 'amara.diallo@example.org'").fetchone()
    row = dict(zip([d[0] for d in app.db.execute("SELECT * FROM participants").description], amara, strict=True))
    found = suggest(app.db, row)
    names = [m["name"] for m in found["matches"]] + [found["outside"]["name"]]
    assert "Priya Raman" not in names  # full now


def test_low_ratings_leave_the_digest_after_two_weeks(demo: tuple[Config, App]) -> None:
    config, app = demo
    assert figures(app.db, config, london(config, "2026-12-28T08:00"), rules=app.rules)["concerns"] == []


def test_quarantined_mail_and_bounced_addresses_need_a_person(demo: tuple[Config, App]) -> None:
    config, app = demo
    app.db.execute(
        "UPDATE participants SET bounced_at = '2026-12-10T09:00:00+00:00' WHERE email = 'kim.larsen@example.org'"
    )
    app.db.execute(
        "INSERT INTO messages (message_id, from_addr, subject, received_at, status, error, attempts)"
        " VALUES ('<bad@x>', 'odd@example.net', 'Strange', '2026-12-12T09:00:00+00:00', 'quarantined',"
        " 'ValueError: cannot parse\nmore', 3)"
    )
    figs = figures(app.db, config, london(config, "2026-12-14T08:00"), rules=app.rules)
    assert [b["email"] for b in figs["bounced"]] == ["kim.larsen@example.org"]
    assert [(m["message_id"], m["detail"]) for m in figs["review"]] == [("<bad@x>", "ValueError: cannot parse")]
    assert figs["needs_you"] == len(figs["silent_pairs"]) + len(figs["concerns"]) + 2
    rendered, html = preview(app.db, config, london(config, "2026-12-14T08:00"), rules=app.rules)
    text = rendered.text
    assert "NEEDS YOU: MAIL WAITING FOR A PERSON (1)" in text and "Kim Larsen <kim.larsen@example.org>" in text
    assert text.index("NEEDS YOU") < text.index("LOW RATINGS") < text.index("QUIET PAIRS")  # listed first
    assert "Needs you: mail waiting for a person (1)" in html and "the assistant failed to handle it" in html


def test_digest_week_follows_the_configured_weekday_and_hour_in_program_time(demo: tuple[Config, App]) -> None:
    config = replace(demo[0], digest=DigestConfig())  # the default: Mondays from 08:00 (the demo uses Fridays)
    assert digest_week(config, london(config, "2026-12-14T07:59")) is None
    assert digest_week(config, london(config, "2026-12-14T08:00")) == "2026-W51"
    assert digest_week(config, london(config, "2026-12-20T23:59")) == "2026-W51"  # Sunday: still catches up
    wednesday = replace(config, digest=DigestConfig(weekday=2, hour=17))
    assert digest_week(wednesday, london(config, "2026-12-15T18:00")) is None
    assert digest_week(wednesday, london(config, "2026-12-16T17:00")) == "2026-W51"


def test_one_digest_per_coordinator_per_week_with_an_inline_chart(demo: tuple[Config, App]) -> None:
    config, app = demo
    config = replace(config, digest=DigestConfig())  # the default: Mondays from 08:00 (the demo uses Fridays)
    clock: FixedClock = app.clock  # type: ignore[assignment]
    outbox = app.outbox
    app.db.execute("DELETE FROM outbox WHERE template = 'digest'")  # the demo's own ticks sent December's

    def due(text: str, cfg: Config = config) -> int:
        clock.set(london(config, text))
        return send_digest_if_due(app.db, cfg, outbox, clock.now(), app.rules)

    assert due("2026-12-14T07:59") == 0
    assert due("2026-12-14T08:00") == 1
    assert due("2026-12-14T08:01") == 0 and due("2026-12-18T12:00") == 0  # once a week, however often it ticks
    assert due("2026-12-21T08:00", replace(config, digest=DigestConfig(enabled=False))) == 0
    assert due("2026-12-21T08:00") == 1
    rows = list(app.db.query("SELECT * FROM outbox WHERE template = 'digest' ORDER BY id"))
    assert [r["dedupe_key"] for r in rows] == ["digest:grace@example.org:2026-W51", "digest:grace@example.org:2026-W52"]

    message = email.message_from_bytes(rows[0]["raw"], policy=email.policy.default)
    figs = figures(app.db, config, london(config, "2026-12-14T08:00"), rules=app.rules)
    response, needs = figs["response"], figs["needs_you"]
    assert message["To"].addresses[0].addr_spec == "grace@example.org"
    assert message["Subject"] == (
        f"Example Mentoring Program this week: {response['answered']} of {response['sent']} check-ins in for"
        f" November, {needs} things need you"
    )
    assert message.get_content_type() == "multipart/alternative"
    plain, related = message.get_payload()
    assert plain.get_content_type() == "text/plain" and related.get_content_type() == "multipart/related"
    html, image = related.get_payload()
    assert image.get_content_type() == "image/png" and image["Content-ID"] == "<chart>"
    assert image.get_content().startswith(b"\x89PNG")
    assert 'src="cid:chart"' in html.get_content() and "<script" not in html.get_content()
    text = plain.get_content()
    assert (
        f"November so far: {response['answered']} of {response['sent']} check-ins answered ({response['percent']}%),"
        f" and {len(figs['met_pairs'])} of {figs['active_pairs']} pairs met." in text
    )
    assert "intro: amara.diallo@example.org -> priya.raman@example.org" in text
    assert "Lena Fischer <lena.fischer@example.org>" in text and "Priya has not been told" in text
    assert not message.defects


def test_no_digest_for_an_empty_program(tmp_path: Path, demo: tuple[Config, App]) -> None:
    config, app = demo
    empty = replace(config, database=tmp_path / "empty.db")
    db = open_db(empty.database)
    try:
        assert send_digest_if_due(db, empty, app.outbox, london(config, "2026-12-14T09:00"), app.rules) == 0
    finally:
        db.close()


def test_compose_keeps_plain_alternative_without_images_and_relates_them_with() -> None:
    rendered = Rendered(subject="S", text="hello\n", html="<p>hello <img src='cid:c1'></p>")
    envelope = Envelope(from_name="A", from_addr="a@example.org", to=[("B", "b@example.org")])
    now = datetime.fromisoformat("2026-12-14T08:00:00+00:00")
    plain = compose(rendered, envelope, "<1@example.org>", now, "P")
    assert [p.get_content_type() for p in plain.get_payload()] == ["text/plain", "text/html"]
    png = chart_png([{"label": "Dec", "sent": 2, "answered": 1, "pairs_met": 1}])
    with_image = compose(rendered, envelope, "<2@example.org>", now, "P", images=[("c1", png)])
    parts = [p.get_content_type() for p in with_image.walk()]
    assert parts == ["multipart/alternative", "text/plain", "multipart/related", "text/html", "image/png"]


# --- policy in one place: the digest's thresholds are the rules' ----------------------------------------------------


def _edited_rules(app: App, folder: Path, *edits: tuple[str, str]) -> list[Rule]:
    """The default rules with some text replaced, loaded as the program would load them."""
    shutil.copytree(ROOT / "rules", folder)
    path = folder / "default.yaml"
    text = path.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return load_rules(folder, app.renderer.names(), app.form_keys)


NUDGE_45 = "    for: 45d\n    since: pairing.last_met_at\n    send: {template: mentee_nudge, to: mentee}"


def test_the_digest_follows_the_rules_thresholds(demo: tuple[Config, App], tmp_path: Path) -> None:
    config, app = demo
    now = london(config, "2026-12-14T08:00")
    rules = _edited_rules(
        app,
        tmp_path / "rules",
        ("{field: answers.rating, lte: 2}", "{field: answers.rating, lte: 3}"),
        (NUDGE_45, NUDGE_45.replace("45d", "10d")),
    )
    figs = figures(app.db, config, now, rules=rules)
    low = [(c["person"]["email"], c["rating"], c["low_rating"]) for c in figs["concerns"]]
    assert low == [("lena.fischer@example.org", 2, True), ("sofia.marquez@example.org", 3, True)]
    quiet = {p["id"]: p["why"] for p in figs["silent_pairs"]}
    # Maya and Dana said on 2 December that they met in November: a meeting of November's, by 30 November at the latest.
    assert set(quiet) == {1, 2, 3, 4} and quiet[1] == "no meeting reported for 13 days"
    assert figs["policy"]["drifting_days"] == 10 and figs["policy"]["low_rating"] == "at most 3"
    assert figs["policy"]["low_rating_from"].startswith(f"{tmp_path / 'rules' / 'default.yaml'}:")
    rendered, _ = preview(app.db, config, now, rules=rules)
    assert "Sofia Marquez <sofia.marquez@example.org>" in rendered.text and "rated November 3 out of 5" in rendered.text

    stricter = _edited_rules(
        app, tmp_path / "strict", ("{field: answers.rating, lte: 2}", "{field: answers.rating, lt: 2}")
    )
    [lena] = figures(app.db, config, now, rules=stricter)["concerns"]
    assert (lena["rating"], lena["low_rating"], bool(lena["help"])) == (2, False, True)  # still there: her help line


def test_without_the_rules_the_digest_uses_the_documented_defaults(demo: tuple[Config, App], tmp_path: Path) -> None:
    config, app = demo
    now = london(config, "2026-12-14T08:00")
    edited = _edited_rules(
        app,
        tmp_path / "rules",
        ("{field: answers.rating, lte: 2}", "{field: answers.rating, lte: 3}"),
        (NUDGE_45, NUDGE_45.replace("45d", "10d")),
    )
    disabled = [replace(r, enabled=False) if r.name in (ALERT_RULE, NUDGE_RULE) else r for r in edited]
    absent = [r for r in edited if r.name not in (ALERT_RULE, NUDGE_RULE)]
    for rules in (disabled, absent):
        figs = figures(app.db, config, now, rules=rules)
        assert [c["rating"] for c in figs["concerns"]] == [2]  # Lena's 2; Sofia's 3 is not low by default
        assert {p["id"] for p in figs["silent_pairs"]} == {3}
        assert figs["policy"] == {
            "low_rating": "at most 2", "low_rating_from": "default", "drifting_days": 45, "drifting_from": "default"
        }  # fmt: skip
    assert policy([]) == Policy() == Policy(DEFAULT_LOW_RATING, DEFAULT_DRIFTING)
    assert (DEFAULT_LOW_RATING.op, DEFAULT_LOW_RATING.value, DEFAULT_DRIFTING.days) == ("lte", 2, 45)


# --- a large program: each list in the mail is cut, the count and `report` keep everything ---------------------------


def _quiet_pairs(app: App, count: int) -> None:
    """`count` more active pairs that have never reported a meeting and were tracked from 1 September."""
    created = "2026-09-01T09:00:00+00:00"
    for i in range(count):
        ids = []
        for role in ("mentor", "mentee"):
            person = {"email": f"{role}{i}@example.org", "name": f"{role.title()} {i}", "role": role}
            ids.append(app.db["participants"].insert({**person, "created_at": created, "updated_at": created}).last_pk)
        app.db["pairings"].insert({"mentor_id": ids[0], "mentee_id": ids[1], "status": "active", "created_at": created})


def test_each_list_in_the_mail_shows_its_first_rows_and_says_how_many_more(demo: tuple[Config, App]) -> None:
    config, app = demo
    now = london(config, "2026-12-14T08:00")
    _quiet_pairs(app, LIMIT + 5)
    rendered, html = preview(app.db, config, now, rules=app.rules)
    quiet = rendered.text.split("QUIET PAIRS\n")[1].split("A personal word")[0].splitlines()
    assert len(quiet) == LIMIT + 1 and quiet[0].startswith("- Jo Nguyen and Helen Cho (mentor)")
    assert quiet[-1] == "(and 6 more: `mentor-assistant report` lists them all)"  # Jo and Helen, then 25 new pairs
    assert "And 6 more" in html and "mentor-assistant report" in html
    assert f"{LIMIT + 6 + 1} things need you" in rendered.subject  # the count is every quiet pair, and Lena

    figs = figures(app.db, config, now, rules=app.rules, limit=LIMIT)
    assert (len(figs["silent_pairs"]), figs["counts"]["silent_pairs"], figs["more"]["silent_pairs"]) == (LIMIT, 26, 6)
    assert figs["more"]["concerns"] == 0 and figs["needs_you"] == 26 + 1
    everything = figures(app.db, config, now, rules=app.rules)
    assert len(everything["silent_pairs"]) == 26 and everything["more"]["silent_pairs"] == 0
    assert everything["silent_pairs"][:LIMIT] == figs["silent_pairs"]  # the mail shows the report's first rows
    assert len(everything["waiting"]) == len(figs["waiting"]) == 2  # short lists are whole in both


def test_report_lists_every_row(demo: tuple[Config, App]) -> None:
    config, app = demo
    _quiet_pairs(app, LIMIT + 5)
    from assistant.coordinator.report import render

    out = render(figures(app.db, config, london(config, "2026-12-14T08:00"), rules=app.rules))
    assert re.search(r"\nquiet pairs +26\n", out)
    assert all(f"Mentee {i}" in out for i in range(LIMIT + 5))


def _suggest_by_scoring_everyone(mentee: dict, mentors: list[Mentor], paired_before: set[int]) -> dict:
    """The suggestion as first written: every mentor scored against the mentee, then sorted (the reference)."""
    candidates = [m for m in mentors if m.id != mentee["id"] and m.id not in paired_before]
    goals = words(mentee.get("goals"))
    scored = sorted(
        ((len(words(m.skills) & goals), m) for m in candidates),
        key=lambda pair: (-pair[0], -pair[1].spare, pair[1].name.lower(), pair[1].id),
    )
    matches = [m for score, m in scored if score > 0][:3]
    circle = words(mentee.get("skills")).union(*(words(m.skills) for m in matches))
    industries = {i.strip().lower() for i in [mentee.get("industry") or "", *(m.industry for m in matches)] if i}

    def familiar(m: Mentor) -> int:
        return 1 if not m.industry.strip() else 2 if m.industry.strip().lower() in industries else 0

    others = [m for m in candidates if m not in matches]
    outside = min(
        others,
        key=lambda m: (
            familiar(m),
            len(words(m.skills) & circle),
            -len(words(m.skills) & goals),
            -m.spare,
            m.name.lower(),
            m.id,
        ),
        default=None,
    )
    return {"matches": [m.as_dict(goals) for m in matches], "outside": outside.as_dict(goals) if outside else None}


def test_suggestions_for_many_mentees_are_those_of_scoring_every_mentor() -> None:
    """The pool finds the same mentors as scoring every mentor for every mentee, ties and all."""
    rng = random.Random(11)
    phrases = ["public speaking", "leading teams", "hiring", "negotiation", "data science", "fundraising", "design"]
    fields = ["", "", "tech", "law", "Law ", "medicine"]
    db = sqlite_utils.Database(memory=True)
    db["pairings"].insert_all(
        [{"mentor_id": rng.randint(1, 60), "mentee_id": rng.randint(100, 160)} for _ in range(80)]
    )
    for _ in range(120):
        mentors = [
            Mentor(
                id=i,
                name=rng.choice(["Ada", "ada", "Bea", "Cleo"]),
                email=f"m{i}@x.org",
                skills=", ".join(rng.sample(phrases, rng.randint(0, 3))),
                spare=rng.randint(1, 2),
                industry=rng.choice(fields),
            )
            for i in range(1, rng.randint(2, 60))
        ]
        pool = Pool(mentors)
        for mentee_id in range(100, 110):
            mentee = {"id": mentee_id, "goals": " and ".join(rng.sample(phrases, rng.randint(0, 2))),
                      "skills": rng.choice(["", "design", "hiring, law"]), "industry": rng.choice(fields)}  # fmt: skip
            before = {r[0] for r in db.execute("SELECT mentor_id FROM pairings WHERE mentee_id = ?", [mentee_id])}
            assert suggest(db, mentee, pool) == _suggest_by_scoring_everyone(mentee, mentors, before)


# --- the chart ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "months",
    [
        [],
        [{"label": "Dec", "sent": 0, "answered": 0, "pairs_met": 0}],
        [
            {"label": "Nov", "sent": 40, "answered": 31, "pairs_met": 15},
            {"label": "Dec", "sent": 38, "answered": 2, "pairs_met": 0},
        ],
        [{"label": f"M{i}", "sent": 1_200_000, "answered": 999_999, "pairs_met": 7} for i in range(12)],
    ],
)
def test_the_chart_is_a_png_of_fixed_size_whatever_the_figures(months: list[dict[str, int | str]]) -> None:
    from io import BytesIO

    from PIL import Image

    from assistant.coordinator.chart import HEIGHT, WIDTH

    image = Image.open(BytesIO(chart_png(months)))
    assert image.format == "PNG" and image.size == (WIDTH, HEIGHT)
    assert len(image.convert("RGB").getcolors(maxcolors=WIDTH * HEIGHT) or []) > 4  # legend, bars, text: not blank
