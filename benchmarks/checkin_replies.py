"""How fast a whole check-in cycle runs on the embedded default (Maildir + SQLite), and where a reply's time goes.

Builds a program of N pairs in a temporary folder, then measures:
  prompts   the cycle day: check-in rows, tokens, rendered mail, outbox   (prompts/s, wall clock)
  drain     the outbox into the outbound Maildir                         (messages/s, wall clock)
  replies   2N replies in mixed client styles, already in the ledger: `App.poll` parses, classifies, reads the
            answers, records them and queues the confirmation (50 replies a commit); and the same replies each in a
            poll of its own, as IDLE announces a reply that comes alone (two commits each). CPU per reply
            (time.process_time), the median of several rounds on fresh copies of the same database, with its
            spread (min-max), beside the CPU of a bare `email.message_from_bytes(raw,
            policy=email.policy.default)` of the same replies, rounds interleaved so a busy machine weighs on all
            alike
  stages    one more round under cProfile: where the time goes, stage by stage, and the SQL each reply costs
  tick      a rules tick over all 2N check-ins when nothing is due        (ms)

Usage: python benchmarks/checkin_replies.py [PAIRS] [ROUNDS]   (default 500 pairs = 1,000 participants, 5 rounds)
"""

from __future__ import annotations

import cProfile
import dataclasses
import email
import email.policy
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlite_utils import Database

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app import App, CycleReport  # noqa: E402
from assistant.clock import FixedClock, iso  # noqa: E402
from assistant.config import Config, load_config  # noqa: E402
from assistant.db import open_db  # noqa: E402
from assistant.inbound.ledger import ingest  # noqa: E402
from assistant.inbound.pipeline import process_one  # noqa: E402
from assistant.mail.replies import reply  # noqa: E402
from assistant.transport.maildir import deliver  # noqa: E402

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
"""
STYLES = [
    ("gmail", "1. yes\n2. twice\n3. negotiation practice\n4. 4", {}),
    ("outlook", "Met: yes\nMeetings: 1\nTopics: her first board deck\nRating: 5", {}),
    ("apple_inline", "", {1: "Yes", 2: "3", 3: "Hiring plan", 4: "4"}),
    ("iphone", "Yes, twice — we worked on my promotion case. I'd say 4/5.", {}),
    ("html_only", "1. no\n4. 3", {}),
]
CYCLE_DAY = datetime.fromisoformat("2026-12-01T09:00:00+00:00")
NEXT_DAY = datetime.fromisoformat("2026-12-02T09:00:00+00:00")
STARTED = "2026-10-01T09:00:00+00:00"

# (label, depth, functions whose cumulative time is the stage's): a stage that a refactor renamed shows "n/a".
STAGES: list[tuple[str, int, list[tuple[str, str]]]] = [
    ("App.poll", 0, [("assistant/app.py", "poll")]),
    ("parse (parse_message)", 1, [("assistant/mail/message.py", "parse_message")]),
    ("HTML to text (lxml)", 2, [("assistant/mail/message.py", "html_to_text")]),
    ("look up (before the chain)", 1, [("assistant/program/lookup.py", "look_up")]),
    ("robot checks", 2, [("assistant/mail/automatic.py", "robot_reason")]),
    ("classify (the chain)", 1, [("assistant/inbound/outcomes.py", "classify")]),
    ("what she newly wrote (new_text)", 2, [("assistant/mail/reply_text.py", "new_text")]),
    ("handle", 1, [("assistant/inbound/pipeline.py", "handle")]),
    ("read answers", 2, [("assistant/forms/answers.py", "read_answers")]),
    ("confirmation (enqueue)", 2, [("assistant/outbox/enqueue.py", "enqueue")]),
    ("render", 3, [("assistant/render.py", "render")]),
    ("compose", 3, [("assistant/mail/compose.py", "compose")]),
    ("as_bytes", 3, [("email/message.py", "as_bytes"), ("assistant/mail/compose.py", "as_bytes")]),
    ("ledger update (_done)", 1, [("assistant/inbound/pipeline.py", "_done")]),
    ("a batch's commit (50 replies a commit)", 1, [("assistant/inbound/pipeline.py", "_commit")]),
    ("reading lines (reply_text, all stages)", 1, [("assistant/mail/reply_text.py", "_classify")]),
    (
        "SQL (sqlite3, all stages)",
        1,
        [
            ("~", "<method 'execute' of 'sqlite3.Connection' objects>"),
            ("~", "<method 'execute' of 'sqlite3.Cursor' objects>"),
        ],
    ),
    (
        "sqlite-utils metadata (all stages)",
        1,
        [
            ("sqlite_utils/db.py", "table_names"),
            ("sqlite_utils/db.py", "view_names"),
            ("sqlite_utils/db.py", "columns"),
        ],
    ),
]


def main(pairs: int, rounds: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="mentoring-bench-"))
    config, app, figures = build(folder, pairs)
    raws = queue_replies(app, config)
    snapshot = ledger_snapshot(app, config, folder, figures)
    n = len(raws)
    print(f"program: {pairs} pairs, {2 * pairs} participants ({folder})")
    print(f"prompts:  {figures['prompts']:8.0f} prompts/s   (wall clock)")
    print(f"drain:    {figures['drain']:8.0f} messages/s  (wall clock)")
    print(
        f"ingest:   {1000 * figures['ingest'] / n:8.2f} ms CPU per reply (Maildir into the ledger; not counted below)"
    )
    compare(config, snapshot, raws, rounds)
    stages(config, snapshot, n)
    started = time.perf_counter()
    app.tick(CycleReport())
    print(f"\ntick:     {(time.perf_counter() - started) * 1000:8.1f} ms with {n} check-ins and nothing due")


def build(folder: Path, pairs: int) -> tuple[Config, App, dict[str, float]]:
    """The program, its cycle day (prompts) and the drain of the prompts."""
    (folder / "config.yaml").write_text(CONFIG.format(root=ROOT))
    config = load_config(folder / "config.yaml")
    clock = FixedClock(CYCLE_DAY)
    db = open_db(config.database)
    now = iso(clock.now())
    with db.atomic():
        for i in range(pairs):
            for role in ("mentor", "mentee"):
                person = {"email": f"{role}{i}@example.org", "name": f"{role.title()} {i}", "role": role}
                db["participants"].insert({**person, "created_at": now, "updated_at": now})
            # Paired since October: the 1 December prompt asks them about November.
            pairing = {"mentor_id": 2 * i + 1, "mentee_id": 2 * i + 2, "started_at": STARTED, "created_at": now}
            db["pairings"].insert(pairing)
    app = App(config, clock, db)
    started = time.perf_counter()
    app.tick(CycleReport())
    prompts = 2 * pairs / (time.perf_counter() - started)
    started = time.perf_counter()
    app.drain(CycleReport())
    drain = 2 * pairs / (time.perf_counter() - started)
    return config, app, {"prompts": prompts, "drain": drain}


def queue_replies(app: App, config: Config) -> list[bytes]:
    """One reply per prompt, in turn from each client style, delivered to the inbox."""
    raws = []
    rows = app.db.query("SELECT raw, to_addr FROM outbox WHERE template = 'checkin_prompt' ORDER BY id")
    for i, row in enumerate(rows):
        style, text, inline = STYLES[i % len(STYLES)]
        raws.append(reply(row["raw"], ("Someone", row["to_addr"]), text, style, inline=inline))
    for raw in raws:
        deliver(config.inbox.path, raw)
    return raws


def ledger_snapshot(app: App, config: Config, folder: Path, figures: dict[str, float]) -> Path:
    """Ingest the replies into the ledger once, and keep a copy of the database: each round starts from it."""
    app.clock.set(NEXT_DAY)  # type: ignore[attr-defined]
    started = time.process_time()
    ingest(app.db, app.inbox, app.clock, config.limits)
    figures["ingest"] = time.process_time() - started
    app.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    snapshot = folder / "ledger-snapshot.db"
    shutil.copyfile(config.database, snapshot)
    return snapshot


def fresh_app(config: Config, snapshot: Path, name: str) -> App:
    """An App on a copy of the snapshot: every reply in the ledger, none processed; the inbox is empty."""
    path = snapshot.with_name(f"{name}.db")
    shutil.copyfile(snapshot, path)
    return App(dataclasses.replace(config, database=path), FixedClock(NEXT_DAY), open_db(path))


def compare(config: Config, snapshot: Path, raws: list[bytes], rounds: int) -> None:
    ours: list[float] = []
    bare: list[float] = []
    alone: list[float] = []
    outcomes: Counter[str] = Counter()
    for n in range(rounds):
        bare.append(cpu(lambda: [email.message_from_bytes(raw, policy=email.policy.default) for raw in raws]))
        app = fresh_app(config, snapshot, f"round-{n}")
        report = CycleReport()
        ours.append(cpu(lambda app=app, report=report: app.poll(report)))
        outcomes = report.outcomes
        app.close()
        app = fresh_app(config, snapshot, f"alone-{n}")
        alone.append(cpu(lambda app=app: one_by_one(app)))
        app.close()
    per_ours = [1000 * t / len(raws) for t in ours]
    per_bare = [1000 * t / len(raws) for t in bare]
    print(f"\nreplies: {len(raws)} in the ledger, App.poll, {rounds} rounds; CPU per reply (time.process_time)")
    print(f"  ours       {spread(per_ours)}   outcomes: {dict(outcomes)}")
    print(f"  bare parse {spread(per_bare)}   email.message_from_bytes(raw, policy=email.policy.default)")
    print(
        f"  alone      {spread([1000 * t / len(raws) for t in alone])}   each in a poll of its own (a reply IDLE"
        " announces alone): its attempt's commit and its own, no batch"
    )
    ratio = statistics.median(per_ours) / statistics.median(per_bare)
    # The minimums too: on a busy machine a neighbour only ever adds time, so the fastest round of each is the
    # least disturbed (timeit's advice), and their ratio moves least from run to run.
    print(
        f"  ratio      {ratio:.1f} times the bare parse (medians), {min(per_ours) / min(per_bare):.1f} (minimums);"
        f" {len(raws) / statistics.median(ours):,.0f} replies/s"
    )


def one_by_one(app: App) -> None:
    """Every reply handled as a poll with only that reply in it would: `process_one`, two commits each."""
    ids = [row[0] for row in app.db.execute("SELECT id FROM messages WHERE status = 'received' ORDER BY id")]
    for ledger_id in ids:
        process_one(app.db, app.config, app.forms, app.outbox, app.clock, ledger_id)


def cpu(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):6.3f} ms  (min {min(values):.3f} - max {max(values):.3f})"


def stages(config: Config, snapshot: Path, n: int) -> None:
    """One more round under cProfile, broken down by stage; then one that counts the SQL statements it sends."""
    app = fresh_app(config, snapshot, "profiled")
    profile = cProfile.Profile()
    profile.enable()
    app.poll(CycleReport())
    profile.disable()
    app.close()
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    print("\nwhere a reply's time goes (one round under cProfile, which inflates Python more than C: read the share)")
    print_stages({(file, name): ct for (file, _, name), (_, _, _, ct, _) in stats.items()}, n)
    print("  own time, top 10 functions:")
    for (file, line, name), (_, _, own, _, _) in sorted(stats.items(), key=lambda kv: -kv[1][2])[:10]:
        where = f"{Path(file).parent.name}/{Path(file).name}:{line}" if file != "~" else ""
        print(f"    {1000 * own / n:7.3f} ms  {name[:60]} {where}")
    app = fresh_app(config, snapshot, "counted")
    statements = count_statements(app.db)
    app.poll(CycleReport())
    app.close()
    print(
        f"  SQL statements per reply: {sum(statements.values()) / n:.1f}: {statements['other'] / n:.1f} queries and"
        f" writes, {statements['transaction'] / n:.1f} savepoints and commits, {statements['metadata'] / n:.1f}"
        " sqlite-utils metadata reads (PRAGMA table_info, sqlite_master)"
    )


def print_stages(cumulative: dict[tuple[str, str], float], n: int) -> None:
    total = _stage_time(cumulative, STAGES[0][2]) or 1e-9
    print(f"  {'stage':<40}{'ms/reply':>10}{'share':>8}")
    for label, depth, functions in STAGES:
        seconds = _stage_time(cumulative, functions)
        name = "  " * depth + label
        if seconds is None:
            print(f"  {name:<40}{'n/a':>10}")
        else:
            print(f"  {name:<40}{1000 * seconds / n:>10.3f}{100 * seconds / total:>7.0f}%")


def _stage_time(cumulative: dict[tuple[str, str], float], functions: list[tuple[str, str]]) -> float | None:
    found = [
        t for (file, name), t in cumulative.items() for suffix, fn in functions if name == fn and file.endswith(suffix)
    ]
    return sum(found) if found else None


def count_statements(db: Database) -> Counter[str]:
    statements: Counter[str] = Counter()

    def trace(sql: str) -> None:
        text = sql.lstrip().lower()
        if text.startswith("pragma table_info") or "sqlite_master" in text:
            statements["metadata"] += 1
        elif text.startswith(("savepoint", "release", "begin", "commit", "rollback")):
            statements["transaction"] += 1
        elif not text.startswith("--"):  # "-- TRIGGER name": a trigger's own statements, not ours
            statements["other"] += 1

    db.conn.set_trace_callback(trace)
    return statements


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500, int(sys.argv[2]) if len(sys.argv) > 2 else 5)
