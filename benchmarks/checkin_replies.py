"""How fast a whole check-in cycle runs on the embedded default (Maildir + SQLite), end to end.

Builds a program of N pairs in a temporary folder, then measures:
  prompts   the cycle day: check-in rows, tokens, rendered mail, outbox   (prompts/s)
  drain     the outbox into the outbound Maildir                         (messages/s)
  replies   2N replies in mixed client styles: ingest, parse, classify,
            read answers, record, confirm                                 (replies/s)
  tick      a rules tick over all 2N check-ins when nothing is due        (ms)

Usage: python benchmarks/checkin_replies.py [PAIRS]   (default 500 pairs = 1,000 participants)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.app import App, CycleReport  # noqa: E402
from assistant.clock import FixedClock, iso  # noqa: E402
from assistant.config import load_config  # noqa: E402
from assistant.db import open_db  # noqa: E402
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


def main(pairs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="mentoring-bench-"))
    (folder / "config.yaml").write_text(CONFIG.format(root=ROOT))
    config = load_config(folder / "config.yaml")
    clock = FixedClock(datetime.fromisoformat("2026-12-01T09:00:00+00:00"))
    db = open_db(config.database)
    now = iso(clock.now())
    with db.atomic():
        for i in range(pairs):
            for role in ("mentor", "mentee"):
                db["participants"].insert(
                    {
                        "email": f"{role}{i}@example.org",
                        "name": f"{role.title()} {i}",
                        "role": role,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
            db["pairings"].insert(
                {"mentor_id": 2 * i + 1, "mentee_id": 2 * i + 2, "started_at": now, "created_at": now}
            )
    app = App(config, clock, db)
    n = 2 * pairs

    started = time.perf_counter()
    app.tick(CycleReport())
    prompts = time.perf_counter() - started
    started = time.perf_counter()
    app.drain(CycleReport())
    drain = time.perf_counter() - started

    raws = []
    for i, row in enumerate(db.query("SELECT raw, to_addr FROM outbox ORDER BY id")):
        style, text, inline = STYLES[i % len(STYLES)]
        raws.append(reply(row["raw"], ("Someone", row["to_addr"]), text, style, inline=inline))
    for raw in raws:
        deliver(config.inbox.path, raw)
    clock.set(datetime.fromisoformat("2026-12-02T09:00:00+00:00"))
    report = CycleReport()
    started = time.perf_counter()
    app.poll(report)
    replies = time.perf_counter() - started
    recorded = report.outcomes.get("recorded", 0)

    started = time.perf_counter()
    app.tick(CycleReport())
    tick = time.perf_counter() - started

    print(f"program: {pairs} pairs, {n} participants ({folder})")
    print(f"prompts:  {n / prompts:8.0f} prompts/s   ({n} in {prompts:.2f} s)")
    print(f"drain:    {n / drain:8.0f} messages/s  ({n} in {drain:.2f} s)")
    print(f"replies:  {n / replies:8.0f} replies/s   ({n} in {replies:.2f} s; {recorded} recorded)")
    print(f"tick:     {tick * 1000:8.1f} ms with {n} check-ins and nothing due")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
