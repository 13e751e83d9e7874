"""People who leave, people who move, and what each mail lets them do (issue 13, points 8, 12 and 14), through the
real command line: mail dropped in the inbox Maildir, `run --once` with `--now`, what went out read back from the
sent Maildir.

- every mail to a participant carries her own token in `List-Unsubscribe` (and its "Reply stop" line), so "stop"
  from a milestone acts at once, for the one who wrote it only;
- a new address, from the old one (acts) or from the new one (confirmed at the old one first);
- a mentor who stops: both her pairings close, her mentees are not asked about her, the coordinators get one mail;
- an answer remembers the message it came from, and which message replaced it (`explain`).
"""

from __future__ import annotations

import email
import email.policy
import email.utils
import re
import sqlite3
from email.message import EmailMessage
from pathlib import Path

import pytest

from assistant.identity import address_hash
from tests.program_cli import reply_at as _reply
from tests.program_cli import written as _fresh
from tests.test_handover import GRACE, ZOE, Cli, _introduced

DANA = ("Dana Okafor", "dana.okafor@example.org")
MAYA = ("Maya Patel", "maya.patel@example.org")
PRIYA = ("Priya Raman", "priya.raman@example.org")
LENA = ("Lena Fischer", "lena.fischer@example.org")
AMARA = ("Amara Diallo", "amara.diallo@example.org")
NEW = "maya@newjob.example"
UNSUBSCRIBE = re.compile(r"<mailto:mentoring\+([A-Za-z0-9_-]+)@example\.org\?subject=stop>")
LEAVE = "Reply stop to leave the program"


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def _db(cli: Cli) -> sqlite3.Connection:
    return sqlite3.connect(cli.folder / "program.db")


def _token(message: EmailMessage) -> str:
    found = UNSUBSCRIBE.fullmatch(str(message["List-Unsubscribe"]).strip())
    assert found, message["List-Unsubscribe"]
    return found.group(1)


def _holder(cli: Cli, token: str) -> tuple[str, str, int]:
    with _db(cli) as db:
        return db.execute(
            "SELECT p.email, t.purpose, t.entity_id FROM reply_tokens t JOIN participants p ON p.id = t.participant_id"
            " WHERE t.token = ?",
            [token],
        ).fetchone()


def _status(cli: Cli, address: str) -> str:
    with _db(cli) as db:
        return db.execute("SELECT status FROM participants WHERE email = ?", [address]).fetchone()[0]


def _texts(message: EmailMessage) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def _milestone(cli: Cli) -> EmailMessage:
    cli.run("2026-12-01T10:00")
    for person in (MAYA, DANA):  # both answer (no reminder paces the milestone), and they met: theirs to celebrate
        [prompt] = cli.sent("mentoring check-in", to=person[1])
        cli.deliver(_reply(prompt, person, "1. yes\n2. once\n3. her promotion case\n4. 5", "2026-12-02T09:00"))
    cli.run("2026-12-02T10:00")
    cli.run("2026-12-14T12:00")  # Dana and Maya started on 15 September: three months
    [milestone] = cli.sent("Three months", to=MAYA[1])
    return milestone


# --- every mail carries the recipient's own token -----------------------------------------------------------------


def test_each_prompt_carries_its_recipients_own_token_and_the_line_to_leave(cli: Cli) -> None:
    cli.run("2026-12-01T10:00")
    prompts = cli.sent("mentoring check-in")
    assert len(prompts) == 8
    for prompt in prompts:
        [(_, to)] = email.utils.getaddresses([str(prompt["To"])])
        token = _token(prompt)
        assert _holder(cli, token)[0] == to  # hers, not anybody else's
        assert token in str(prompt["Reply-To"])
        text, html = _texts(prompt)
        assert LEAVE in text and LEAVE in html


