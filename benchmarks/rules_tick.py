"""The scheduled tick at scale: the rules' plan and the whole tick, with the weekly digest due, and its memory.

Builds (once per size, cached in the temp folder) a synthetic program of N pairings with eight months of history:
2N paired participants and about 1.5% more waiting for a match, about 12N check-ins (1.2 million at N = 100,000) with
their answers, reply tokens, the inbound ledger and the last two cycles' prompts in the outbox, introductions
under way (with wish lists), a few quarantined messages and bounced addresses. About 10% of the pairs have not met
for over 45 days, and 30% of this cycle's check-ins are unanswered. A fifth of the pairs run in one of three cohorts,
60% of the people gave a birthday, a fifth read in another language, and a mentee in a hundred reported a milestone
in a check-in (one in two hundred a sponsorship). The program is then settled: a tick a day before the
measured moment carries out everything already due (60,000 reminders at N = 100,000), as a running program would
have. The measured moment is a Monday at 10:00, 12 days into the December cycle, with the default config: the
digest (Mondays from 08:00) is due, and the rules find a minute's worth of work (the program was settled by a
tick a day before and another a minute before).

Each round runs in a fresh process on a fresh copy of the settled program, and measures:
  plan     the rules' plan (candidates in SQL, facts, evaluation, pacing), nothing written
  tick     the whole tick as `run` does it: check-in cycle, rules carried out, introductions, the digest queued
           (figures, chart, one mail), retention. Its parts are timed too. The first tick of a process also imports
           Pillow (for the chart) and compiles the templates; `warm` is the same tick again in that process, the
           digest due once more, as in a service that has sent a digest before.
  cycle    the check-in cycle alone on a tick of its catch-up week (the week after the cycle day), every prompt
           already sent: what each tick of that week pays on top
  peak     the process's peak resident set size (VmHWM; getrusage ru_maxrss where there is none) at the end of
           the round, interpreter and imports included; `base` is the same figure just before the program is opened.
  report   `mentor-assistant report` (every list in full) in its own fresh process: figures and the text.
Each figure is the median of the rounds, with the lowest and highest in brackets. Times are wall-clock; the plan
and the ticks also give their CPU time (user and system), which a busy machine inflates less. Each copy is written
back to disk (sync) before its round starts, so a round does not also time the disk writing a 2 GB copy.

Usage: python benchmarks/rules_tick.py [--rounds R] [N ...]     (default: 1000 10000 100000, 3 rounds)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.clock import FixedClock, iso  # noqa: E402

BUILD = 10  # bump when the synthetic program changes: cached programs of another build are rebuilt
NOW = datetime.fromisoformat("2027-12-13T10:00:00+00:00")  # a Monday: the default digest moment has come
CATCH_UP = datetime.fromisoformat("2027-12-02T10:00:00+00:00")  # in the cycle's catch-up week, every prompt sent
CYCLES = [f"2027-{m:02d}" for m in range(12, 4, -1)]  # this cycle first; each sent on the 1st at 09:00
CONFIG = """\
program_name: Benchmark Program
assistant: {{name: Ada, address: mentoring@example.org}}
coordinators: [{{name: Grace Hopper, email: grace@example.org}}]
timezone: UTC
database: ./program.db
inbox: {{type: maildir, path: ./inbox}}
outbound: {{type: maildir, path: ./sent}}
templates: {root}/templates
rules: {root}/rules
checkins: {{asks_about: current_month}}  # the synthetic program names each cycle by the month it was sent in
cohorts:  # a fifth of the pairs run in one of these; the rest on their own
  - {{name: spring-2027, start: 2027-03-01, end: 2027-08-31}}
  - {{name: autumn-2027, start: 2027-09-01, end: 2028-02-29, checkins: every 2 months}}
  - {{name: winter-2027, start: 2027-11-15, end: 2028-05-15}}
