"""IMAP ingest, end to end, against a private Dovecot on loopback (the same one the tests start).

Seeds N realistic check-in replies (MULTIAPPEND), then measures in one run:
  raw       imapclient FETCH BODY.PEEK[] of all of them in batches of 200 (the ceiling: bytes off the wire)
  ingest    fetch, store in the ledger, MOVE to Processed, checkpoint                  (msg/s)
  process   parse, classify, record answers, queue confirmations                       (msg/s)
  end2end   ingest + process, and its ratio to raw (the issue's target: >= 0.25)
  memory    peak RSS of this process
  idle      APPEND by another client -> answer recorded, median of K (Dovecot itself waits ~0.5 s)

Usage: python benchmarks/ingest.py [N] [K]     (default N=10000, K=10; needs dovecot-imapd installed)
"""

from __future__ import annotations

import os
import resource
import shutil
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from imapclient import IMAPClient  # noqa: E402

from assistant.app import CycleReport  # noqa: E402
from assistant.inbound.ledger import ingest  # noqa: E402
from assistant.inbound.pipeline import process_pending  # noqa: E402
from tests.servers import IMAP_ENV, PASSWORD, MailProgram, _dovecot_binary, start_dovecot  # noqa: E402

ANSWERS = [
    ("gmail", "1. yes\n2. twice\n3. negotiation practice\n4. 4"),
    ("outlook", "Met: yes\nMeetings: 1\nTopics: her first board deck\nRating: 5"),
    ("iphone", "Yes, twice - we worked on my promotion case. I'd say 4/5."),
    ("html_only", "1. no\n4. 3"),
]
PEOPLE = [
    ("Maya Patel", "maya.patel@example.org"),
    ("Dana Okafor", "dana.okafor@example.org"),
    ("Helen Cho", "helen.cho@example.org"),
    ("Jo Nguyen", "jo.nguyen@example.org"),
    ("Priya Raman", "priya.raman@example.org"),
    ("Lena Fischer", "lena.fischer@example.org"),
    ("Sofia Marquez", "sofia.marquez@example.org"),
    ("Kim Larsen", "kim.larsen@example.org"),
]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(n: int, k: int) -> None:
    binary = _dovecot_binary()
    if binary is None:
        raise SystemExit("Dovecot is not installed (apt-get install dovecot-imapd)")
    os.environ[IMAP_ENV] = PASSWORD
    server = start_dovecot(binary)
    folder = Path(tempfile.mkdtemp(prefix="mentor-bench-ingest-"))
    try:
        user = server.user()
        program = MailProgram(folder, user)
        program.run("2026-12-01T09:05")  # the prompts the replies answer
        replies = []
        for i in range(n):
            style, text = ANSWERS[i % len(ANSWERS)]
            who = PEOPLE[i % len(PEOPLE)]
            replies.append(program.reply_to_prompt(who, text, style, message_id=f"<bench-{i}@example.net>"))
        size = sum(map(len, replies)) / n
        start = time.perf_counter()
        for i in range(0, n, 500):
            user.append(*replies[i : i + 500])
        print(f"seeded {n} replies of {size:,.0f} bytes on average in {time.perf_counter() - start:.1f} s")
        base_rss = rss_mb()

        client = IMAPClient(
            "127.0.0.1", server.tls_port, ssl_context=ssl.create_default_context(cafile=str(server.cert))
        )
        client.login(user.name, user.password)
        client.select_folder("INBOX")  # the same IMAPS connection the inbox uses
        start = time.perf_counter()
        uids = client.search("ALL")
        for i in range(0, len(uids), 200):
            client.fetch(uids[i : i + 200], [b"BODY.PEEK[]"])
        raw = n / (time.perf_counter() - start)
        client.logout()
        print(f"raw FETCH BODY.PEEK[] (imapclient over IMAPS, batches of 200): {raw:,.0f} msg/s")

        app = program.app("2026-12-02T10:00")
        start = time.perf_counter()
        stored = ingest(app.db, app.inbox, app.clock, app.config.limits)
        t_ingest = time.perf_counter() - start
        start = time.perf_counter()
        outcomes = process_pending(app.db, app.config, app.forms, app.outbox, app.clock)
        t_process = time.perf_counter() - start
        total = n / (t_ingest + t_process)
        print(f"ingest (fetch, ledger, MOVE, checkpoint): {stored / t_ingest:,.0f} msg/s")
        print(f"process (parse, classify, record, queue): {n / t_process:,.0f} msg/s  outcomes: {dict(outcomes)}")
        print(f"end to end: {total:,.0f} msg/s = {total / raw:.2f} x raw FETCH (target >= 0.25)")
        print(f"peak RSS {rss_mb():.0f} MB (before ingest {base_rss:.0f} MB; replies held in memory by this script)")

        latencies = []
        other = user.client()
        late = program.reply_to_prompt(PEOPLE[0], "1. yes\n2. 3\n3. pricing\n4. 5")
        for i in range(k):
            while app.inbox.wait(0.2):  # settle: drain anything pending, then sit in IDLE
                app.poll(CycleReport())
            before = app.db.execute("SELECT count(*) FROM messages").fetchone()[0]
            start = time.perf_counter()
            other.append("INBOX", late.replace(b"Message-ID: ", f"Message-ID: <late-{i}@x>\r\nX-Old-Id: ".encode(), 1))
            while not app.inbox.wait(2.0):
                pass
            app.poll(CycleReport())
            assert app.db.execute("SELECT count(*) FROM messages").fetchone()[0] == before + 1
            latencies.append(time.perf_counter() - start)
        other.logout()
        app.close()
        print(
            f"IDLE: APPEND by another client -> answer recorded, median of {k}: {statistics.median(latencies):.3f} s"
            f" (min {min(latencies):.3f}, max {max(latencies):.3f}); Dovecot's own delay is ~0.5 s"
        )
    finally:
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000, int(sys.argv[2]) if len(sys.argv) > 2 else 10)