def test_stop_from_a_milestone_acts_at_once_for_her_only(cli: Cli) -> None:
    milestone = _milestone(cli)
    assert {a for _, a in email.utils.getaddresses([str(milestone["To"])])} == {DANA[1], MAYA[1]}
    _, purpose, _ = _holder(cli, _token(milestone))
    assert purpose == "pair"  # one mail to both: the pairing's token, which acts for whichever of them writes
    assert _token(milestone) in str(milestone["Reply-To"])
    assert LEAVE in _texts(milestone)[0] and LEAVE in _texts(milestone)[1]

    cli.deliver(_reply(milestone, MAYA, "stop", "2026-12-14T18:00"))
    cli.run("2026-12-14T19:00")
    assert cli.outcomes()[-1] == (MAYA[1], "command_done")
    assert _status(cli, MAYA[1]) == "left" and _status(cli, DANA[1]) == "active"
    assert not cli.sent("Please confirm")  # it acted at once: no confirmation round-trip

    # Her mentor has room again, and the coordinators hear it once, in coordinator wording, with no "stop" line.
    [told] = cli.sent(to=GRACE[1], subject="has left the program")
    text, html = _texts(told)
    assert "Dana Okafor <dana.okafor@example.org>" in text and "room again" in text
    assert "Maya Patel <maya.patel@example.org> (mentee) wrote stop" in " ".join(text.split())
    assert LEAVE not in text and LEAVE not in html
    assert "+" not in str(told["List-Unsubscribe"])


def test_the_one_click_unsubscribe_of_a_pair_mail_acts_for_the_one_who_clicked(cli: Cli) -> None:
    milestone = _milestone(cli)
    address = f"mentoring+{_token(milestone)}@example.org"
    cli.deliver(_fresh(DANA, address, "stop", ""))
    cli.run("2026-12-14T19:00")
    assert cli.outcomes()[-1] == (DANA[1], "command_done")
    assert _status(cli, DANA[1]) == "left" and _status(cli, MAYA[1]) == "active"


def test_someone_else_with_a_pair_token_is_held_and_nothing_acts(cli: Cli) -> None:
    milestone = _milestone(cli)
    address = f"mentoring+{_token(milestone)}@example.org"
    cli.deliver(_fresh(LENA, address, "stop", "stop"))  # Lena is in the program, but not in this pair
    cli.run("2026-12-14T19:00")
    assert _status(cli, DANA[1]) == "active" and _status(cli, MAYA[1]) == "active"
    assert _status(cli, LENA[1]) == "active"  # not at once: a token that is not hers never acts


# --- a new address --------------------------------------------------------------------------------------------------


def _prompt(cli: Cli, to: str, about: str = "") -> EmailMessage:
    cli.run("2026-12-01T10:00")
    [prompt] = [m for m in cli.sent("mentoring check-in", to=to) if about in m.get_body(("plain",)).get_content()]
    return prompt


def test_a_new_address_from_the_old_one_acts_and_her_old_address_is_still_hers(cli: Cli) -> None:
    prompt = _prompt(cli, MAYA[1])
    cli.deliver(_reply(prompt, MAYA, f"Please use my new address {NEW} from now on.", "2026-12-02T09:00"))
    cli.run("2026-12-02T10:00")
    assert cli.outcomes()[-1] == (MAYA[1], "address_changed")
    assert _status(cli, NEW) == "active"
    [note] = cli.sent("new address is saved", to=NEW)
    assert MAYA[1] in _texts(note)[0] and LEAVE in _texts(note)[0]
    with _db(cli) as db:
        assert db.execute("SELECT old_email, new_email FROM address_changes").fetchall() == [(MAYA[1], NEW)]

    # Her answer to the same prompt, still from the old address, is hers: recorded, and confirmed at the new one.
    cli.deliver(_reply(prompt, MAYA, "1. yes\n2. 2\n3. my promotion case\n4. 5", "2026-12-02T11:00"))
    cli.run("2026-12-02T12:00")
    assert cli.outcomes()[-1] == (MAYA[1], "recorded")
    assert cli.sent("Thank", to=NEW) or [m for m in cli.sent(to=NEW) if "Re:" in str(m["Subject"])]


def test_a_new_address_from_the_new_one_is_confirmed_at_the_old_one_first(cli: Cli) -> None:
    cli.run("2026-12-01T10:00")
    cli.deliver(
        _fresh(
            ("Maya Patel", NEW),
            "mentoring@example.org",
            "My new address",
            f"Hi! Please use my new address from now on; my old one was {MAYA[1]}.",
        )
    )
    cli.run("2026-12-02T10:00")
    assert cli.outcomes()[-1] == (NEW, "confirmation_asked")
    assert _status(cli, MAYA[1]) == "active"  # nothing moved yet: From alone authorises nothing
    assert cli.sent("One more step", to=NEW)
    [ask] = cli.sent("confirm your new address", to=MAYA[1])
    assert NEW in _texts(ask)[0]

    cli.deliver(_reply(ask, MAYA, "yes", "2026-12-02T11:00"))
    cli.run("2026-12-02T12:00")
    assert cli.outcomes()[-1] == (MAYA[1], "address_changed")
    assert _status(cli, NEW) == "active"
    assert cli.sent("new address is saved", to=NEW)
    with _db(cli) as db:
        assert db.execute("SELECT by FROM address_changes").fetchone()[0].endswith("confirmed at the old address")


