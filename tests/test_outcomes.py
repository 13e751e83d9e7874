"""The outcome registry: every outcome declared once, with a check, a handler (or kept for review by design) and
existing reply templates; checks decide from the lookup alone; a check-in reply costs a bounded number of SQL
statements."""

from __future__ import annotations

import ast
import re

from assistant.app import CycleReport
from assistant.inbound.outcomes import OUTCOMES, classify
from assistant.mail.message import parse_message
from assistant.mail.replies import reply
from assistant.program.context import Inbound
from assistant.program.lookup import look_up
from assistant.render import Renderer
from tests.conftest import ROOT, Program

TEMPLATES = set(Renderer(ROOT / "templates").names())
# Kept for a person to review, with no handler and no reply, on purpose: nobody to answer (no_sender), or answering
# could leak someone else's check-in to whoever forwarded it (sender_mismatch).
KEPT_SILENTLY = {"no_sender", "sender_mismatch"}
MAYA = ("Maya Patel", "maya.patel@example.org")


def test_every_outcome_is_declared_once_and_handled() -> None:
    names = [o.name for o in OUTCOMES]
    assert len(names) == len(set(names))
    for outcome in OUTCOMES:
        handled = outcome.handler is not None or outcome.reply is not None or outcome.name in KEPT_SILENTLY
        assert handled, f"{outcome.name} has neither a handler nor a reply"
    assert OUTCOMES[0].name == "automatic", "robots are recognised before anything could answer them"
    assert OUTCOMES[-1].name == "unknown_sender", "the last check claims everything left"


def test_every_reply_template_exists() -> None:
    missing = [o.reply for o in OUTCOMES if o.reply and o.reply not in TEMPLATES]
    assert not missing


def test_every_template_the_code_names_exists() -> None:
    named = set()
    for path in (ROOT / "assistant").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "template" and isinstance(node.value, ast.Constant):
                named.add((str(path.relative_to(ROOT)), node.value.value))
    assert named, "no template names found: the test no longer reads the code"
    missing = [f"{path}: {name}" for path, name in named if name not in TEMPLATES]
    assert not missing, missing


def _inbound(program: Program, raw: bytes) -> Inbound:
    msg = parse_message(raw)
    app = program.app
    look = look_up(msg, program.db, program.config)
    return Inbound(0, msg, program.db, program.config, app.forms, app.outbox, program.clock.now(), look)


def _statements(program: Program) -> list[str]:
    seen: list[str] = []
    program.db.conn.set_trace_callback(seen.append)
    return seen


def test_checks_decide_from_the_lookup_without_touching_the_database(program: Program) -> None:
    program.run("2026-12-01T09:05")
    prompt = program.last_to(MAYA[1], "checkin_prompt")
    for raw in (
        reply(prompt, MAYA, "1. yes\n2. twice\n3. my promotion\n4. 4"),
        reply(prompt, ("Someone Else", "else@example.org"), "1. yes"),
        reply(prompt, MAYA, "stop"),
    ):
        inbound = _inbound(program, raw)
        seen = _statements(program)
        classify(inbound)
        program.db.conn.set_trace_callback(None)
        assert seen == [], f"checks ran SQL: {seen}"


def test_a_check_in_reply_costs_a_bounded_number_of_statements(program: Program) -> None:
    program.run("2026-12-01T09:05")
    prompt = program.last_to(MAYA[1], "checkin_prompt")
    program.deliver(reply(prompt, MAYA, "1. yes\n2. twice\n3. my promotion case\n4. 4"))
    seen = _statements(program)
    program.app.poll(CycleReport())
    program.db.conn.set_trace_callback(None)
    sent = [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]]  # a trigger's work repeats its statement
    statements = [s for s in sent if not re.match(r"\s*(BEGIN|COMMIT|SAVEPOINT|RELEASE|PRAGMA)", s, re.I)]
    per_poll = [s for s in statements if re.match(r"\s*INSERT INTO jobs", s)]  # what the poll did: once a poll
    assert len(per_poll) == 1
    statements = [s for s in statements if s not in per_poll]
    assert program.answers(MAYA[1])["met"] == "yes"
    # Ingest (1), the page of pending ids (2), the attempt (1), the look-up (3: the token with its owner's row, who
    # is the sender, the thread, the check-in), the stored answers (1), four answers (1), their provenance (2:
    # earlier answers marked replaced, these recorded), the pairing and the check-in (2), the event (1), the
    # confirmation queued (5: its key with the day's count to that address, the suppression list with the language
    # she reads, whose token goes in List-Unsubscribe, the row, the count), the ledger row (1).
    assert len(statements) <= 20, "\n".join(statements)