"""
COHORTS = ("spring-2027", "autumn-2027", "winter-2027")
LANGUAGES = (None, "es", "fr", "de", "pt_BR")
SKILLS = [
    "public speaking",
    "leading teams",
    "product strategy",
    "negotiating promotions",
    "hiring",
    "career change",
    "data science",
    "fundraising",
    "board governance",
    "engineering management",
    "marketing",
    "finance",
    "sales leadership",
    "operations",
    "design research",
    "writing",
    "public policy",
    "clinical research",
    "litigation",
    "supply chains",
]
INDUSTRIES = ("tech", "law", "medicine", "finance", "education", "government", "retail", "media", "")
TOPICS = ("career plan", "a difficult conversation", "promotion case", "first 90 days", "")
HELP = ("Could we talk about my manager?", "I would like a second mentor on hiring", "no", "none", "n/a")


# --- the synthetic program ---------------------------------------------------------------------------------------


def cached(pairs: int) -> Path:
    """The settled program of this size, built on first use."""
    folder = Path(tempfile.gettempdir()) / f"mentoring-tick-bench-{BUILD}-{pairs}"
    if not (folder / "settled").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        started = time.perf_counter()
        build(folder, pairs)
        built = time.perf_counter() - started
        settle(folder, NOW - timedelta(days=1))
        settle(folder, NOW - timedelta(minutes=1))
        print(f"built {pairs} pairings in {built:.0f} s, settled in {time.perf_counter() - started - built:.0f} s")
        (folder / "settled").write_text(_rules_hash())
    from assistant.db import open_db

    (folder / "config.yaml").write_text(CONFIG.format(root=ROOT))  # this checkout's templates and rules
    open_db(folder / "program.db").close()  # the current code's migrations, applied once here and not in a round
    if (folder / "settled").read_text() != _rules_hash():
        # Rules added or changed since the program was settled would all fire in the measured tick, as they would
        # once when a running program's rules are edited: settled again, so the tick measures a running program.
        settle(folder, NOW - timedelta(minutes=1))
        (folder / "settled").write_text(_rules_hash())
    return folder


def _rules_hash() -> str:
    """What the program was settled with: this checkout's rules."""
    import hashlib

    digest = hashlib.sha256()
    for path in sorted((ROOT / "rules").glob("*.yaml")):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build(folder: Path, pairs: int) -> None:
    from assistant.db import open_db

    (folder / "config.yaml").write_text(CONFIG.format(root=ROOT))
    open_db(folder / "program.db").close()
    conn = sqlite3.connect(folder / "program.db")
    conn.execute("PRAGMA synchronous=OFF")
    rng = random.Random(7)
    people = _participants(rng, pairs)
    _insert(conn, "participants", people)
    pairings = _pairings(rng, pairs, people)
    _insert(conn, "pairings", pairings)
    _history(conn, rng, pairings, {p["id"]: p for p in people})
    _introductions(conn, rng, pairs, people)
    _quarantined(conn, pairs)
    conn.commit()
    conn.close()