def test_an_address_that_belongs_to_someone_else_is_refused_politely(cli: Cli) -> None:
    prompt = _prompt(cli, MAYA[1])
    cli.deliver(_reply(prompt, MAYA, f"Please use my new address {LENA[1]}", "2026-12-02T09:00"))
    cli.run("2026-12-02T10:00")
    assert cli.outcomes()[-1] == (MAYA[1], "address_refused")
    assert _status(cli, MAYA[1]) == "active" and _status(cli, LENA[1]) == "active"
    [answer] = cli.sent("About your new address", to=MAYA[1])
    assert "Lena" not in _texts(answer)[0]  # never says whose it is


def test_a_display_name_that_looks_like_her_address_moves_nobody(cli: Cli) -> None:
    cli.run("2026-12-01T10:00")
    cli.deliver(
        _fresh((MAYA[1], "evil@attacker.example"), "mentoring@example.org", "new address", "Please use my new address.")
    )
    cli.run("2026-12-02T10:00")
    assert cli.outcomes()[-1] == ("evil@attacker.example", "unknown_sender")
    assert _status(cli, MAYA[1]) == "active"
    assert not cli.sent("confirm your new address")


def test_an_erased_address_is_refused(cli: Cli) -> None:
    prompt = _prompt(cli, MAYA[1])
    with _db(cli) as db:
        db.execute(
            "INSERT INTO suppressions (hash, reason, created_at) VALUES (?, 'test', '2026-11-01')", [address_hash(NEW)]
        )
    cli.deliver(_reply(prompt, MAYA, f"Please use my new address {NEW}", "2026-12-02T09:00"))
    cli.run("2026-12-02T10:00")
    assert cli.outcomes()[-1] == (MAYA[1], "address_refused")
    assert _status(cli, MAYA[1]) == "active"


def test_when_the_old_address_bounces_a_coordinator_decides(cli: Cli) -> None:
    cli.run("2026-12-01T10:00")
    with _db(cli) as db:
        db.execute("UPDATE participants SET bounced_at = '2026-12-01T11:00:00+00:00' WHERE email = ?", [MAYA[1]])
    cli.deliver(
        _fresh(("Maya Patel", NEW), "mentoring@example.org", "New email", f"My email has changed, I was {MAYA[1]}")
    )
    cli.run("2026-12-02T10:00")
    assert cli.outcomes()[-1] == (NEW, "held")
    assert _status(cli, MAYA[1]) == "active"
    with _db(cli) as db:
        assert db.execute("SELECT from_addr FROM review_queue").fetchall() == [(NEW,)]


# --- leavers --------------------------------------------------------------------------------------------------------


def test_a_mentor_who_stops_closes_both_pairings_and_the_coordinators_hear_once(cli: Cli) -> None:
    pairs = cli.folder / "more-pairs.csv"
    pairs.write_text(f"mentor_email,mentee_email,status,started_at\n{PRIYA[1]},{AMARA[1]},active,2026-10-10\n")
    assert cli("import", "pairs", str(pairs)) == 0
    prompt = _prompt(cli, PRIYA[1], about="Lena")
    cli.deliver(_reply(prompt, PRIYA, "stop", "2026-12-02T09:00"))
    cli.run("2026-12-02T10:00")
    assert cli.outcomes()[-1] == (PRIYA[1], "command_done")
    with _db(cli) as db:
        closed = db.execute(
            "SELECT status, ended_at IS NOT NULL FROM pairings"
            " WHERE mentor_id = (SELECT id FROM participants WHERE email = ?)",
            [PRIYA[1]],
        ).fetchall()
    assert closed == [("closed", 1), ("closed", 1)]

    [told] = cli.sent(to=GRACE[1], subject="has left the program")
    assert "2 mentees need a new match" in str(told["Subject"])
    text = _texts(told)[0]
    assert LENA[1] in text and AMARA[1] in text and LEAVE not in text

    # Her mentees are not reminded of December's check-in about her, nor prompted about her in January.
    before = len(cli.sent())
    cli.run("2026-12-09T10:00")
    cli.run("2027-01-01T10:00")
    cli.run("2027-01-05T10:00")
    later = cli.sent()[before:]
    assert cli.sent("December mentoring check-in", to=MAYA[1])  # the cycle went on for everyone else
    for mentee in (LENA[1], AMARA[1]):
        assert not [m for m in later if mentee in str(m["To"])], mentee
    assert len(cli.sent(subject="has left the program")) == 1


