"""`mentor-assistant browse`: Datasette on the program database, read-only, with the tables explained.

The descriptions below are the one place the data is described for browsing: `metadata()` turns them into
Datasette metadata (table and column descriptions, canned queries). Datasette is an optional extra
(`pip install 'mentorship-assistant[browse]'`); without it, `browse` says how to install it.

Read-only: Datasette opens a database file like this one with SQLite's `mode=ro` and offers no way to write to it
(no write plugins are installed). `--immutable` is deliberately not used: it would ignore changes still in the
write-ahead log, so a running assistant's latest answers would not show.
"""

from __future__ import annotations

import importlib.util
import json
import signal
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from assistant.coordinator.policy import Policy
from assistant.engine.conditions import number
from assistant.engine.schema import Compare

INSTALL = "pip install 'mentorship-assistant[browse]'   (or: pip install datasette)"

# table → (what one row is, {column: meaning}); the README's "The data" says the same for people reading it.
TABLES: dict[str, tuple[str, dict[str, str]]] = {
    "participants": (
        "One row per person in the program.",
        {
            "id": "participant id",
            "email": "address, lower case (unique)",
            "name": "name as imported or given",
            "role": "mentor, mentee or both",
            "status": "pending (joining by email), active, paused or left",
            "paused_until": "when a pause ends (UTC), if paused with a date",
            "skills": "what a mentor offers (used for match suggestions)",
            "goals": "what a mentee wants to work on (used for match suggestions)",
            "industry": "the person's industry or field (an 'outside the box' suggestion comes from another)",
            "timezone": "IANA time zone, for quiet hours",
            "capacity": "how many mentees a mentor takes at once",
            "language": "the language her mail is written in (a catalog's code: es, fr, pt_BR); empty: the program's",
            "mentored_by": "the lineage: who mentored her before she became a mentor (participants.id)",
            "became_mentor_at": "when she said yes to paying it forward (UTC)",
            "invited_to_mentor_at": "when pay it forward invited her to mentor (UTC): once per person, ever",
            "bounced_at": "when mail to this address last bounced (UTC)",
            "birthday": "MM-DD, month and day only (a year is never stored); empty when not given",
            "mentees_now": "her pairings in hand (proposed, active or paused) as mentor; kept by triggers",
            "mentors_now": "her pairings in hand (proposed, active or paused) as mentee; kept by triggers",
            "created_at": "when the person was added (UTC)",
            "updated_at": "last change (UTC)",
        },
    ),
    "pairings": (
        "One row per mentor-mentee pair.",
        {
            "id": "pairing id",
            "mentor_id": "the mentor (participants.id)",
            "mentee_id": "the mentee (participants.id)",
            "status": "proposed, active, paused or closed",
            "started_at": "when the pairing started (UTC)",
            "ended_at": "when it was closed (UTC)",
            "last_met_at": "the last check-in answer saying they met (UTC)",
            "created_at": "when the row was created (UTC)",
            "close_reason": "why it ended: completed, goals_met, no_time, not_a_good_match, moved_on, left_program or"
            " other (empty: closed before reasons were kept); while it runs, what its closing survey said",
            "close_note": "the words the reason was read from (a survey answer, a `close … reason`, the sheet)",
            "close_reason_by": "whose reason it is: mentee, mentor, coordinator, sheet, rule or leaving",
            "cohort": "the cohort it runs in (cohorts.name); empty: it runs on its own from its start",
        },
    ),
    "cohorts": (
        "The config's cohorts (`cohorts:`), mirrored at every tick: the calendar cohort pairs run on.",
        {
            "name": "the cohort's name, as the config spells it",
            "starts_at": "its start day, 00:00 program time (UTC)",
            "midpoint_at": "the day half-way from start to end, 00:00 program time (UTC)",
            "ends_at": "its end day, 00:00 program time (UTC)",
            "start_day": "its start day as the config says it (YYYY-MM-DD)",
            "end_day": "its end day as the config says it (YYYY-MM-DD)",
            "start_month": "year * 12 + month - 1 of its start (the check-in rhythm counts from it)",
            "end_month": "the same of its end (its last month is not asked about: the closing survey is)",
            "every_months": "the check-in rhythm: a prompt every this many months (0: none)",
            "in_config": "1 while the config names it; 0 when it was taken out but pairings still name it",
            "updated_at": "when the config's values were last copied here (UTC)",
        },
    ),
    "notes": (
        "What coordinators noted about a person or a pair: replies to our alerts, escalations, digests, notes.",
        {
            "id": "note id",
            "author": "the coordinator's configured address",
            "participant_id": "whom it is about (participants.id); empty when that could not be told",
            "pairing_id": "which pair it is about (pairings.id), when a pair",
            "text": "what she wrote (her own words, quotes left out)",
            "message_id": "the mail it came from (messages.message_id)",
            "created_at": "when it was kept (UTC)",
        },
    ),
    "checkins": (
        "One row per monthly check-in prompt sent to one person.",
        {
            "id": "check-in id",
            "pairing_id": "the pair it is about (pairings.id)",
            "participant_id": "who was asked (participants.id)",
            "period": "the month, YYYY-MM",
            "status": "awaiting, answered or skipped",
            "sent_at": "when the prompt was queued (UTC)",
            "answered_at": "when the first answer was recorded (UTC)",
            "prompt_message_id": "Message-ID of the prompt (replies thread to it)",
            "asked_again_at": "when the assistant asked once more for missing or unclear answers (UTC)",
        },
    ),
    "answers": (
        "One row per answer to one check-in question.",
        {
            "id": "answer id",
            "checkin_id": "the check-in (checkins.id)",
            "question": "the form's question key: met, meetings, topics, rating, help …",
            "value": "the normalised answer: yes or no, a number, an ISO date, or text",
            "raw": "what the person wrote",
            "message_id": "the reply it came from (messages.message_id)",
            "recorded_at": "when it was recorded (UTC)",
        },
    ),
    "messages": (
        "The ledger: one row per inbound message, stored before anything else happens to it.",
        {
            "id": "ledger id",
            "message_id": "the Message-ID header (unique)",
            "mailbox": "where it was read from",
            "uidvalidity": "IMAP UIDVALIDITY when read",
            "uid": "IMAP UID or Maildir key",
            "from_addr": "sender address",
            "subject": "subject",
            "received_at": "when it was read (UTC)",
            "status": "received, processed or quarantined",
            "outcome": "what the assistant decided: recorded, automatic, unknown_sender, …",
            "reasons": "JSON list: why it went where it went",
            "error": "the error of the last failed attempt",
            "attempts": "how many times processing was tried",
            "size": "size in bytes",
            "raw": "the message, truncated to limits.keep_raw_bytes",
            "processed_at": "when it was handled (UTC)",
            "reviewed_at": "when a coordinator released or dismissed it, if it was kept for a person (UTC)",
            "review": "released (processed as a participant's own mail) or dismissed",
            "released_as": "the participant it was processed as, once released",
            "review_note": "why it was dismissed, in the coordinator's words",
        },
    ),
    "review_queue": (
        "Mail that waits for a person (a view over messages): held by the assistant rather than guessed at, or "
        "quarantined, and not yet released or dismissed. `mentor-assistant review` handles it.",
        {
            "id": "the message's id (messages.id): `mentor-assistant review show ID`",
            "message_id": "the Message-ID header",
            "from_addr": "sender address",
            "subject": "subject",
            "received_at": "when it was read (UTC)",
            "status": "processed (held by the chain) or quarantined (the assistant failed to handle it)",
            "outcome": "why it was held: sender_mismatch, no_context, unknown_sender, no_sender, held "
            "(Auto-Submitted), held_unreadable; or quarantined, too_large",
            "reasons": "JSON list: why it went where it went",
            "error": "for quarantined mail, the error",
            "attempts": "how many times processing was tried",
            "size": "size in bytes",
        },
    ),
    "outbox": (
        "One row per outbound email; the unique key makes each one go out at most once.",
        {
            "id": "outbox id",
            "dedupe_key": "what the mail is for, unique (e.g. rule:…, reply:<message-id>, digest:…)",
            "to_addr": "recipients, comma-separated",
            "subject": "subject",
            "message_id": "our Message-ID",
            "template": "the template it was rendered from",
            "entity": "what it is about, e.g. checkin:12",
            "raw": "the message exactly as sent",
            "status": "queued, sending, sent, failed or uncertain",
            "attempts": "delivery attempts",
            "last_error": "the last delivery error",
            "created_at": "when it was queued (UTC)",
            "not_before": "not sent before this moment (retry backoff, UTC)",
            "sending_at": "when the last attempt began (UTC)",
            "sent_at": "when it was delivered (UTC)",
            "triggered_by": "the inbound message (messages id) that set it off; empty for program mail",
        },
    ),
    "events": (
        "The audit log, append-only: what happened, to what, and why.",
        {
            "id": "event id",
            "at": "when (UTC)",
            "kind": "what happened, e.g. rule_fired, delivery_uncertain",
            "entity": "what it happened to, e.g. checkin:12, participant:3, message:<id>",
            "detail": "JSON details",
        },
    ),
    "reply_tokens": (
        "Random reply tokens in Reply-To plus-addresses (they authorise replies: hidden from the table list).",
        {
            "token": "the token (128 random bits)",
            "participant_id": "whose token (participants.id)",
            "purpose": "what it answers, e.g. checkin",
            "entity_id": "the row it answers, e.g. checkins.id",
            "created_at": "when it was made (UTC)",
        },
    ),
    "answer_history": (
        "Every answer as recorded from one reply: where each answer came from, and which reply replaced it.",
        {
            "id": "history row id",
            "checkin_id": "the check-in it answers (checkins.id)",
            "question": "the question's key in the form",
            "value": "the answer, normalised",
            "raw": "what the person wrote",
            "message_id": "the reply it was read from (messages.message_id)",
            "recorded_at": "when it was recorded (UTC)",
            "replaced_by": "the later reply that answered the same question again (empty: still the answer)",
            "replaced_at": "when it was replaced (UTC)",
        },
    ),
    "address_changes": (
        "Each time a participant moved to a new address; mail from an old address is still hers.",
        {
            "id": "change id",
            "participant_id": "who moved (participants.id)",
            "old_email": "the address she left",
            "new_email": "the address she moved to",
            "changed_at": "when (UTC)",
            "by": "who asked: the participant (how it was confirmed) or a coordinator",
        },
    ),
    "wishlist": (
        "Each mentee's mentor wish list, from the profile form, in her order; a new answer replaces it.",
        {
            "id": "wish id",
            "mentee_id": "whose wish (participants.id)",
            "position": "her order, 1 first",
            "wrote": "the name or address she wrote",
            "mentor_id": "the mentor it names, only when unmistakable (participants.id); empty: unresolved",
            "unresolved": "why it could not be told whom she means (empty when resolved)",
            "created_at": "when she gave the list (UTC)",
        },
    ),
    "milestones": (
        "A milestone a mentee reported in a check-in (a promotion, a talk given), read only when unmistakable.",
        {
            "id": "milestone id",
            "participant_id": "the mentee who reported it (participants.id)",
            "pairing_id": "the pairing whose check-in it was in (pairings.id)",
            "checkin_id": "the check-in (checkins.id)",
            "kind": "promotion, new_job, talk, paper or degree",
            "sentence": "her sentence, at most 300 characters",
            "message_id": "the reply it was read in",
            "found_at": "when it was read (UTC)",
        },
    ),
    "firings": (
        "One row each time a follow-through rule fired.",
        {
            "id": "firing id",
            "rule": "the rule's name",
            "entity": "what it fired for, e.g. checkin:12, pairing:3",
            "episode": "the value of the rule's `since` timestamp when it fired",
            "seq": "0 for the first firing in the episode, 1 for the first repeat …",
            "fired_at": "when (UTC)",
            "reason": "why, in words",
        },
    ),
    "escalation_items": (
        "One row per entry of the coordinators' daily list (a firing of a rule with `batch: daily`).",
        {
            "id": "entry id",
            "rule": "the rule that fired",
            "entity": "what it fired for, e.g. checkin:12, pairing:3",
            "pairing_id": "the pair it is about (pairings.id): entries of one pair are listed together",
            "participant_id": "the person it is about, for an entry about one person (participants.id)",
            "reason": "why the rule fired, as in firings",
            "headline": "the entry's one line, as the rule's template wrote it",
            "text": "the entry's text",
            "html": "the entry's HTML",
            "words": "what she wrote that could not be recorded (her new text, at most 500 characters)",
            "words_message_id": "the message those words came from (messages.id)",
            "created_at": "when the rule fired (UTC)",
            "sent_in": "the day's list that carried it (escalations:YYYY-MM-DD); empty while it waits",
            "dropped": "why it was left out instead (she answered before the list went out)",
        },
    ),
    "sponsorships": (
        "One row per sponsorship: a mentor recommending her mentee for an opportunity.",
        {
            "id": "sponsorship id",
            "sponsor_id": "the mentor who recommended her (participants.id)",
            "protege_id": "the mentee she recommended (participants.id)",
            "pairing_id": "their pairing (pairings.id)",
            "what": "for what, in the mentee's (or coordinator's) words; empty when not said",
            "what_key": "`what` folded (case, accents, punctuation, spaces): the same words are one sponsorship",
            "period": "the check-in period it was reported for (YYYY-MM)",
            "recorded_at": "when it was recorded (UTC)",
            "checkin_id": "the check-in it was read from (checkins.id); empty when a coordinator logged it",
            "message_id": "the message it came from (messages.message_id)",
            "source": "checkin or coordinator",
            "logged_by": "the coordinator who logged it by email",
        },
    ),
    "deferred": (
        "A rule's mail held back by pacing, waiting for its free slot (at most one program mail a week).",
        {
            "rule": "the rule's name",
            "entity": "what it is for, e.g. pairing:3",
            "episode": "the value of the rule's `since` timestamp",
            "seq": "0 for the first firing in the episode, 1 for the first repeat …",
            "due_at": "when it was first due and held back (UTC): its window is judged at this moment",
            "not_before": "the earliest moment the pace allows it (UTC)",
            "reason": "why the rule was due, in words",
        },
    ),
    "mailboxes": (
        "Where reading each inbox left off.",
        {
            "name": "the inbox, e.g. imap://user@host/INBOX",
            "uidvalidity": "IMAP UIDVALIDITY",
            "last_uid": "the last UID read",
            "state": "connected, disconnected or unknown",
            "last_poll_at": "the last poll (UTC)",
            "last_error": "the last error",
            "updated_at": "last change (UTC)",
        },
    ),
    "jobs": (
        "What each scheduled job last did: status shows it.",
        {
            "name": "poll, tick or drain",
            "last_ok_at": "when it last worked (UTC)",
            "last_error": "its last error (kept after it works again)",
            "last_error_at": "when (UTC)",
            "failing_since": "the first failure of the current run of failures; empty when it works",
        },
    ),
    "introductions": (
        "One row per introduction a coordinator asked for: a mentee and her wish list of mentors.",
        {
            "id": "introduction id",
            "mentee_id": "the mentee (participants.id)",
            "coordinator": "the coordinator who asked",
            "note": "the coordinator's words, shown to the mentor",
            "status": "asking, introduced, declined_by_all or cancelled",
            "pairing_id": "the pairing it became (pairings.id)",
            "request_message_id": "the coordinator's request (messages.message_id)",
            "cohort": "the cohort its request named (`cohort:`), given to the pairing it makes",
            "created_at": "when it was asked for (UTC)",
            "updated_at": "last change (UTC)",
        },
    ),
    "intro_asks": (
        "One row per mentor on an introduction's wish list, asked in order, privately.",
        {
            "id": "ask id",
            "introduction_id": "the introduction (introductions.id)",
            "mentor_id": "the mentor (participants.id)",
            "position": "order on the wish list, 1 first",
            "status": "waiting, asked, accepted, declined, expired or skipped",
            "reason": "why it was skipped or expired",
            "asked_at": "when the mentor was asked (UTC)",
            "answered_at": "when she answered (UTC)",
        },
    ),
    "suppressions": (
        "Addresses that asked to be erased, as hashes: they are never mailed again.",
        {
            "hash": "sha256 of the case-folded address",
            "reason": "why",
            "created_at": "when (UTC)",
        },
    ),
    "triggered_mail": (
        "Mail that inbound mail set off, per address and day: the cap limits.mails_per_address_per_day.",
        {
            "day": "the program day (YYYY-MM-DD)",
            "address_hash": "sha256 of the case-folded address, as in suppressions",
            "queued": "mails queued to it that day that inbound mail set off",
            "refused": "mails not queued because the cap was reached",
            "alerted_at": "when the coordinators were told (once a day at most, UTC)",
        },
    ),
    "confirmations": (
        "Pending confirmations (their tokens authorise actions: hidden from the table list).",
        {
            "token": "the token sent to the stored address",
            "address": "who must confirm",
            "action": "what is confirmed, e.g. delete_me, intro_request",
            "payload": "JSON: what to do once confirmed",
            "created_at": "when it was asked (UTC)",
            "used_at": "when it was confirmed (UTC)",
        },
    ),
}
HIDDEN = ("reply_tokens", "confirmations", "_sqlite_migrations")

