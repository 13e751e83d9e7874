"""One list a day for the coordinators, escalations that carry the words, and milestones that fit (issue 13, points
4, 6 and 13), through the real command line: mail dropped in the inbox Maildir, `run --once` with `--now`, and what
went out read back from the sent Maildir."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.engine.schema import load_file
from assistant.mail.replies import reply
from assistant.yamlfile import YamlError
from tests.conftest import CONFIG, ROOT
from tests.program_cli import Cli as ProgramCli

GRACE = "grace@example.org"
ALAN = "alan@example.org"
PAIRS = [
    ("Maya Patel", "Dana Okafor"),
    ("Lena Fischer", "Priya Raman"),
    ("Jo Nguyen", "Helen Cho"),
    ("Kim Larsen", "Sofia Marquez"),
]
LENA = ("Lena Fischer", "lena.fischer@example.org")


class Cli(ProgramCli):
    """The example program with two coordinators, imported on 20 November."""

    def __init__(self, folder: Path, started: str = ""):
        """`started`: every example pair's start date instead of the sheet's (September and October)."""
        text = CONFIG.format(root=ROOT).replace(
            "coordinators: [{name: Grace Hopper, email: grace@example.org}]",
            "coordinators: [{name: Grace Hopper, email: grace@example.org}, {name: Alan Kay, email: alan@example.org}]",
        )
        pairs = ROOT / "examples" / "pairs.csv"
        if started:
            lines = pairs.read_text().splitlines()
            pairs = folder / "pairs.csv"
            pairs.write_text("\n".join([lines[0], *(line.rsplit(",", 1)[0] + f",{started}" for line in lines[1:])]))
        super().__init__(folder, text, pairs, imported_at="2026-11-20T10:00")

    def to_coordinators(self) -> list[EmailMessage]:
        return [m for m in self.sent() if GRACE in str(m["To"]) or ALAN in str(m["To"])]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    """The example program, its pairs started on 1 November: no milestone falls in December."""
    return Cli(tmp_path, started="2026-11-01")


def _text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def _html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content())


def _prompt(cli: Cli, address: str) -> EmailMessage:
    [prompt] = [m for m in cli.sent(to=address) if "check-in" in str(m["Subject"]).lower()][:1]
    return prompt


def _add_pair(cli: Cli, mentor: str, mentee: str, started: str, now: str) -> None:
    sheet = cli.folder / "more-pairs.csv"
    sheet.write_text(f"mentor_email,mentee_email,status,started_at\n{mentor},{mentee},active,{started}\n")
    assert cli("--now", now, "import", "pairs", str(sheet)) == 0


def test_four_silent_pairs_are_one_mail_to_each_coordinator_and_the_next_day_adds_only_the_new(cli: Cli) -> None:
    cli.run("2026-12-01T09:00")  # every one of the 8 people of the 4 pairs is prompted
    _add_pair(cli, "ruth.adeyemi@example.org", "amara.diallo@example.org", "2026-11-20", "2026-12-01T12:00")
    cli.run("2026-12-02T09:00")  # the new pair's prompts go out a day later
    for day in ("2026-12-08T10:00", "2026-12-15T10:00", "2026-12-21T10:00"):
        cli.run(day)
    assert cli.to_coordinators() == []  # reminders only so far

    cli.run("2026-12-22T10:00")
    cli.run("2026-12-22T15:00")  # a later tick the same day adds nothing
    for coordinator in (GRACE, ALAN):
        [mail] = [m for m in cli.to_coordinators() if coordinator in str(m["To"])]
        assert str(mail["To"]).count("@") == 1  # each her own mail
        text = _text(mail)
        assert "4 pairs need a word from you" in str(mail["Subject"])
        for mentee, mentor in PAIRS:  # each pair once, with both names
            assert text.count(f"{mentee} <") == 1 and text.count(f"{mentor} <") == 1  # one heading for the pair
            assert f"No November check-in yet from {mentee}, the mentee" in text
            assert f"No November check-in yet from {mentor}, the mentor" in text
        assert "Ruth" not in text and "Amara" not in text
        assert "Lena Fischer" in _html(mail)
    assert len(cli.to_coordinators()) == 2

    cli.run("2026-12-23T10:00")  # the new pair's three weeks are up today
    later = cli.to_coordinators()[2:]
    assert sorted(str(m["To"]) for m in later) == sorted(
        ["Alan Kay <alan@example.org>", "Grace Hopper <grace@example.org>"]
    )
    for mail in later:
        text = _text(mail)
        assert str(mail["Subject"]) == "1 pair needs a word from you: Amara Diallo and Ruth Adeyemi"
        assert "Ruth Adeyemi" in text and "Amara Diallo" in text
        assert all(name not in text for pair in PAIRS for name in pair)  # the earlier ones are not repeated
    cli.run("2026-12-24T10:00")
    assert len(cli.to_coordinators()) == 4  # nothing new: no mail at all
    assert cli.sql("SELECT count(*), count(DISTINCT sent_in) FROM escalation_items") == [(10, 2)]


def _held_then_escalated(cli: Cli) -> None:
    """Lena answers her December prompt twice with nothing the assistant can record; three weeks on, the list."""
    cli.run("2026-12-01T09:00")
    prompt = _prompt(cli, LENA[1])
    cli.deliver(reply(prompt.as_bytes(), LENA, "So sorry, it's been a hectic month, more soon!"))
    cli.run("2026-12-03T09:00")  # read with no answer: asked once more
    cli.deliver(reply(prompt.as_bytes(), LENA, "Priya has been wonderful and patient with me about my new role."))
    cli.run("2026-12-04T09:00")  # still no answer: held for review
    [(ledger_id,)] = cli.sql("SELECT id FROM messages WHERE outcome = 'held_unreadable'")
    assert cli.sql("SELECT count(*) FROM review_queue WHERE id = ?", (ledger_id,)) == [(1,)]
    for day in ("2026-12-08T10:00", "2026-12-15T10:00"):
        cli.run(day)
    cli.run("2026-12-22T10:00")


def test_an_escalation_quotes_what_she_wrote_when_nothing_could_be_recorded(cli: Cli) -> None:
    _held_then_escalated(cli)
    [(ledger_id,)] = cli.sql("SELECT id FROM messages WHERE outcome = 'held_unreadable'")
    [mail] = [m for m in cli.to_coordinators() if GRACE in str(m["To"])]
    text = _text(mail)
    assert "Lena Fischer (mentee) wrote on 4 Dec, but I couldn't record her November check-in from it" in text
    assert "isn't silent" in text and '"Priya has been wonderful and patient with me about my new role."' in text
    assert f"mentor-assistant review show {ledger_id}" in text
    assert "No November check-in yet from Lena" not in text
    assert "No November check-in yet from Priya Raman, the mentor" in text  # her partner, silent, in the same entry
    assert "Priya has been wonderful" in _html(mail)
    [(words,)] = cli.sql("SELECT words FROM escalation_items WHERE words IS NOT NULL")
    assert words == "Priya has been wonderful and patient with me about my new role."


def test_a_reply_read_with_no_answer_is_quoted_and_its_length_bounded(cli: Cli) -> None:
    cli.run("2026-12-01T09:00")
    long = "I wanted to tell you properly how things are going. " * 20
    cli.deliver(reply(_prompt(cli, LENA[1]).as_bytes(), LENA, long))
    cli.run("2026-12-03T09:00")
    assert cli.sql("SELECT outcome FROM messages") == [("asked_again",)]
    cli.run("2026-12-22T10:00")
    [mail] = [m for m in cli.to_coordinators() if GRACE in str(m["To"])]
    text = _text(mail)
    assert "I couldn't find an answer in it, and asked her once more" in text
    [(words,)] = cli.sql("SELECT words FROM escalation_items WHERE words IS NOT NULL")
    assert words.startswith("I wanted to tell you") and words.endswith(" …") and len(words) <= 502
    assert "review show" not in text  # read with no answer: nothing waits in the review queue


def test_someone_who_answers_before_the_list_goes_is_not_on_it(cli: Cli) -> None:
    cli.run("2026-12-01T09:00")
    cli.run("2026-12-22T07:00")  # before the quiet window: nothing yet
    maya = _prompt(cli, "maya.patel@example.org")
    cli.deliver(reply(maya.as_bytes(), ("Maya Patel", "maya.patel@example.org"), "1. yes\n2. twice\n3. my case\n4. 4"))
    cli.run("2026-12-22T10:00")
    [mail] = [m for m in cli.to_coordinators() if GRACE in str(m["To"])]
    assert "from Maya Patel" not in _text(mail) and "from Dana Okafor, the mentor" in _text(mail)


def _met(cli: Cli, who: tuple[str, str]) -> None:
    cli.deliver(reply(_prompt(cli, who[1]).as_bytes(), who, "1. yes\n2. twice\n3. a plan for the quarter\n4. 5"))


def test_only_pairs_that_met_get_the_three_months_milestone_and_the_coordinator_hears_of_the_others(
    tmp_path: Path,
) -> None:
    cli = Cli(tmp_path)  # the sheet's start dates: three months fall in December
    cli.run("2026-12-01T09:00")
    _met(cli, ("Maya Patel", "maya.patel@example.org"))
    _met(cli, ("Dana Okafor", "dana.okafor@example.org"))
    cli.run("2026-12-02T09:00")
    for day in range(8, 31):  # Maya and Dana started on 15 Sep, Lena and Priya on 20 Sep, the others in October
        cli.run(f"2026-12-{day:02d}T10:00")

    [milestone] = cli.sent("Three months")
    assert {a.strip() for a in str(milestone["To"]).split(",")} == {
        "Dana Okafor <dana.okafor@example.org>",
        "Maya Patel <maya.patel@example.org>",
    }
    assert cli.sent("Three months", to="lena") == [] and cli.sent("Three months", to="priya") == []
    told = [_text(m) for m in cli.to_coordinators() if GRACE in str(m["To"])]
    assert any(
        "Three months together, never reported a meeting" in t and "Lena Fischer and Priya Raman started" in t
        for t in told
    )
    assert not any("Maya Patel and Dana Okafor started" in t for t in told)


def test_batch_is_checked_with_file_and_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    base = "version: 1\nrules:\n  - name: r\n    match: pairing\n    send: {template: t, to: %s, batch: %s}\n"
    rules.write_text(base % ("mentee", "daily"))
    with pytest.raises(YamlError, match=r"rules.yaml:5: batch is only for mail to the coordinator"):
        load_file(rules)
    rules.write_text(base % ("coordinator", "weekly"))
    with pytest.raises(YamlError, match=r"rules.yaml:5: batch 'weekly' is not a batch; valid: daily"):
        load_file(rules)
    rules.write_text(base % ("coordinator", "daily"))
    [rule] = load_file(rules)
    assert rule.send is not None and rule.send.batch == "daily"


def test_her_quoted_words_go_with_her_erasure(cli: Cli) -> None:
    _held_then_escalated(cli)
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        "Lena Fischer <lena.fischer@example.org>",
        "mentoring@example.org",
        "x",
    )
    message["Message-ID"] = "<delete-lena@example.org>"
    message.set_content("delete me")
    cli.deliver(message.as_bytes())
    cli.run("2026-12-23T09:00")
    confirm = cli.sent(to=LENA[1])[-1]
    cli.deliver(reply(confirm.as_bytes(), LENA, "Yes, delete everything."))
    cli.run("2026-12-23T09:30")
    assert cli.sql("SELECT count(*) FROM participants WHERE email = ?", (LENA[1],)) == [(0,)]
    kept = cli.sql("SELECT coalesce(words, '') || headline || text || html FROM escalation_items")
    assert kept and not any("wonderful" in row or "Lena" in row for (row,) in kept)  # her entry went; Priya's stays


def test_a_new_mail_about_nothing_of_ours_is_quoted_too(cli: Cli) -> None:
    """Not a reply to the prompt: a fresh mail kept for review (no_context) still means she is not silent."""
    cli.run("2026-12-01T09:00")
    message = EmailMessage()
    message["From"], message["To"] = "Lena Fischer <Lena.Fischer@example.org>", "mentoring@example.org"
    message["Subject"], message["Message-ID"] = "Sorry", "<lena-ill@example.org>"
    message.set_content("Sorry for going quiet, I have been ill. Back next week!\n\n-- \nLena")
    cli.deliver(message.as_bytes())
    cli.run("2026-12-05T09:00")
    [(ledger_id, outcome)] = cli.sql("SELECT id, outcome FROM messages")
    assert outcome == "no_context"
    cli.run("2026-12-22T10:00")
    text = _text(next(m for m in cli.to_coordinators() if GRACE in str(m["To"])))
    assert "Lena Fischer (mentee) wrote on 5 Dec" in text and "it is kept for you in the review queue" in text
    assert '"Sorry for going quiet, I have been ill. Back next week!"' in text  # her new text, no signature
    assert f"mentor-assistant review show {ledger_id}" in text
