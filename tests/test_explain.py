"""`mentor-assistant explain`: why the assistant did what it did, for a message and for a person."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from assistant.app import App
from assistant.clock import FixedClock, parse_moment
from assistant.config import load_config
from assistant.coordinator.explain import explain
from assistant.demo import run_demo


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    folder: Path = tmp_path_factory.mktemp("demo")
    with contextlib.redirect_stdout(io.StringIO()):
        run_demo(folder)
    config = load_config(folder / "config.yaml")
    application = App(config, FixedClock(parse_moment("2026-12-14T08:00", config.timezone)))
    yield application
    application.close()


def why(app: App, target: str) -> str:
    lines = explain(app.db, target, app.rules, app.form_keys, app.clock.now(), app.config.timezone)
    return "\n".join(lines)


def test_an_inbound_message_shows_its_outcome_reasons_answers_and_reply(app: App) -> None:
    message_id = app.db.execute(
        "SELECT message_id FROM messages WHERE from_addr = 'lena.fischer@example.org'"
    ).fetchone()[0]
    for target in (message_id, message_id.strip("<>")):  # with or without the angle brackets
        text = why(app, target)
        assert f"Message {message_id}" in text
        assert "status processed, outcome recorded, attempts 1" in text
        assert "- checkin_reply: check-in 4 (2026-11) by reply token" in text
        assert "check-in 4: rating = 2 (wrote '2')" in text
        assert f"key reply:{message_id}" in text  # the confirmation sent because of it


def test_an_out_of_office_reply_is_explained_as_automatic(app: App) -> None:
    row = app.db.execute(
        "SELECT message_id, outcome FROM messages WHERE from_addr = 'sofia.marquez@example.org' ORDER BY id"
    ).fetchone()
    text = why(app, row[0])
    assert f"outcome {row[1]}" in text and "Sent because of it: nothing" in text


def test_one_of_our_own_messages_shows_the_rule_that_sent_it(app: App) -> None:
    message_id = app.db.execute(
        "SELECT message_id FROM outbox WHERE template = 'checkin_reminder' AND to_addr = 'jo.nguyen@example.org'"
    ).fetchone()[0]
    text = why(app, message_id)
    assert "is one the assistant sent" in text
    assert "Because the rule checkin-reminder fired for checkin:6" in text


def test_a_person_shows_pairings_checkins_firings_mail_and_what_comes_next(app: App) -> None:
    text = why(app, "Jo.Nguyen@example.org")
    assert text.startswith("Jo Nguyen <jo.nguyen@example.org>: participant 8, mentee, active")
    assert "pairing:3 mentee with Helen Cho <helen.cho@example.org>, active" in text
    assert "checkin:6 2026-11 awaiting" in text
    fired = [line for line in text.splitlines() if " for checkin:6" in line and "#" in line]
    assert [line.split()[2] for line in fired] == ["checkin-reminder", "checkin-reminder", "checkin-escalate"]
    assert "checkin_prompt to jo.nguyen@example.org: 'Your November mentoring check-in'" in text
    assert "Mail received from them: none" in text
    scheduled = text.split("Scheduled next")[1]
    assert "Thu 14 Jan 2027  mentee-nudge for pairing:3: sends mentee_nudge to the mentee" in scheduled
    assert "Sat 13 Feb 2027  silent-pair-escalate for pairing:3" in scheduled


def test_unknown_targets_say_so(app: App) -> None:
    assert why(app, "nobody@example.org").startswith("nothing is known about 'nobody@example.org'")
    assert why(app, "<missing@example.org>").startswith("nothing is known")