# The latest monthly period (the closing survey is stored with period "closing", which sorts after every month).
LATEST = "(SELECT max(period) FROM checkins WHERE period GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]')"


def silent_pairs(drifting_days: float) -> str:
    """Active pairs with the latest check-in unanswered, or no meeting reported for the drifting span."""
    return f"""
SELECT pr.id AS pairing, e.name AS mentee, e.email AS mentee_email, m.name AS mentor, m.email AS mentor_email,
       date(pr.started_at) AS started, date(pr.last_met_at) AS last_meeting_reported,
       CAST(julianday('now') - julianday(max(COALESCE(pr.last_met_at, ''), COALESCE(pr.started_at, ''),
            pr.created_at)) AS INTEGER) AS days_since_met,
       (SELECT date(max(c.answered_at)) FROM checkins c WHERE c.pairing_id = pr.id) AS last_answer
FROM pairings pr JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id
WHERE pr.status = 'active' AND (
    (EXISTS (SELECT 1 FROM checkins c WHERE c.pairing_id = pr.id AND c.period = {LATEST})
     AND NOT EXISTS (SELECT 1 FROM checkins c WHERE c.pairing_id = pr.id AND c.status = 'answered'
                     AND c.period = {LATEST}))
    OR julianday('now') - julianday(max(COALESCE(pr.last_met_at, ''), COALESCE(pr.started_at, ''), pr.created_at))
       >= {drifting_days:g})
ORDER BY days_since_met DESC
"""


