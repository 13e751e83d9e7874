"""One tick of the default rules on a large synthetic program: is candidate selection in SQL fast enough?

Builds (once per size, cached in a temp folder) a program of N pairings with 6 months of check-ins for each side:
2N participants, 12N check-ins (1.2 million at N = 100,000), most answered, meetings reported recently, and the
current month's check-ins sent a day ago — a program in a steady state, where little is due. Then times:
  plan   selecting candidates, loading their facts and evaluating every rule   (what the tick costs each minute)
  tick   the same plus carrying out what is due (firings, mail rendered into the outbox)
Target (issue 4): plan under 1 s at 100,000 pairings on one core, growing linearly.

Usage: python benchmarks/rules_tick.py [N ...]     (default: 10000 100000)
"""

from __future__ import annotations

import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app import App, tick  # noqa: E402
from assistant.clock import FixedClock, iso  # noqa: E402
from assistant.config import load_config  # noqa: E402
from assistant.db import open_db  # noqa: E402
from assistant.program.followup import plan  # noqa: E402

NOW = datetime.fromisoformat("2027-12-02T10:00:00+00:00")
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


def build(folder: Path, pairs: int) -> None:
    (folder / "config.yaml").write_text(CONFIG.format(root=ROOT))
    open_db(folder / "program.db").close()
    conn = sqlite3.connect(folder / "program.db")
    conn.execute("PRAGMA synchronous=OFF")
    rng = random.Random(7)
    created = iso(NOW - timedelta(days=400))
    conn.executemany(
        "INSERT INTO participants (id, email, name, role, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        (
            (i, f"p{i}@example.org", f"Person {i}", "mentor" if i % 2 else "mentee", created, created)
            for i in range(1, 2 * pairs + 1)
        ),
    )
    pairings, checkins, answers = [], [], []
    checkin_id = 0
    for p in range(1, pairs + 1):
        started = NOW - timedelta(days=rng.randint(30, 360))
        pairings.append(
            (p, 2 * p - 1, 2 * p, "active", iso(started), iso(NOW - timedelta(days=rng.randint(1, 30))), created)
        )
        for month, who in ((m, w) for m in range(6) for w in (2 * p - 1, 2 * p)):
            sent = NOW - timedelta(days=1 + 30 * month)
            checkin_id += 1
            answered = month > 0 or rng.random() < 0.5
            checkins.append(
                (
                    checkin_id,
                    p,
                    who,
                    f"{sent:%Y-%m}",
                    "answered" if answered else "awaiting",
                    iso(sent),
                    iso(sent + timedelta(days=2)) if answered else None,
                )
            )
            if answered:
                answers += [
                    (checkin_id, "met", "yes", iso(sent)),
                    (checkin_id, "rating", str(rng.randint(3, 4)), iso(sent)),
                ]
    conn.executemany(
        "INSERT INTO pairings (id, mentor_id, mentee_id, status, started_at, last_met_at, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        pairings,
    )
    conn.executemany(
        "INSERT INTO checkins (id, pairing_id, participant_id, period, status, sent_at, answered_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        checkins,
    )
    conn.executemany("INSERT INTO answers (checkin_id, question, value, recorded_at) VALUES (?, ?, ?, ?)", answers)
    conn.commit()
    conn.execute("ANALYZE")
    conn.close()


def measure(pairs: int) -> None:
    folder = Path(tempfile.gettempdir()) / f"mentoring-rules-bench-{pairs}"
    if not (folder / "program.db").exists():
        folder.mkdir(exist_ok=True)
        started = time.perf_counter()
        build(folder, pairs)
        print(f"built {pairs} pairings in {time.perf_counter() - started:.1f} s ({folder})")
    app = App(load_config(folder / "config.yaml"), FixedClock(NOW))
    checkins = app.db.execute("SELECT count(*) FROM checkins").fetchone()[0]
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        intents = plan(app.db, app.config, app.form, app.rules, NOW)
        timings.append(time.perf_counter() - started)
    started = time.perf_counter()
    counts = tick(app.db, app.config, app.form, app.rules, app.outbox, NOW)  # changes the cached program once
    elapsed = time.perf_counter() - started
    by_rule = Counter(i.rule.name for i in intents)
    print(
        f"{pairs:>7} pairings, {checkins:>9} check-ins: plan {min(timings) * 1000:7.0f} ms"
        f" ({len(intents)} intents); tick with mail {elapsed * 1000:7.0f} ms ({counts['rule_mails']} mails)"
    )
    print("         due now:", ", ".join(f"{name} {n}" for name, n in by_rule.most_common()))
    started = time.perf_counter()
    again = plan(app.db, app.config, app.form, app.rules, NOW)
    print(f"         the next tick's plan: {(time.perf_counter() - started) * 1000:.0f} ms ({len(again)} intents)")
    app.close()


if __name__ == "__main__":
    for size in [int(a) for a in sys.argv[1:]] or [10_000, 100_000]:
        measure(size)
