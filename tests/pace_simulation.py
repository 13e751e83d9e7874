"""Six months of a program of 40 people, driven day by day through the real run (poll, tick, drain) on Maildir
folders: how well the pace is kept and whether paced mail is lost. Used by tests/test_pace.py, and runnable alone
(`python tests/pace_simulation.py [ROOT]`) to measure another tree of the code.

The people: 16 mentors, 8 of them with two mentees, and 24 mentees; the pairs start every four days from 20 August,
so their two-week expectations check and three-month milestone fall at every point of the check-in month. Each
mentee answers her check-in the day after it arrives ("yes, twice", a rating of 4), through her mail client; the
mentors never answer, so reminders keep coming.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
START, END = datetime.fromisoformat("2026-09-01T10:00+00:00"), datetime.fromisoformat("2027-03-01T10:00+00:00")
FIRST_PAIR, PAIR_EVERY = datetime.fromisoformat("2026-08-20T09:00+00:00"), timedelta(days=4)
CONFIG = """\
program_name: Pace Program
assistant: {{name: Ada, address: mentoring@example.org}}
coordinators: [{{name: Grace Hopper, email: grace@example.org}}]
timezone: Europe/London
database: ./program.db
inbox: {{type: maildir, path: ./inbox}}
outbound: {{type: maildir, path: ./sent}}
digest: {{enabled: false}}
templates: {root}/templates
rules: {root}/rules
"""
ANSWER = "1. Yes\n2. 2\n3. Her portfolio and a promotion case\n4. 4\n"


@dataclass(frozen=True)
class Figures:
    prompts: int  # check-in prompt mails
    prompts_within_pace: int  # prompts with another program mail to the same person within pace_days
    expectations_due: int  # pairs whose two weeks came inside the simulation
    expectations_lost: int  # … and never got the expectations check
    milestones_due: int
    milestones_lost: int
    double_prompts: int  # one person sent two prompt mails for one period
    mails_within_pace: int  # program mails (prompts or rules') sent within pace_days after another to that person


def _people() -> tuple[str, str]:
    participants = ["email,name,role,skills,goals,timezone,capacity"]
    pairs = ["mentor_email,mentee_email,status,started_at"]
    mentors = [f"mentor{i:02d}@example.org" for i in range(16)]
    for i, address in enumerate(mentors):
        participants.append(f"{address},Mentor {i:02d},mentor,leading teams,,Europe/London,2")
    for j in range(24):
        mentee = f"mentee{j:02d}@example.org"
        participants.append(f"{mentee},Mentee {j:02d},mentee,,growing,Europe/London,")
        mentor = mentors[j % 16]  # mentees 16..23 go to mentors 0..7: their second mentee
        started = (FIRST_PAIR + j * PAIR_EVERY).date().isoformat()
        pairs.append(f"{mentor},{mentee},active,{started}")
    return "\n".join(participants) + "\n", "\n".join(pairs) + "\n"


def simulate(folder: Path, root: Path = ROOT) -> Figures:
    from assistant.app import App
    from assistant.clock import FixedClock, iso
    from assistant.config import load_config
    from assistant.coordinator.importer import import_pairs, import_participants
    from assistant.db import open_db
    from assistant.mail.replies import reply
    from assistant.transport.maildir import deliver

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(CONFIG.format(root=root), encoding="utf-8")
    participants, pairs = _people()
    (folder / "participants.csv").write_text(participants, encoding="utf-8")
    (folder / "pairs.csv").write_text(pairs, encoding="utf-8")
    config = load_config(folder / "config.yaml")
    clock = FixedClock(START - timedelta(days=20))
    db = open_db(config.database)
    import_participants(db, folder / "participants.csv", iso(clock.now()))
    import_pairs(db, folder / "pairs.csv", iso(clock.now()))
    app = App(config, clock, db)
    answered: set[int] = set()
    moment = START
    while moment <= END:
        clock.set(moment)
        _mentees_answer(db, config, moment, answered, reply, deliver)
        app.run_once()
        moment += timedelta(days=1)
    figures = _figures(db, config.limits.pace_days)
    db.close()
    return figures


def _mentees_answer(db, config, now: datetime, answered: set[int], reply, deliver) -> None:  # type: ignore[no-untyped-def]
    """Each mentee answers each prompt about a day after it was queued."""
    from assistant.clock import iso

    due = db.execute(
        "SELECT o.id, o.raw, o.to_addr FROM outbox o WHERE o.template = 'checkin_prompt' AND o.to_addr LIKE 'mentee%'"
        " AND o.created_at <= ?",
        [iso(now - timedelta(hours=20))],
    ).fetchall()
    for row_id, raw, to_addr in due:
        if row_id in answered:
            continue
        answered.add(row_id)
        name = to_addr.split("@")[0].replace("mentee", "Mentee ")
        deliver(config.inbox.path, reply(raw, (name, to_addr), ANSWER, "gmail", now - timedelta(minutes=30)))


def _figures(db, pace_days: int) -> Figures:  # type: ignore[no-untyped-def]
    mail = db.execute(
        "SELECT to_addr, created_at, template, dedupe_key FROM outbox"
        " WHERE (dedupe_key LIKE 'rule:%' OR template = 'checkin_prompt') AND to_addr NOT LIKE 'grace@%'"
    ).fetchall()
    by_person: dict[str, list[tuple[datetime, str, str]]] = {}
    for to_addr, created, template, key in mail:
        for address in (a.strip() for a in to_addr.split(",")):
            by_person.setdefault(address, []).append((datetime.fromisoformat(created), template, key))
    pace = timedelta(days=pace_days)
    prompts = within = 0
    for items in by_person.values():
        for when, template, key in items:
            if template != "checkin_prompt":
                continue
            prompts += 1
            others = [w for w, t, k in items if k != key and t != "checkin_prompt"]
            within += any(abs(w - when) < pace for w in others)
    close = 0
    for items in by_person.values():
        times = sorted({w for w, _, _ in items})
        close += sum(1 for a, b in itertools.pairwise(times) if b - a < pace)
    double = db.execute(
        "SELECT count(*) FROM (SELECT c.participant_id, c.period FROM checkins c JOIN outbox o"
        " ON o.message_id = c.prompt_message_id GROUP BY c.participant_id, c.period HAVING count(DISTINCT o.id) > 1)"
    ).fetchone()[0]
    lost = {}
    for rule, days in (("expectations-check", 14), ("milestone-3-months", 90)):
        due = [
            pid
            for pid, started in db.execute("SELECT id, started_at FROM pairings")
            if datetime.fromisoformat(started) + timedelta(days=days) <= END - timedelta(days=14)
        ]
        fired = {int(e.split(":")[1]) for (e,) in db.execute("SELECT entity FROM firings WHERE rule = ?", [rule])}
        lost[rule] = (len(due), len([p for p in due if p not in fired]))
    return Figures(prompts, within, *lost["expectations-check"], *lost["milestone-3-months"], double, close)


if __name__ == "__main__":
    import tempfile

    root = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else ROOT
    sys.path.insert(0, str(root))
    with tempfile.TemporaryDirectory() as tmp:
        print(simulate(Path(tmp), root))