CYCLE_ANSWERS = f"""
SELECT c.period, p.name, p.email, CASE WHEN pr.mentor_id = p.id THEN 'mentor' ELSE 'mentee' END AS role,
       c.status, a.question, a.value, a.raw, a.recorded_at
FROM checkins c JOIN participants p ON p.id = c.participant_id JOIN pairings pr ON pr.id = c.pairing_id
LEFT JOIN answers a ON a.checkin_id = c.id
WHERE c.period = {LATEST}
ORDER BY c.pairing_id, c.id, a.id
"""


NEEDS_REVIEW = """
SELECT id, datetime(received_at) AS received, from_addr, subject, outcome, status,
       json_extract(reasons, '$[0]') AS why, error
FROM review_queue ORDER BY received_at, id
"""


def low_ratings(low: Compare) -> str:
    """Ratings the coordinator-alert rule calls low, newest first."""
    return f"""
SELECT c.period, p.name, p.email, CASE WHEN pr.mentor_id = p.id THEN 'mentor' ELSE 'mentee' END AS role,
       a.value AS rating, (SELECT h.value FROM answers h WHERE h.checkin_id = c.id AND h.question = 'help') AS help,
       a.recorded_at
FROM answers a JOIN checkins c ON c.id = a.checkin_id JOIN participants p ON p.id = c.participant_id
JOIN pairings pr ON pr.id = c.pairing_id
WHERE a.question = 'rating' AND CAST(a.value AS INTEGER) {_SQL_OPS[low.op]} {float(number(low.value) or 0):g}
ORDER BY a.recorded_at DESC
"""