# --- provenance -----------------------------------------------------------------------------------------------------


def test_explain_of_the_first_message_after_a_correction_shows_its_answers_and_what_replaced_them(
    cli: Cli, capsys: pytest.CaptureFixture[str]
) -> None:
    prompt = _prompt(cli, MAYA[1])
    first = _reply(prompt, MAYA, "1. yes\n2. 2\n3. my promotion case\n4. 4", "2026-12-02T09:00")
    cli.deliver(first)
    cli.run("2026-12-02T10:00")
    second = _reply(prompt, MAYA, "Sorry, we met 3 times\n\nmeetings: 3", "2026-12-03T09:00")
    cli.deliver(second)
    cli.run("2026-12-03T10:00")
    first_id = email.message_from_bytes(first, policy=email.policy.default)["Message-ID"]
    second_id = email.message_from_bytes(second, policy=email.policy.default)["Message-ID"]

    capsys.readouterr()
    assert cli("explain", first_id) == 0
    text = capsys.readouterr().out
    assert "Recorded from it:" in text
    assert re.search(r"met = yes .*still the recorded answer", text)
    assert re.search(rf"meetings = 2 .*replaced by {re.escape(second_id)} .*\(now 3\)", text)

    assert cli("explain", second_id) == 0
    text = capsys.readouterr().out
    assert "meetings = 3" in text
    assert "It changed:" in text and f"meetings from 2 (from {first_id}) to 3" in text


def test_erasing_someone_who_moved_erases_her_old_address_too(cli: Cli) -> None:
    prompt = _prompt(cli, MAYA[1])
    cli.deliver(_reply(prompt, MAYA, f"Please use my new address {NEW}", "2026-12-02T09:00"))
    cli.run("2026-12-02T10:00")
    [note] = cli.sent("new address is saved", to=NEW)
    cli.deliver(_reply(note, ("Maya Patel", NEW), "delete me", "2026-12-03T09:00"))
    cli.run("2026-12-03T10:00")
    [confirm] = cli.sent("Please confirm", to=NEW)
    cli.deliver(_reply(confirm, ("Maya Patel", NEW), "yes", "2026-12-03T11:00"))
    cli.run("2026-12-03T12:00")
    with _db(cli) as db:
        assert not db.execute("SELECT 1 FROM participants WHERE email IN (?, ?)", [MAYA[1], NEW]).fetchall()
        assert not db.execute("SELECT 1 FROM address_changes").fetchall()
        assert not db.execute("SELECT 1 FROM messages WHERE from_addr = ?", [MAYA[1]]).fetchall()
        assert db.execute("SELECT count(*) FROM suppressions").fetchone()[0] == 2
    [told] = cli.sent(to=GRACE[1], subject="has left the program")  # Dana needs... has room again
    assert "Dana Okafor" in _texts(told)[0]


def test_the_introduction_carries_the_pairs_token_and_says_where_to_write_stop(cli: Cli) -> None:
    introduction = _introduced(cli)  # Reply-To both of them: a plain Reply goes to the other person, not to us
    token = _token(introduction)
    assert _holder(cli, token)[1] == "pair"
    text, html = _texts(introduction)
    assert f"To leave the program, write stop to mentoring+{token}@example.org" in " ".join(text.split())
    assert f"mailto:mentoring+{token}@example.org?subject=stop" in html and LEAVE not in text
    cli.deliver(_fresh(ZOE, f"mentoring+{token}@example.org", "stop", ""))
    cli.run("2026-11-30T16:00")
    assert _status(cli, ZOE[1]) == "left" and _status(cli, DANA[1]) == "active"
