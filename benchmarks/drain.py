"""Draining the outbox over SMTP to a local aiosmtpd (STARTTLS + AUTH, as in the tests), against a raw smtplib loop.

  raw     smtplib: one connection, STARTTLS, AUTH, N x sendmail of the same messages          (msg/s)
  send    SmtpOutbound.send in a loop, no database (the transport's own cost)                  (msg/s)
  drain   N queued outbox rows through SmtpOutbound (queued -> sending -> sent, one connection) (msg/s)
  ratio   drain / raw (the issue's target: >= 0.8)

Usage: python benchmarks/drain.py [N]     (default 10000)
"""

from __future__ import annotations

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

from assistant.clock import FixedClock  # noqa: E402
from assistant.config import load_config  # noqa: E402
from assistant.db import open_db  # noqa: E402
from assistant.outbox import Outbox  # noqa: E402
from assistant.render import Renderer  # noqa: E402
from assistant.transport.smtp import SmtpOutbound  # noqa: E402
from tests.servers import PASSWORD, SMTP_ENV, at, make_cert, smtp_settings, start_smtpd, write_program  # noqa: E402


def message(i: int) -> bytes:
    body = ("Thank you, we recorded your answers for December.\r\n") * 50
    return (
        f"From: Ada <mentoring@example.org>\r\nTo: p{i % 500}@example.org\r\nSubject: Your check-in {i}\r\n"
        f"Message-ID: <drain-{i}@example.org>\r\nAuto-Submitted: auto-generated\r\n\r\n{body}"
    ).encode()


def main(n: int) -> None:
    os.environ[SMTP_ENV] = PASSWORD
    folder = Path(tempfile.mkdtemp(prefix="mentor-bench-drain-"))
    cert, key = make_cert(folder)
    server = start_smtpd(cert, key)
    try:
        messages = [message(i) for i in range(n)]
        smtp = smtplib.SMTP(server.host, server.port)
        smtp.starttls(context=ssl.create_default_context(cafile=str(cert)))
        smtp.login("ada", PASSWORD)
        start = time.perf_counter()
        for i, raw in enumerate(messages):
            smtp.sendmail("mentoring@example.org", [f"p{i % 500}@example.org"], raw)
        raw_rate = n / (time.perf_counter() - start)
        smtp.quit()
        print(f"raw smtplib, one connection, STARTTLS + AUTH: {raw_rate:,.0f} msg/s ({len(messages[0])} bytes each)")

        settings = smtp_settings(server, per_recipient_per_day=10_000)
        config = load_config(write_program(folder, {"type": "maildir", "path": "./inbox"}, settings))
        db = open_db(config.database)
        clock = FixedClock(at("2026-12-02T10:00"))
        with db.atomic():
            for i, raw in enumerate(messages):
                db.execute(
                    "INSERT INTO outbox (dedupe_key, to_addr, subject, message_id, template, raw, created_at)"
                    " VALUES (?, ?, ?, ?, 'checkin_reply', ?, '2026-12-02T10:00:00+00:00')",
                    (f"bench:{i}", f"p{i % 500}@example.org", f"Your check-in {i}", f"<drain-{i}@example.org>", raw),
                )
        alone = SmtpOutbound(config.outbound)
        start = time.perf_counter()
        for i, raw in enumerate(messages):
            alone.send(raw, "mentoring@example.org", [f"p{i % 500}@example.org"])
        alone_rate = n / (time.perf_counter() - start)
        alone.close()
        print(f"SmtpOutbound.send alone (no outbox): {alone_rate:,.0f} msg/s = {alone_rate / raw_rate:.2f} x raw")
        outbox = Outbox(db, config, Renderer(config.templates), clock)
        sender = SmtpOutbound(config.outbound)
        start = time.perf_counter()
        result = outbox.drain(sender)
        elapsed = time.perf_counter() - start
        sender.close()
        assert result.sent == n, result
        drain_rate = n / elapsed
        print(
            f"outbox drain through SmtpOutbound: {drain_rate:,.0f} msg/s = {drain_rate / raw_rate:.2f} x raw"
            " (target >= 0.8)"
        )
        print(f"server received {len(server.recorder.received)} messages")
    finally:
        server.controller.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