_SQL_OPS = {"lt": "<", "lte": "<="}


def canned_queries(thresholds: Policy) -> dict[str, tuple[str, str, str]]:
    """The canned queries, their thresholds those of the rules (as the digest's are): key -> (title, text, sql)."""
    days = thresholds.drifting / timedelta(days=1)
    low = thresholds.as_dict()["low_rating"]
    return {
        "needs_review": (
            "Mail waiting for a person",
            "Held or quarantined mail nobody has released or dismissed yet, oldest first "
            "(`mentor-assistant review show ID` shows one).",
            NEEDS_REVIEW,
        ),
        "silent_pairs": (
            "Quiet pairs",
            "Active pairs prompted in the latest check-in with no answer yet, or no meeting reported for "
            f"{days:g} days.",
            silent_pairs(days),
        ),
        "this_cycle_answers": (
            "This cycle's answers",
            "Every check-in of the latest period, with its answers.",
            CYCLE_ANSWERS,
        ),
        "low_ratings": (
            "Low ratings",
            f"Ratings {low}, newest first, with the private help line.",
            low_ratings(thresholds.low_rating),
        ),
    }


def metadata(
    database: Path | str, program_name: str = "Mentoring program", thresholds: Policy | None = None
) -> dict[str, Any]:
    """Datasette metadata for the program database: descriptions, hidden token tables and canned queries (with
    the rules' thresholds for a low rating and a drifting pair; the documented defaults without them)."""
    name = Path(database).stem
    tables: dict[str, Any] = {
        table: {"description": description, "columns": dict(columns)}
        for table, (description, columns) in TABLES.items()
    }
    for table in HIDDEN:
        tables.setdefault(table, {})["hidden"] = True
    queries = {
        key: {"title": title, "description": description, "sql": sql.strip()}
        for key, (title, description, sql) in canned_queries(thresholds or Policy()).items()
    }
    return {
        "title": f"{program_name}: the program database",
        "description": "Read-only. Times are UTC. See README.md, “The data”, for the tables.",
        "databases": {name: {"tables": tables, "queries": queries}},
    }