def _insert(conn: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    for columns in {tuple(r) for r in rows}:
        marks = ", ".join("?" * len(columns))
        part = [tuple(r.values()) for r in rows if tuple(r) == columns]
        conn.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", part)


def _ago(rng: random.Random, low: int, high: int) -> datetime:
    """Between `low` and `high` days before NOW, at any second of the day (so thresholds cross one by one, as in a
    real program, not all at the same minute)."""
    return NOW - timedelta(days=rng.randint(low, high), seconds=rng.randint(0, 86_399))


def _participants(rng: random.Random, pairs: int) -> list[dict[str, Any]]:
    """Mentors have odd ids and mentees even ones up to 2N; then mentees and mentors waiting for a match."""
    waiting_mentees, waiting_mentors = max(5, pairs // 100), max(3, pairs // 200)
    people = []
    for i in range(1, 2 * pairs + waiting_mentees + waiting_mentors + 1):
        mentor = i % 2 == 1 if i <= 2 * pairs else i > 2 * pairs + waiting_mentees
        joined = iso(_ago(rng, 20 if i > 2 * pairs else 370, 400))
        status = rng.choices(("active", "paused", "left"), (0.987, 0.01, 0.003))[0]
        people.append(
            {
                "id": i,
                "email": f"p{i}@example.org",
                "name": f"Person {i}",
                "role": "mentor" if mentor else "mentee",
                "status": status,
                "paused_until": iso(_ago(rng, -30, 3)) if status == "paused" else None,
                "skills": ", ".join(rng.sample(SKILLS, 3)) if mentor else "",
                "goals": "" if mentor else f"get better at {' and '.join(rng.sample(SKILLS, 2))}",
                "industry": rng.choice(INDUSTRIES),
                # One paired mentor in fifty has room for a second mentee; waiting mentors have room by definition.
                "capacity": 2 if mentor and (i % 100 == 1 or i > 2 * pairs) else None,
                "bounced_at": iso(_ago(rng, 1, 60)) if rng.random() < 0.005 else None,
                # Most give a birthday (29 February too); one in five reads in another language.
                "birthday": f"{rng.randint(1, 12):02d}-{rng.randint(1, 29):02d}" if rng.random() < 0.6 else None,
                "language": rng.choices(LANGUAGES, (0.8, 0.08, 0.06, 0.03, 0.03))[0],
                "created_at": joined,
                "updated_at": joined,
            }
        )
    return people


def _pairings(rng: random.Random, pairs: int, people: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for p in range(1, pairs + 1):
        started = _ago(rng, 30, 420)
        kind = rng.random()
        met = _ago(rng, 1, 40) if kind < 0.85 else _ago(rng, 46, 120)
        status = rng.choices(("active", "paused", "closed"), (0.97, 0.01, 0.02))[0]
        cohort = rng.choice(COHORTS) if rng.random() < 0.2 else None
        ended = status == "closed"
        rows.append(
            {
                "id": p,
                "mentor_id": 2 * p - 1,
                "mentee_id": 2 * p,
                "status": status,
                "started_at": iso(started),
                "ended_at": iso(_ago(rng, 1, 25)) if ended else None,
                "last_met_at": iso(met) if kind < 0.95 and met > started else None,
                "close_reason": rng.choice(("completed", "goals_met", "no_time", "moved_on")) if ended else None,
                "cohort": cohort,
                "created_at": iso(started),
            }
        )
    return rows


def _history(
    conn: sqlite3.Connection, rng: random.Random, pairings: list[dict[str, Any]], people: dict[int, dict[str, Any]]
) -> None:
    """Eight monthly cycles, oldest first: check-ins, tokens, answers, the inbound ledger, the last two cycles'
    prompts. Rows are written in time order, as a running program writes them (which pages a query reads depends
    on it: this cycle's check-ins and answers sit together at the end of their tables)."""
    rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in HISTORY}
    checkin_id = 0
    for number in reversed(range(len(CYCLES))):
        sent = datetime.fromisoformat(f"{CYCLES[number]}-01T09:00:00+00:00")
        for pairing in pairings:
            if iso(sent) < pairing["started_at"] or (pairing["ended_at"] and iso(sent) > pairing["ended_at"]):
                continue
            for who in (pairing["mentor_id"], pairing["mentee_id"]):
                checkin_id += 1
                _checkin(rows, rng, checkin_id, pairing["id"], people[who], number, sent)
        rows["answers"].sort(key=lambda row: row[3])  # recorded_at
        rows["messages"].sort(key=lambda row: row[2])  # received_at
        _flush(conn, rows)


def _checkin(
    rows: dict[str, list[tuple[Any, ...]]],
    rng: random.Random,
    checkin_id: int,
    pairing_id: int,
    person: dict[str, Any],
    number: int,
    sent: datetime,
) -> None:
    period, who = CYCLES[number], person["id"]
    answered = rng.random() < (0.7 if number == 0 else 0.85) and person["status"] == "active"
    status = "answered" if answered else "skipped" if person["status"] != "active" else "awaiting"
    at = sent + timedelta(minutes=rng.randint(12 * 60, 140 * 60), seconds=rng.randint(0, 59))
    rows["checkins"].append((checkin_id, pairing_id, who, period, status, iso(sent), iso(at) if answered else None))
    rows["reply_tokens"].append((f"t{checkin_id:012d}", who, "checkin", checkin_id, iso(sent)))
    if number < 2:
        key = f"checkin:{pairing_id}:{who}:{period}:prompt"
        rows["outbox"].append(
            (key, person["email"], f"<q{checkin_id}@example.org>", f"checkin:{checkin_id}", iso(sent))
        )
    if answered:
        rows["answers"] += _answers(rng, checkin_id, iso(at))
        if who % 2 == 0 and rng.random() < 0.01:  # a mentee's news: a talk given, a promotion
            kind = rng.choice(("promotion", "talk", "new_job"))
            rows["milestones"].append((who, pairing_id, checkin_id, kind, f"I got a {kind}", iso(at)))
        if who % 2 == 0 and rng.random() < 0.005:  # her mentor recommended her for something
            what = rng.choice(("a conference panel", "the leadership course", "a board seat"))
            rows["sponsorships"].append((who - 1, who, pairing_id, what, f"{what}#{checkin_id}", period, iso(at)))
        kept = b"x" * 300 if at > NOW - timedelta(days=180) else None
        rows["messages"].append((f"<r{checkin_id}@mail.example.org>", person["email"], iso(at), kept))


HISTORY = {
    "checkins": "INSERT INTO checkins (id, pairing_id, participant_id, period, status, sent_at, answered_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)",
    "reply_tokens": "INSERT INTO reply_tokens (token, participant_id, purpose, entity_id, created_at)"
    " VALUES (?, ?, ?, ?, ?)",
    "answers": "INSERT INTO answers (checkin_id, question, value, recorded_at, message_id) VALUES (?, ?, ?, ?, ?)",
    "messages": "INSERT INTO messages (message_id, from_addr, subject, received_at, status, outcome, raw,"
    " processed_at) VALUES (?, ?, 'Re: your check-in', ?3, 'processed', 'checkin_reply', ?4, ?3)",
    "milestones": "INSERT INTO milestones (participant_id, pairing_id, checkin_id, kind, sentence, found_at)"
    " VALUES (?, ?, ?, ?, ?, ?)",
    "sponsorships": "INSERT INTO sponsorships (sponsor_id, protege_id, pairing_id, what, what_key, period,"
    " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    "outbox": "INSERT INTO outbox (dedupe_key, to_addr, subject, message_id, template, entity, raw, status,"
    " created_at, sent_at) VALUES (?, ?, 'Your monthly check-in', ?, 'checkin_prompt', ?, X'00', 'sent', ?5, ?5)",
}


def _flush(conn: sqlite3.Connection, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    for name, sql in HISTORY.items():
        conn.executemany(sql, rows[name])
        rows[name].clear()


def _answers(rng: random.Random, checkin_id: int, at: str) -> list[tuple[Any, ...]]:
    message = f"<r{checkin_id}@mail.example.org>"
    met = rng.random() < 0.8
    rows = [(checkin_id, "met", "yes" if met else "no", at, message)]
    if met:
        rows.append((checkin_id, "meetings", str(rng.randint(1, 4)), at, message))
    rows.append((checkin_id, "rating", str(rng.choices((1, 2, 3, 4, 5), (1, 2, 12, 40, 45))[0]), at, message))
    if topic := rng.choice(TOPICS):
        rows.append((checkin_id, "topics", topic, at, message))
    if rng.random() < 0.02:
        rows.append((checkin_id, "help", rng.choice(HELP), at, message))
    return rows


def _introductions(conn: sqlite3.Connection, rng: random.Random, pairs: int, people: list[dict[str, Any]]) -> None:
    """Introductions under way for some waiting mentees (three mentors on each list), and a few that stalled."""
    mentees = [p["id"] for p in people if p["id"] > 2 * pairs and p["role"] == "mentee"]
    mentors = [2 * p - 1 for p in range(1, pairs + 1) if (2 * p - 1) % 100 == 1]
    for number, mentee in enumerate(mentees[: max(2, pairs // 500)]):
        created = _ago(rng, 1, 30)
        status = "declined_by_all" if number % 4 == 3 else "asking"
        intro = conn.execute(
            "INSERT INTO introductions (mentee_id, coordinator, status, created_at, updated_at)"
            " VALUES (?, 'grace@example.org', ?, ?, ?)",
            (mentee, status, iso(created), iso(created + timedelta(days=1))),
        ).lastrowid
        for position, mentor in enumerate(rng.sample(mentors, 2), start=1):  # her wish list: two mentors by name
            conn.execute(
                "INSERT INTO wishlist (mentee_id, position, wrote, mentor_id, created_at) VALUES (?, ?, ?, ?, ?)",
                (mentee, position, f"Person {mentor}", mentor, iso(created)),
            )
        for position, mentor in enumerate(rng.sample(mentors, 3), start=1):
            state = "declined" if status != "asking" else "asked" if position == 1 else "waiting"
            asked = iso(_ago(rng, 0, 12)) if state != "waiting" else None
            conn.execute(
                "INSERT INTO intro_asks (introduction_id, mentor_id, position, status, asked_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (intro, mentor, position, state, asked),
            )


def _quarantined(conn: sqlite3.Connection, pairs: int) -> None:
    for i in range(max(2, pairs // 5000)):
        conn.execute(
            "INSERT INTO messages (message_id, from_addr, subject, received_at, status, error, attempts, raw)"
            " VALUES (?, ?, 'Hello', ?, 'quarantined', 'ValueError: cannot parse', 3, X'00')",
            (f"<bad{i}@example.net>", f"someone{i}@example.net", iso(NOW - timedelta(days=i % 20))),
        )


def settle(folder: Path, moment: datetime) -> None:
    """A tick at this moment, without the digest: what was due then has been done, as in a running program."""
    from assistant.app import App, tick
    from assistant.config import DigestConfig, load_config

    app = App(load_config(folder / "config.yaml"), FixedClock(moment))
    config = replace(app.config, digest=DigestConfig(enabled=False))
    counts = tick(app.db, config, app.form, app.rules, app.outbox, moment)
    print(f"  settling at {iso(moment)}: {counts['rule_mails']} mails for {counts['intents']} intents")
    app.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    app.close()


# --- one round, in a fresh process -------------------------------------------------------------------------------


def _rss_mb() -> float:
    """The process's peak resident set size. VmHWM where there is one: ru_maxrss survives exec, so a round started
    by a parent that had just built a large program would report the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _timed(parts: dict[str, float], name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def round_tick(folder: Path) -> dict[str, Any]:
    """Plan; the whole tick, with its parts timed (the first in this process: Pillow is imported and the
    templates compiled on the way); the same tick again with the digest due once more, as in a service that has
    drawn a digest before; the peak RSS of this process."""
    import assistant.app as app_module
    from assistant.config import load_config
    from assistant.program.followup import plan

    base = _rss_mb()
    app = app_module.App(load_config(folder / "config.yaml"), FixedClock(NOW))
    started, cpu = time.perf_counter(), time.process_time()
    intents = plan(app.db, app.config, app.form, app.rules, NOW)
    planned, planned_cpu = time.perf_counter() - started, time.process_time() - cpu
    parts: dict[str, float] = {}
    for name in ("run_cycle", "schedule", "apply", "send_digest_if_due", "purge_raw"):
        setattr(app_module, name, _timed(parts, name, getattr(app_module, name)))
    result = {"plan": planned, "plan_cpu": planned_cpu, "intents": len(intents), "base": base}
    for label in ("tick", "warm"):
        started, cpu = time.perf_counter(), time.process_time()
        counts = app_module.tick(app.db, app.config, app.form, app.rules, app.outbox, NOW)
        result[label], result[f"{label}_cpu"] = time.perf_counter() - started, time.process_time() - cpu
        assert counts["digests"] == 1, "the digest was not due"
        result.setdefault("counts", counts)
        result.setdefault("parts", dict(parts))
        app.db.execute("DELETE FROM outbox WHERE template = 'digest'")  # due again for the warm tick
    started = time.perf_counter()
    assert app_module.run_cycle(app.db, app.config, app.form, app.outbox, CATCH_UP) == 0
    result["cycle_week"] = time.perf_counter() - started
    app.close()
    return {**result, "peak": _rss_mb()}


def round_report(folder: Path) -> dict[str, Any]:
    """`report` as the command line runs it: every list in full, rendered as text."""
    from assistant.cli import build_parser, coordinator
    from assistant.config import load_config

    base = _rss_mb()
    args = build_parser().parse_args(["report"])  # the command line's own defaults, whatever options it grows
    started = time.perf_counter()
    with open("/dev/null", "w") as sink, _stdout(sink):
        coordinator.run(args, load_config(folder / "config.yaml"), FixedClock(NOW))
    return {"report": time.perf_counter() - started, "base": base, "peak": _rss_mb()}


class _stdout:
    def __init__(self, stream: Any):
        self.stream, self.saved = stream, sys.stdout

    def __enter__(self) -> None:
        sys.stdout = self.stream

    def __exit__(self, *exc: object) -> None:
        sys.stdout = self.saved


def in_fresh_process(kind: str, folder: Path) -> dict[str, Any]:
    """A copy of the settled program, and one round on it in a new interpreter (so peak RSS is this round's)."""
    work = Path(tempfile.mkdtemp(prefix="mentoring-tick-round-"))
    try:
        shutil.copy(folder / "config.yaml", work)
        shutil.copy(folder / "program.db", work)
        os.sync()  # the copy written back before the round: its timing is the tick's, not the disk's
        out = subprocess.run(
            [sys.executable, __file__, "--round", kind, str(work)], capture_output=True, text=True, check=True
        )
        return json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)


# --- the figures -------------------------------------------------------------------------------------------------


def spread(values: list[float], unit: str = "ms", scale: float = 1000) -> str:
    shown = [v * scale for v in values]
    low, mid, high = min(shown), statistics.median(shown), max(shown)
    return f"{mid:6.0f} {unit} [{low:.0f}-{high:.0f}]" if len(values) > 1 else f"{mid:6.0f} {unit}"


def cpu(runs: list[dict[str, Any]], name: str) -> str:
    """The CPU time (user and system) of that part, as `spread` writes it: on a busy machine, the wall clock also
    counts the time the process waited for a core."""
    return spread([r[f"{name}_cpu"] for r in runs]).strip()


def measure(pairs: int, rounds: int) -> None:
    folder = cached(pairs)
    db = sqlite3.connect(folder / "program.db")
    checkins = db.execute("SELECT count(*) FROM checkins").fetchone()[0]
    db.close()
    runs = [in_fresh_process("tick", folder) for _ in range(rounds)]
    first = runs[0]
    print(f"{pairs:>7} pairings, {checkins:>9} check-ins ({rounds} rounds, fresh process and copy each):")
    print(f"    plan   {spread([r['plan'] for r in runs])}   CPU {cpu(runs, 'plan')}   ({first['intents']} intents)")
    print(
        f"    tick   {spread([r['tick'] for r in runs])}   CPU {cpu(runs, 'tick')}"
        f"   ({first['counts']['rule_mails']} rule mails, {first['counts']['digests']} digest)"
    )
    names = {"run_cycle": "cycle", "schedule": "plan", "apply": "apply", "send_digest_if_due": "digest",
             "purge_raw": "retention"}  # fmt: skip
    parts = ", ".join(
        f"{label} {statistics.median(r['parts'].get(n, 0) for r in runs) * 1000:.0f}" for n, label in names.items()
    )
    print(f"           of which (medians, ms): {parts}")
    print(
        f"    warm   {spread([r['warm'] for r in runs])}   CPU {cpu(runs, 'warm')}"
        "   (the same tick again in that process, digest due again)"
    )
    print(f"    cycle  {spread([r['cycle_week'] for r in runs])}   (the check-in cycle on a tick of its catch-up week)")
    print(
        f"    peak   {spread([r['peak'] for r in runs], 'MB', 1)}   RSS (ru_maxrss of the round's process;"
        f" {statistics.median(r['base'] for r in runs):.0f} MB before the program is opened)"
    )
    reports = [in_fresh_process("report", folder) for _ in range(rounds)]
    print(
        f"    report {spread([r['report'] for r in reports])}   (every list in full; peak"
        f" {statistics.median(r['peak'] for r in reports):.0f} MB)"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--round", nargs=2, metavar=("KIND", "FOLDER"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.round:
        kind, folder = args.round
        result = (round_tick if kind == "tick" else round_report)(Path(folder))
        print(json.dumps(result))
        return
    for size in args.sizes:
        measure(size, args.rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
