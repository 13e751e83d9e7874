"""IMAP ingest, end to end, against a private Dovecot on loopback (the same one the tests start).

Each round seeds N realistic check-in replies (MULTIAPPEND) into a fresh mailbox, then measures on it:
  raw       imapclient FETCH BODY.PEEK[] of all of them in batches of 200 (the ceiling: bytes off the wire)
  ingest    fetch, store in the ledger, MOVE to Processed, checkpoint                  (msg/s)
  process   parse, classify, record answers, queue confirmations                       (msg/s)
  end2end   ingest + process
Each is printed as the median of the rounds with its spread (min-max), and ingest and end2end with their ratio to
raw (the issue's target for end2end: >= 0.25). Then, once:
  memory    peak RSS of this process
  idle      APPEND by another client -> answer recorded, median of K (Dovecot itself waits ~0.5 s)

Usage: python benchmarks/ingest.py [N] [K] [--rounds R]     (default N=10000, K=10, R=3; needs dovecot-imapd)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import ssl
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _rounds import beside, spread  # noqa: E402
from imapclient import IMAPClient  # noqa: E402

from assistant.app import App, CycleReport  # noqa: E402
from assistant.inbound.ledger import ingest  # noqa: E402
from assistant.inbound.pipeline import process_pending  # noqa: E402
from tests.servers import IMAP_ENV, PASSWORD, Dovecot, MailProgram, MailUser, _dovecot_binary, start_dovecot  # noqa: E402

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


@dataclass
class Round:
    raw: float
    ingest: float
    process: float
    end2end: float
    app: App
    program: MailProgram


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def seed(program: MailProgram, user: MailUser, n: int) -> None:
    replies = []
    for i in range(n):
        style, text = ANSWERS[i % len(ANSWERS)]
        replies.append(program.reply_to_prompt(PEOPLE[i % len(PEOPLE)], text, style, message_id=f"<bench-{i}@x.net>"))
    for i in range(0, n, 500):
        user.append(*replies[i : i + 500])


def raw_fetch(server: Dovecot, user: MailUser, n: int) -> float:
    """The same IMAPS connection the inbox uses, reading every message once."""
    client = IMAPClient("127.0.0.1", server.tls_port, ssl_context=ssl.create_default_context(cafile=str(server.cert)))
    client.login(user.name, user.password)
    client.select_folder("INBOX")
    start = time.perf_counter()
    uids = client.search("ALL")
    for i in range(0, len(uids), 200):
        client.fetch(uids[i : i + 200], [b"BODY.PEEK[]"])
    rate = n / (time.perf_counter() - start)
    client.logout()
    return rate


def one_round(server: Dovecot, folder: Path, n: int) -> Round:
    user = server.user()
    program = MailProgram(folder, user)
    program.run("2026-12-01T09:05")  # the prompts the replies answer
    seed(program, user, n)
    raw = raw_fetch(server, user, n)
    app = program.app("2026-12-02T10:00")
    start = time.perf_counter()
    stored = ingest(app.db, app.inbox, app.clock, app.config.limits)
    t_ingest = time.perf_counter() - start
    start = time.perf_counter()
    outcomes = process_pending(app.db, app.config, app.forms, app.outbox, app.clock)
    t_process = time.perf_counter() - start
    assert stored == n and sum(outcomes.values()) == n, (stored, outcomes)
    return Round(raw, n / t_ingest, n / t_process, n / (t_ingest + t_process), app, program)


def idle_latency(app: App, program: MailProgram, k: int) -> list[float]:
    """APPEND by another client until the reply is in the ledger, through IDLE, k times."""
    latencies = []
    other = program.user.client()
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
    return latencies


def main(n: int, k: int, rounds: int) -> None:
    binary = _dovecot_binary()
    if binary is None:
        raise SystemExit("Dovecot is not installed (apt-get install dovecot-imapd)")
    os.environ[IMAP_ENV] = PASSWORD
    server = start_dovecot(binary)
    folder = Path(tempfile.mkdtemp(prefix="mentor-bench-ingest-"))
    done: list[Round] = []
    try:
        print(f"{n} replies a round, {rounds} rounds, each in a fresh mailbox and database")
        for round_no in range(rounds):
            if done:
                done[-1].app.close()
            (folder / str(round_no)).mkdir()
            done.append(one_round(server, folder / str(round_no), n))
            r = done[-1]
            print(f"  round {round_no + 1}: raw {r.raw:,.0f}, ingest {r.ingest:,.0f}, process {r.process:,.0f} msg/s")
        raw = [r.raw for r in done]
        print(f"raw FETCH BODY.PEEK[] (imapclient over IMAPS, batches of 200): {spread(raw)}")
        print(beside("ingest (fetch, ledger, MOVE, checkpoint)", [r.ingest for r in done], raw))
        print(f"process (parse, classify, record, queue): {spread([r.process for r in done])}")
        print(beside("end to end", [r.end2end for r in done], raw, ">= 0.25"))
        print(f"peak RSS {rss_mb():.0f} MB (the replies of a round are held in memory by this script)")
        latencies = idle_latency(done[-1].app, done[-1].program, k)
        print(
            f"IDLE: APPEND by another client -> answer recorded, median of {k}: {statistics.median(latencies):.3f} s"
            f" (min {min(latencies):.3f}, max {max(latencies):.3f}); Dovecot's own delay is ~0.5 s"
        )
    finally:
        if done:
            done[-1].app.close()
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000, help="replies per round (default 10000)")
    parser.add_argument("k", nargs="?", type=int, default=10, help="IDLE latency samples (default 10)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds, at least 3 (default 3)")
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds: at least 3, so a median means something")
    main(args.n, args.k, args.rounds)