def available() -> bool:
    return importlib.util.find_spec("datasette") is not None


def command(database: Path, metadata_file: Path, host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(database),
        "--metadata",
        str(metadata_file),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "default_page_size",
        "50",
    ]


def browse(
    database: Path, program_name: str, host: str = "127.0.0.1", port: int = 8001, thresholds: Policy | None = None
) -> int:
    """Run Datasette until Ctrl-C. Exits 1 with the pip command when Datasette is not installed."""
    if not available():
        print(f"error: Datasette is not installed. Install it with:\n  {INSTALL}", file=sys.stderr)
        return 1
    if not database.exists():
        print(f"error: no database at {database} yet (run the assistant or import people first)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="mentor-browse-") as folder:
        metadata_file = Path(folder) / "metadata.json"
        metadata_file.write_text(json.dumps(metadata(database, program_name, thresholds), indent=2), encoding="utf-8")
        print(f"Browsing {database} read-only at http://{host}:{port}/ (Ctrl-C to stop)", flush=True)
        child = subprocess.Popen(command(database, metadata_file, host, port))
        previous = signal.signal(signal.SIGTERM, _stop)  # a SIGTERM to us stops Datasette too
        try:
            return child.wait()
        except (KeyboardInterrupt, SystemExit):
            return 0
        finally:
            signal.signal(signal.SIGTERM, previous)
            if child.poll() is None:
                child.terminate()
                child.wait(timeout=10)


def _stop(signum: int, frame: object) -> None:
    raise SystemExit(0)
