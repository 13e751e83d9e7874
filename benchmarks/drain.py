"""Draining the outbox over SMTP to a local aiosmtpd (STARTTLS + AUTH, as in the tests), beside a raw smtplib loop.

Each round sends the same N messages three ways, one after the other, to the same aiosmtpd:
  raw     smtplib: one connection, STARTTLS, AUTH, N x sendmail                                  (msg/s)
  send    SmtpOutbound.send in a loop, no database (the transport's own cost)                    (msg/s)
  drain   N queued outbox rows through Outbox.drain: cap check, `sending` mark (fsynced), send,
          `sent` mark, one connection                                                           (msg/s)
and prints each as the median of the rounds with its spread (min-max), and its ratio to raw (target for the
drain: >= 0.8).

Usage: python benchmarks/drain.py [N] [--rounds R]     (default N=10000, R=5)
"""

from __future__ import annotations

import argparse
import os
import shutil
import smtplib
import ssl
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _rounds import beside, spread  # noqa: E402
from sqlite_utils import Database  # noqa: E402

from assistant.clock import FixedClock  # noqa: E402
from assistant.config import Config, SmtpConfig, load_config  # noqa: E402
from assistant.db import open_db  # noqa: E402
from assistant.outbox import Outbox  # noqa: E402
from assistant.render import Renderer  # noqa: E402
from assistant.transport.smtp import SmtpOutbound  # noqa: E402
from tests.servers import (  # noqa: E402
    PASSWORD,
    SMTP_ENV,
    SmtpServer,
    at,
    make_cert,
    smtp_settings,
    start_smtpd,
    write_program,
)

SENDER = "mentoring@example.org"


def recipient(i: int) -> str:
    return f"p{i % 500}@example.org"


def message(i: int) -> bytes:
    body = ("Thank you, we recorded your answers for December.\r\n") * 50
    return (
        f"From: Ada <{SENDER}>\r\nTo: {recipient(i)}\r\nSubject: Your check-in {i}\r\n"
        f"Message-ID: <drain-{i}@example.org>\r\nAuto-Submitted: auto-generated\r\n\r\n{body}"
    ).encode()


def raw_smtplib(server: SmtpServer, messages: list[bytes]) -> float:
    smtp = smtplib.SMTP(server.host, server.port)
    smtp.starttls(context=ssl.create_default_context(cafile=str(server.cert)))
    smtp.login("ada", PASSWORD)
    start = time.perf_counter()
    for i, raw in enumerate(messages):
        smtp.sendmail(SENDER, [recipient(i)], raw)
    rate = len(messages) / (time.perf_counter() - start)
    smtp.quit()
    return rate


def transport_alone(config: SmtpConfig, messages: list[bytes]) -> float:
    sender = SmtpOutbound(config)
    start = time.perf_counter()
    for i, raw in enumerate(messages):
        sender.send(raw, SENDER, [recipient(i)])
    rate = len(messages) / (time.perf_counter() - start)
    sender.close()
    return rate


def queue(db: Database, messages: list[bytes], round_no: int) -> None:
    with db.atomic():
        for i, raw in enumerate(messages):
            db.execute(
                "INSERT INTO outbox (dedupe_key, to_addr, subject, message_id, template, raw, created_at)"
                " VALUES (?, ?, ?, ?, 'checkin_reply', ?, '2026-12-02T10:00:00+00:00')",
                (
                    f"bench:{round_no}:{i}",
                    recipient(i),
                    f"Your check-in {i}",
                    f"<drain-{round_no}-{i}@example.org>",
                    raw,
                ),
            )


def outbox_drain(outbox: Outbox, config: Config, n: int) -> float:
    assert isinstance(config.outbound, SmtpConfig)
    sender = SmtpOutbound(config.outbound)
    start = time.perf_counter()
    result = outbox.drain(sender)
    elapsed = time.perf_counter() - start
    sender.close()
    assert result.sent == n, result
    return n / elapsed


def main(n: int, rounds: int) -> None:
    os.environ[SMTP_ENV] = PASSWORD
    folder = Path(tempfile.mkdtemp(prefix="mentor-bench-drain-"))
    cert, key = make_cert(folder)
    server = start_smtpd(cert, key)
    try:
        messages = [message(i) for i in range(n)]
        settings = smtp_settings(server, per_recipient_per_day=10_000)
        config = load_config(write_program(folder, {"type": "maildir", "path": "./inbox"}, settings))
        assert isinstance(config.outbound, SmtpConfig)
        db = open_db(config.database)
        outbox = Outbox(db, config, Renderer(config.templates), FixedClock(at("2026-12-02T10:00")))
        print(f"{n} messages of {len(messages[0])} bytes, {rounds} rounds")
        raw, send, drained = [], [], []
        for round_no in range(rounds):
            raw.append(raw_smtplib(server, messages))
            send.append(transport_alone(config.outbound, messages))
            queue(db, messages, round_no)
            drained.append(outbox_drain(outbox, config, n))
            assert len(server.recorder.received) == 3 * n, len(server.recorder.received)
            server.recorder.received.clear()
            print(f"  round {round_no + 1}: raw {raw[-1]:,.0f}, send {send[-1]:,.0f}, drain {drained[-1]:,.0f} msg/s")
        print(f"raw smtplib, one connection, STARTTLS + AUTH: {spread(raw)}")
        print(beside("SmtpOutbound.send alone (no outbox)", send, raw))
        print(beside("outbox drain through SmtpOutbound", drained, raw, ">= 0.8"))
    finally:
        server.controller.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", nargs="?", type=int, default=10_000, help="messages per round (default 10000)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, at least 3 (default 5)")
    args = parser.parse_args()
    if args.rounds < 3:
        parser.error("--rounds: at least 3, so a median means something")
    main(args.n, args.rounds)
