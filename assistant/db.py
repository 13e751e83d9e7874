"""The program's state: one SQLite file through sqlite-utils, WAL, migrations, and the queries others share.

The tables are a public contract (README.md, "The data"): coordinators query them directly.
Every time is UTC ISO-8601 text, so text order is time order.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils
from sqlite_utils import Database, Migrations

from assistant.headertext import clean_name, header_text

TABLES = (
    "participants",
    "pairings",
    "checkins",
    "answers",
    "messages",
    "outbox",
    "events",
    "reply_tokens",
    "firings",
    "mailboxes",
    "introductions",
    "intro_asks",
    "suppressions",
    "confirmations",
    "period_figures",
    "pairs_met",
    "jobs",
    "triggered_mail",
    "expunge",
    "notes",
    "answer_history",
    "address_changes",
    "escalation_items",
    "deferred",
    "milestones",
    "wishlist",
    "sponsorships",
    "cohorts",
)

migrations = Migrations("mentorship-assistant")
BUSY_TIMEOUT_MS = 30_000  # how long a statement waits for another process's lock

# Why a pairing ended (`pairings.close_reason`): the program's small vocabulary, in the order reports list it. What
# people write is mapped onto it only when unmistakable (assistant/forms/reasons.py); else `other`, her words kept in
# `pairings.close_note`. Here, below every room, because the rules (`set: {pairing.close_reason: …}`) check it too.
CLOSE_REASONS = ("completed", "goals_met", "no_time", "not_a_good_match", "moved_on", "left_program", "other")


def _run_script(db: Database, script: str) -> None:
    """Statement by statement: executescript() would commit the migration's transaction half-way."""
    for statement in script.split(";\n"):
        if statement.strip():
            db.execute(statement)


@migrations(name="0001_initial")
def _initial(db: Database) -> None:
    _run_script(db, _SCHEMA)


_SCHEMA = """
CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,            -- case-folded
    name TEXT NOT NULL DEFAULT '',
    role TEXT NOT NULL DEFAULT 'mentee' CHECK (role IN ('mentor', 'mentee', 'both')),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('pending', 'active', 'paused', 'left')),
    paused_until TEXT,
    skills TEXT NOT NULL DEFAULT '',
    goals TEXT NOT NULL DEFAULT '',
    industry TEXT NOT NULL DEFAULT '',
    timezone TEXT,
    capacity INTEGER,
    mentored_by INTEGER REFERENCES participants(id),  -- the lineage: who mentored her before she said yes to mentoring
    became_mentor_at TEXT,
    bounced_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE pairings (
    id INTEGER PRIMARY KEY,
    mentor_id INTEGER NOT NULL REFERENCES participants(id),
    mentee_id INTEGER NOT NULL REFERENCES participants(id),
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('proposed', 'active', 'paused', 'closed')),
    started_at TEXT,
    ended_at TEXT,
    last_met_at TEXT,                       -- the last check-in answer saying they met
    created_at TEXT NOT NULL,
    UNIQUE (mentor_id, mentee_id)
);
CREATE TABLE checkins (
    id INTEGER PRIMARY KEY,
    pairing_id INTEGER NOT NULL REFERENCES pairings(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    period TEXT NOT NULL,                   -- YYYY-MM
    status TEXT NOT NULL DEFAULT 'awaiting' CHECK (status IN ('awaiting', 'answered', 'skipped')),
    sent_at TEXT NOT NULL,
    answered_at TEXT,
    prompt_message_id TEXT,
    asked_again_at TEXT,                    -- when we asked once more for missing or unclear answers
    UNIQUE (pairing_id, participant_id, period)
);
CREATE INDEX checkins_status_sent ON checkins(status, sent_at);
CREATE INDEX checkins_answered ON checkins(answered_at);
CREATE INDEX checkins_pairing ON checkins(pairing_id);
CREATE TABLE answers (
    id INTEGER PRIMARY KEY,
    checkin_id INTEGER NOT NULL REFERENCES checkins(id),
    question TEXT NOT NULL,
    value TEXT NOT NULL,
    raw TEXT NOT NULL DEFAULT '',
    message_id TEXT,                        -- the reply it came from (messages.message_id)
    recorded_at TEXT NOT NULL,
    UNIQUE (checkin_id, question)
);
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    message_id TEXT NOT NULL UNIQUE,
    mailbox TEXT NOT NULL DEFAULT '',
    uidvalidity INTEGER,
    uid TEXT,
    from_addr TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL DEFAULT '',
    received_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'received' CHECK (status IN ('received', 'processed', 'quarantined')),
    outcome TEXT,
    reasons TEXT NOT NULL DEFAULT '[]',     -- JSON list: why it went where it went
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    size INTEGER NOT NULL DEFAULT 0,
    raw BLOB,                               -- truncated to limits.keep_raw_bytes
    processed_at TEXT
);
CREATE INDEX messages_status ON messages(status);
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    dedupe_key TEXT NOT NULL UNIQUE,
    to_addr TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT NOT NULL,
    template TEXT NOT NULL,
    entity TEXT NOT NULL DEFAULT '',        -- what it is about, e.g. checkin:12 (replies are matched by it)
    raw BLOB NOT NULL,                      -- the rendered message, exactly as it will be sent
    status TEXT NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'uncertain', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    not_before TEXT,
    sending_at TEXT,
    sent_at TEXT
);
CREATE INDEX outbox_status ON outbox(status);
CREATE INDEX outbox_message_id ON outbox(message_id);
CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL DEFAULT '',        -- e.g. checkin:12, participant:3, message:<id@x>
    detail TEXT NOT NULL DEFAULT '{}'       -- JSON
);
CREATE INDEX events_entity ON events(entity);
CREATE TABLE reply_tokens (
    token TEXT PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    purpose TEXT NOT NULL,                  -- e.g. checkin
    entity_id INTEGER,                      -- e.g. checkins.id
    created_at TEXT NOT NULL
);
CREATE TABLE firings (
    id INTEGER PRIMARY KEY,
    rule TEXT NOT NULL,
    entity TEXT NOT NULL,
    episode TEXT NOT NULL DEFAULT '',       -- the value of the rule's `since` timestamp when it fired
    seq INTEGER NOT NULL,
    fired_at TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    UNIQUE (rule, entity, episode, seq)
);
CREATE INDEX firings_entity ON firings(entity);
"""


@migrations(name="0002_mailboxes")
def _mailboxes(db: Database) -> None:
    # Where each inbox left off: the IMAP checkpoint is (UIDVALIDITY, last UID), never the Seen flag.
    db.execute(
        """CREATE TABLE mailboxes (
            name TEXT PRIMARY KEY,              -- e.g. imap://user@host/INBOX
            uidvalidity INTEGER,
            last_uid INTEGER NOT NULL DEFAULT 0,
            state TEXT NOT NULL DEFAULT 'unknown',  -- connected | disconnected | unknown
            last_poll_at TEXT,
            last_error TEXT,
            updated_at TEXT
        )"""
    )


@migrations(name="0003_introductions_and_privacy")
def _introductions(db: Database) -> None:
    _run_script(db, _INTRODUCTIONS)


_INTRODUCTIONS = """
CREATE TABLE introductions (
    id INTEGER PRIMARY KEY,
    mentee_id INTEGER NOT NULL REFERENCES participants(id),
    coordinator TEXT NOT NULL,              -- who asked (a configured coordinator's address)
    note TEXT NOT NULL DEFAULT '',          -- the coordinator's words, shown to the mentor
    status TEXT NOT NULL DEFAULT 'asking' CHECK (status IN ('asking', 'introduced', 'declined_by_all', 'cancelled')),
    pairing_id INTEGER REFERENCES pairings(id),
    request_message_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE intro_asks (
    id INTEGER PRIMARY KEY,
    introduction_id INTEGER NOT NULL REFERENCES introductions(id),
    mentor_id INTEGER NOT NULL REFERENCES participants(id),
    position INTEGER NOT NULL,              -- order on the mentee's wish list, 1 first
    status TEXT NOT NULL DEFAULT 'waiting'
        CHECK (status IN ('waiting', 'asked', 'accepted', 'declined', 'expired', 'skipped')),
    reason TEXT NOT NULL DEFAULT '',
    asked_at TEXT,
    answered_at TEXT,
    UNIQUE (introduction_id, mentor_id)
);
CREATE INDEX intro_asks_status ON intro_asks(status, asked_at);
CREATE TABLE suppressions (
    hash TEXT PRIMARY KEY,                  -- sha256 of the case-folded address: never mail it again
    reason TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);
CREATE TABLE confirmations (
    token TEXT PRIMARY KEY,                 -- sent only to the stored address; a reply with it confirms
    address TEXT NOT NULL,
    action TEXT NOT NULL,                   -- e.g. delete_me, pause, stop, intro_request
    payload TEXT NOT NULL DEFAULT '{}',     -- JSON: what to do once confirmed
    created_at TEXT NOT NULL,
    used_at TEXT
)
"""


@migrations(name="0004_indexes_at_scale")
def _indexes_at_scale(db: Database) -> None:
    _run_script(db, _INDEXES_AT_SCALE)


# Every query of the tick, the digest and `report`, read with EXPLAIN QUERY PLAN on a program of 100,000 pairings:
# none scans a big table once per row of another, none reads a whole table to find a few rows. Each index says what
# it serves; tests/test_query_plans.py fails when a query stops using them. (The partial indexes on answers repeat
# the columns of their WHERE: SQLite reads the table for a column the index does not hold, even one it implies.)
_INDEXES_AT_SCALE = """
-- the digest's waiting mentees, suggestions (paired before), rules on a participant's pairings
CREATE INDEX pairings_mentee ON pairings(mentee_id, status);
-- mentors with room, waiting mentors, a mentor's pairings (status read in the index)
CREATE INDEX pairings_mentor ON pairings(mentor_id, status);
-- pairing rules counted from the start (expectations, milestones, pay it forward, closing)
CREATE INDEX pairings_status_started ON pairings(status, started_at);
-- pairing rules counted from the last meeting (mentee-nudge, silent-pair-escalate), the digest's drifting pairs:
-- the expression is engine/fields.py's pairing.last_met_at, which must stay the same text to use it
CREATE INDEX pairings_status_last_met
    ON pairings(status, max(COALESCE(last_met_at, ''), COALESCE(started_at, ''), created_at));
-- a cycle's check-ins by pair: response rate, quiet pairs, the six months' counts (read from the index alone)
CREATE INDEX checkins_period ON checkins(period, pairing_id, status, sent_at);
-- a period's first check-in (rowid order within a period): where the answers saying "met" start
CREATE INDEX checkins_period_first ON checkins(period);
-- rules on recent answers (coordinator-alert)
CREATE INDEX checkins_status_answered ON checkins(status, answered_at);
-- the digest's low ratings of the last two weeks, read from the index alone
CREATE INDEX answers_rating ON answers(recorded_at, question, value, checkin_id) WHERE question = 'rating';
-- a pair's ratings (rules on pairing.rating_min, pay-it-forward), read from the index alone
CREATE INDEX answers_ratings ON answers(checkin_id, question, value) WHERE question = 'rating';
-- help lines: few, looked up by check-in
CREATE INDEX answers_help ON answers(checkin_id, question, recorded_at) WHERE question = 'help';
-- "we met": the pairs that met, per cycle and per month
CREATE INDEX answers_met ON answers(checkin_id, question, value) WHERE question = 'met' AND value = 'yes';
-- resume-after-pause
CREATE INDEX participants_paused ON participants(paused_until);
-- the digest's bounced addresses
CREATE INDEX participants_bounced ON participants(bounced_at);
-- waiting mentees (an introduction under way), introduction-slow, the digest's introductions
CREATE INDEX introductions_mentee ON introductions(mentee_id, status);
CREATE INDEX introductions_status ON introductions(status, created_at);
-- a check-in's reply token (every check-in rule loads it)
CREATE INDEX reply_tokens_entity ON reply_tokens(purpose, entity_id);
-- pacing: an address's program mail of the last week; mail to several addresses, read whole
CREATE INDEX outbox_to ON outbox(to_addr, created_at);
CREATE INDEX outbox_shared ON outbox(created_at) WHERE instr(to_addr, ',') > 0 OR instr(to_addr, ' ') > 0;
-- retention: only the rows that still hold raw mail
CREATE INDEX messages_raw_kept ON messages(status, processed_at) WHERE raw IS NOT NULL;
CREATE INDEX outbox_raw_kept ON outbox(status, created_at) WHERE length(raw) > 0
"""


@migrations(name="0005_period_figures")
def _period_figures(db: Database) -> None:
    for statement in _PERIOD_FIGURES:
        db.execute(statement)


# The digest's six months at a glance, kept by triggers as check-ins and answers are written (whatever writes them:
# a reply, a rule, an erasure), so the weekly digest reads a few rows instead of every check-in of half a year.
_PERIOD_FIGURES = (
    """CREATE TABLE period_figures (
        period TEXT PRIMARY KEY,                -- YYYY-MM (or closing)
        checkins INTEGER NOT NULL DEFAULT 0,    -- check-ins sent for it
        answered INTEGER NOT NULL DEFAULT 0     -- of which answered
    )""",
    """CREATE TABLE pairs_met (
        period TEXT NOT NULL,
        pairing_id INTEGER NOT NULL,
        answers INTEGER NOT NULL DEFAULT 0,     -- answers saying "we met" among the pair's check-ins of the period
        PRIMARY KEY (period, pairing_id)
    ) WITHOUT ROWID""",
    """INSERT INTO period_figures (period, checkins, answered)
       SELECT period, count(*), sum(status = 'answered') FROM checkins GROUP BY period""",
    """INSERT INTO pairs_met (period, pairing_id, answers)
       SELECT c.period, c.pairing_id, count(*) FROM answers a JOIN checkins c ON c.id = a.checkin_id
       WHERE a.question = 'met' AND a.value = 'yes' GROUP BY c.period, c.pairing_id""",
    """CREATE TRIGGER period_figures_checkin AFTER INSERT ON checkins BEGIN
        INSERT INTO period_figures (period, checkins, answered) VALUES (NEW.period, 1, NEW.status = 'answered')
        ON CONFLICT (period) DO UPDATE SET checkins = checkins + 1, answered = answered + (NEW.status = 'answered');
    END""",
    """CREATE TRIGGER period_figures_status AFTER UPDATE OF status ON checkins
    WHEN (OLD.status = 'answered') != (NEW.status = 'answered') BEGIN
        UPDATE period_figures SET answered = answered + (NEW.status = 'answered') - (OLD.status = 'answered')
        WHERE period = NEW.period;
    END""",
    """CREATE TRIGGER period_figures_gone AFTER DELETE ON checkins BEGIN
        UPDATE period_figures SET checkins = checkins - 1, answered = answered - (OLD.status = 'answered')
        WHERE period = OLD.period;
    END""",
    """CREATE TRIGGER pairs_met_said AFTER INSERT ON answers WHEN NEW.question = 'met' AND NEW.value = 'yes' BEGIN
        INSERT INTO pairs_met (period, pairing_id, answers)
        SELECT period, pairing_id, 1 FROM checkins WHERE id = NEW.checkin_id
        ON CONFLICT (period, pairing_id) DO UPDATE SET answers = answers + 1;
    END""",
    """CREATE TRIGGER pairs_met_now_said AFTER UPDATE OF question, value ON answers
    WHEN NEW.question = 'met' AND NEW.value = 'yes' AND NOT (OLD.question = 'met' AND OLD.value = 'yes') BEGIN
        INSERT INTO pairs_met (period, pairing_id, answers)
        SELECT period, pairing_id, 1 FROM checkins WHERE id = NEW.checkin_id
        ON CONFLICT (period, pairing_id) DO UPDATE SET answers = answers + 1;
    END""",
    """CREATE TRIGGER pairs_met_unsaid AFTER UPDATE OF question, value ON answers
    WHEN OLD.question = 'met' AND OLD.value = 'yes' AND NOT (NEW.question = 'met' AND NEW.value = 'yes') BEGIN
        UPDATE pairs_met SET answers = answers - 1
        WHERE (period, pairing_id) = (SELECT period, pairing_id FROM checkins WHERE id = OLD.checkin_id);
        DELETE FROM pairs_met WHERE answers <= 0
        AND (period, pairing_id) = (SELECT period, pairing_id FROM checkins WHERE id = OLD.checkin_id);
    END""",
    """CREATE TRIGGER pairs_met_gone AFTER DELETE ON answers WHEN OLD.question = 'met' AND OLD.value = 'yes' BEGIN
        UPDATE pairs_met SET answers = answers - 1
        WHERE (period, pairing_id) = (SELECT period, pairing_id FROM checkins WHERE id = OLD.checkin_id);
        DELETE FROM pairs_met WHERE answers <= 0
        AND (period, pairing_id) = (SELECT period, pairing_id FROM checkins WHERE id = OLD.checkin_id);
    END""",
)


@migrations(name="0006_jobs")
def _jobs(db: Database) -> None:
    # What each scheduled job last did, so `status` can say that polling or sending has been failing, and since when.
    db.execute(
        """CREATE TABLE jobs (
            name TEXT PRIMARY KEY,          -- poll | tick | drain
            last_ok_at TEXT,                -- when it last worked (UTC)
            last_error TEXT,                -- what went wrong last, kept after it works again
            last_error_at TEXT,
            failing_since TEXT              -- the first failure of the current run of failures; NULL when it works
        )"""
    )


@migrations(name="0007_triggered_mail")
def _triggered_mail(db: Database) -> None:
    for statement in _TRIGGERED_MAIL:
        db.execute(statement)


# Mail that inbound mail sets off (replies, confirmations, forms, notes passed on) is marked with the ledger id of the
# message that set it off, and counted per recipient address per day, so that no flood of inbound mail, forged or
# not, can turn the assistant against one inbox (outbox/triggered.py). Addresses are counted by their hash, like
# suppressions: the count outlives any erasure without keeping the address.
_TRIGGERED_MAIL = (
    "ALTER TABLE outbox ADD COLUMN triggered_by INTEGER",  # messages.id; NULL for program mail from the tick
    "CREATE INDEX outbox_triggered_by ON outbox(triggered_by) WHERE triggered_by IS NOT NULL",
    """CREATE TABLE triggered_mail (
        day TEXT NOT NULL,                      -- YYYY-MM-DD, program time
        address_hash TEXT NOT NULL,             -- sha256 of the case-folded address, as in suppressions
        queued INTEGER NOT NULL DEFAULT 0,      -- mails queued to it that day that inbound mail set off
        refused INTEGER NOT NULL DEFAULT 0,     -- mails not queued because the cap was reached
        alerted_at TEXT,                        -- when the coordinators were told (once a day at most)
        PRIMARY KEY (day, address_hash)
    ) WITHOUT ROWID""",
)


@migrations(name="0008_expunge")
def _expunge(db: Database) -> None:
    # Mail an erasure left in the folders the assistant owns: the transports remove it at the next poll, and the
    # row goes once they have tried (inbound/expunge.py). Message-IDs only: nothing to read in them.
    db.execute(
        """CREATE TABLE expunge (
            message_id TEXT NOT NULL,
            place TEXT NOT NULL CHECK (place IN ('inbox', 'sent')),  -- the inbox's folders, or the sent folder
            created_at TEXT NOT NULL,
            PRIMARY KEY (message_id, place)
        ) WITHOUT ROWID"""
    )


@migrations(name="0009_clean_names")
def _clean_names(db: Database) -> None:
    """Names stored before every name was decoded completely and cleaned (a sheet's name that was itself an encoded
    word, a From decoded only once) are cleaned as every new one is; so are the ledger's From and Subject lines."""
    for person_id, name in db.execute("SELECT id, name FROM participants").fetchall():
        if name != clean_name(name):
            db.execute("UPDATE participants SET name = ? WHERE id = ?", (clean_name(name), person_id))
    found = db.execute(
        "SELECT id, from_addr, subject FROM messages WHERE instr(from_addr, '=?') OR instr(subject, '=?')"
    ).fetchall()
    for message_id, sender, subject in found:
        db.execute(
            "UPDATE messages SET from_addr = ?, subject = ? WHERE id = ?",
            (header_text(sender, 500), header_text(subject, 500), message_id),
        )


# Mail that needs a person: everything the chain kept rather than guess (held outcomes) and everything it could not
# handle (quarantined), until a coordinator releases or dismisses it (`mentor-assistant review`). This is the one
# definition: `status`, `report`, the digest and `browse` all read the `review_queue` view. The text is frozen here, as
# a migration's must be: a new held outcome means a new migration that recreates the view and its index, both with
# the same WHERE (SQLite uses a partial index only for a query whose WHERE contains the index's own).
HELD_OUTCOMES = ("no_sender", "sender_mismatch", "no_context", "unknown_sender", "held", "held_unreadable")
_NEEDS_REVIEW = (
    "reviewed_at IS NULL AND (status = 'quarantined' OR outcome IN ('no_sender', 'sender_mismatch', 'no_context',"
    " 'unknown_sender', 'held', 'held_unreadable'))"
)
_REVIEW = (
    "ALTER TABLE messages ADD COLUMN reviewed_at TEXT",  # when a coordinator decided (UTC)
    "ALTER TABLE messages ADD COLUMN review TEXT CHECK (review IN ('released', 'dismissed'))",
    "ALTER TABLE messages ADD COLUMN released_as TEXT",  # the participant it was processed as, once released
    "ALTER TABLE messages ADD COLUMN review_note TEXT",  # why it was dismissed, in the coordinator's words
    # The queue is a few rows among every message ever read: a partial index keeps counting it cheap.
    f"CREATE INDEX messages_review ON messages(received_at, id) WHERE {_NEEDS_REVIEW}",
    f"""CREATE VIEW review_queue AS
    SELECT id, message_id, from_addr, subject, received_at, status, outcome, reasons, error, attempts, size
    FROM messages WHERE {_NEEDS_REVIEW}""",
)


@migrations(name="0010_review")
def _review(db: Database) -> None:
    for statement in _REVIEW:
        db.execute(statement)


# Coordinators as a role: what a coordinator wrote about a person or a pair (her reply to an alert, an escalation, a
# digest or a forwarded note, or a `note EMAIL text` command), and why a coordinator closed a pairing.
_NOTES = (
    """CREATE TABLE notes (
        id INTEGER PRIMARY KEY,
        author TEXT NOT NULL,                                  -- the coordinator's configured address
        participant_id INTEGER REFERENCES participants(id),   -- who it is about (empty: nobody could be told)
        pairing_id INTEGER REFERENCES pairings(id),           -- which pair it is about, when a pair
        text TEXT NOT NULL,
        message_id TEXT NOT NULL DEFAULT '',                  -- the mail it came from
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX notes_participant ON notes(participant_id) WHERE participant_id IS NOT NULL",
    "CREATE INDEX notes_pairing ON notes(pairing_id) WHERE pairing_id IS NOT NULL",
    "ALTER TABLE pairings ADD COLUMN close_reason TEXT",  # a coordinator's `close … reason`, set with ended_at
)


@migrations(name="0011_coord")
def _coordinators(db: Database) -> None:
    for statement in _NOTES:
        db.execute(statement)


@migrations(name="0012_people")
def _people(db: Database) -> None:
    _run_script(db, _PEOPLE)


# Provenance of answers (each recorded answer, the message it came from, the message that replaced it) and the
# addresses people moved from (mail from an old address is still hers).
_PEOPLE = """
CREATE TABLE answer_history (
    id INTEGER PRIMARY KEY,
    checkin_id INTEGER NOT NULL REFERENCES checkins(id),
    question TEXT NOT NULL,
    value TEXT NOT NULL,
    raw TEXT NOT NULL DEFAULT '',           -- what the person wrote for it
    message_id TEXT,                        -- the reply it was read from (messages.message_id)
    recorded_at TEXT NOT NULL,
    replaced_by TEXT,                       -- the later reply whose answer to the same question replaced it
    replaced_at TEXT
);
CREATE UNIQUE INDEX answer_history_checkin ON answer_history(checkin_id, question, message_id);
CREATE INDEX answer_history_message ON answer_history(message_id);
CREATE INDEX answer_history_replaced ON answer_history(replaced_by);
INSERT INTO answer_history (checkin_id, question, value, raw, message_id, recorded_at)
    SELECT checkin_id, question, value, raw, message_id, recorded_at FROM answers ORDER BY id;
CREATE TABLE address_changes (
    id INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id),
    old_email TEXT NOT NULL,
    new_email TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    by TEXT NOT NULL DEFAULT ''             -- who asked: "participant (confirmed at the old address)", a coordinator
);
CREATE INDEX address_changes_old ON address_changes(old_email);
CREATE INDEX address_changes_participant ON address_changes(participant_id)
"""


@migrations(name="0013_escalate")
def _escalate(db: Database) -> None:
    # What a rule with `batch: daily` found for the coordinators (program/escalations.py): one row per firing, sent
    # the next time the day's list goes out, grouped by pair. The firing stays the at-most-once guard; `sent_in`
    # says which day's list carried it, so no entry is listed twice.
    db.execute(
        """CREATE TABLE escalation_items (
            id INTEGER PRIMARY KEY,
            rule TEXT NOT NULL,                     -- the rule that fired
            entity TEXT NOT NULL,                   -- what it fired for (checkin:12, pairing:3)
            pairing_id INTEGER,                     -- the pair it is about: entries of one pair are listed together
            participant_id INTEGER,                 -- the person it is about, when it is one person (a check-in)
            reason TEXT NOT NULL DEFAULT '',        -- the firing's reason, as in `firings`
            headline TEXT NOT NULL DEFAULT '',      -- the entry as the rule's template wrote it: one line,
            text TEXT NOT NULL DEFAULT '',          -- its text,
            html TEXT NOT NULL DEFAULT '',          -- and its HTML
            words TEXT,                             -- what she wrote that could not be recorded (her new text, bounded)
            words_message_id INTEGER,               -- the message those words came from (messages.id)
            created_at TEXT NOT NULL,
            sent_in TEXT,                           -- the day's list that carried it (escalations:YYYY-MM-DD)
            dropped TEXT                            -- why it was left out instead (answered before the list went)
        )"""
    )
    db.execute("CREATE INDEX escalation_items_waiting ON escalation_items(created_at) WHERE sent_in IS NULL")


@migrations(name="0014_pace")
def _pace(db: Database) -> None:
    # A rule's intent held back by pacing (`limits.pace_days`): it waits here, keyed like its firing, and is carried
    # out at the first tick from `not_before` where the pace allows and the entity is still eligible.
    db.execute(
        """CREATE TABLE deferred (
    rule TEXT NOT NULL,
    entity TEXT NOT NULL,
    episode TEXT NOT NULL DEFAULT '',
    seq INTEGER NOT NULL,
    due_at TEXT NOT NULL,                   -- when it was first due and held back: its window is judged then
    not_before TEXT NOT NULL,               -- the earliest moment the pace allows it
    reason TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (rule, entity, episode, seq)
)"""
    )
    db.execute("CREATE INDEX deferred_not_before ON deferred(not_before)")


@migrations(name="0015_wishes")
def _wishes(db: Database) -> None:
    # Warm wishes through the mentor: a birthday as month and day only (a year is never stored), and the milestones
    # a mentee reported in her check-in's "What did you work on?" (forms/milestones.py), one row per kind per
    # check-in, so a later reply to the same check-in finds nothing new.
    db.execute("ALTER TABLE participants ADD COLUMN birthday TEXT")  # "MM-DD" ("03-14"); NULL when not given
    db.execute(
        """CREATE TABLE milestones (
            id INTEGER PRIMARY KEY,
            participant_id INTEGER NOT NULL REFERENCES participants(id),  -- the mentee who reported it
            pairing_id INTEGER NOT NULL REFERENCES pairings(id),          -- the pairing whose check-in it was in
            checkin_id INTEGER NOT NULL REFERENCES checkins(id),
            kind TEXT NOT NULL CHECK (kind IN ('promotion', 'new_job', 'talk', 'paper', 'degree')),
            sentence TEXT NOT NULL,                 -- her sentence, as she wrote it (bounded)
            message_id TEXT NOT NULL DEFAULT '',    -- the reply it was read in
            found_at TEXT NOT NULL,
            UNIQUE (checkin_id, kind)
        )"""
    )
    db.execute("CREATE INDEX milestones_pairing ON milestones(pairing_id, found_at)")
    db.execute("CREATE INDEX milestones_participant ON milestones(participant_id)")


@migrations(name="0016_wishlist")
def _wishlist(db: Database) -> None:
    # A mentee's mentor wish list, from the profile form (program/wishlist.py): her words kept in her order, and the
    # mentor each resolves to only when unmistakable. A new answer replaces the whole list (no history kept).
    db.execute(
        """CREATE TABLE wishlist (
    id INTEGER PRIMARY KEY,
    mentee_id INTEGER NOT NULL REFERENCES participants(id),
    position INTEGER NOT NULL,              -- her order, 1 first
    wrote TEXT NOT NULL,                    -- the words she wrote for this mentor (a name or an address)
    mentor_id INTEGER REFERENCES participants(id),  -- who it is, only when unmistakable; empty: unresolved
    unresolved TEXT NOT NULL DEFAULT '',    -- why it could not be told who she means (empty when resolved)
    created_at TEXT NOT NULL,
    UNIQUE (mentee_id, position)
)"""
    )
    db.execute("CREATE INDEX wishlist_mentor ON wishlist(mentor_id)")


@migrations(name="0017_closure")
def _closure(db: Database) -> None:
    _run_script(db, _CLOSURE)


# Closure with a reason. `close_reason` (added by 0011 for a coordinator's free text) now holds a word of
# CLOSE_REASONS; the words it was read from go to `close_note`, and `close_reason_by` says whose reason it is.
# `invited_to_mentor_at`: pay it forward asks each person once, ever (the rule sets it with its mail).
# Backfill, from the best evidence there is:
# - a coordinator's free text written before the vocabulary: kept as her words, reason `other`;
# - a pairing closed by someone leaving (a `pairing_closed` event): `left_program`; closed by the cycle's end (a
#   `closing-thanks` firing): `completed`; any other closed pairing keeps an empty reason (not recorded);
# - `ended_at` where a closed pairing has none: when its closing was recorded (the event or the firing), else its last
#   sign of life (the last check-in sent or answered, the last reported meeting), else its start, else its creation;
# - `invited_to_mentor_at`: the first pay-it-forward mail queued for her, so no one is invited twice after upgrading.
_CLOSURE = """
ALTER TABLE pairings ADD COLUMN close_note TEXT;
ALTER TABLE pairings ADD COLUMN close_reason_by TEXT;
ALTER TABLE participants ADD COLUMN invited_to_mentor_at TEXT;
UPDATE pairings SET close_note = close_reason, close_reason = 'other', close_reason_by = 'coordinator'
    WHERE close_reason IS NOT NULL AND trim(close_reason) != '';
UPDATE pairings SET close_reason = NULL WHERE close_reason IS NOT NULL AND trim(close_reason) = '';
UPDATE pairings SET close_reason = 'left_program', close_reason_by = 'leaving'
    WHERE status = 'closed' AND close_reason IS NULL
    AND EXISTS (SELECT 1 FROM events ev WHERE ev.entity = 'pairing:' || pairings.id AND ev.kind = 'pairing_closed');
UPDATE pairings SET close_reason = 'completed', close_reason_by = 'rule'
    WHERE status = 'closed' AND close_reason IS NULL
    AND EXISTS (SELECT 1 FROM firings f WHERE f.rule = 'closing-thanks' AND f.entity = 'pairing:' || pairings.id);
UPDATE pairings SET ended_at = COALESCE(
    (SELECT min(ev.at) FROM events ev WHERE ev.entity = 'pairing:' || pairings.id
        AND ev.kind IN ('pairing_closed', 'coordinator_close')),
    (SELECT min(f.fired_at) FROM firings f WHERE f.rule = 'closing-thanks' AND f.entity = 'pairing:' || pairings.id),
    NULLIF(max(COALESCE(last_met_at, ''),
        COALESCE((SELECT max(max(c.sent_at, COALESCE(c.answered_at, ''))) FROM checkins c
            WHERE c.pairing_id = pairings.id), '')), ''),
    started_at, created_at)
    WHERE status = 'closed' AND ended_at IS NULL;
UPDATE participants SET invited_to_mentor_at = (SELECT min(o.created_at) FROM outbox o
    WHERE o.template = 'pay_it_forward' AND o.to_addr = participants.email)
    WHERE invited_to_mentor_at IS NULL
"""


@migrations(name="0018_sponsor")
def _sponsor(db: Database) -> None:
    # Sponsorship (a mentor recommending her mentee for an opportunity), one row per sponsorship: read from a
    # mentee's check-in answer or logged by a coordinator (program/sponsorships.py). `what_key` (the words folded)
    # keeps a later check-in repeating the same one from adding a row.
    _run_script(db, _SPONSORSHIPS)


_SPONSORSHIPS = """
CREATE TABLE sponsorships (
    id INTEGER PRIMARY KEY,
    sponsor_id INTEGER NOT NULL REFERENCES participants(id),   -- the mentor who recommended her
    protege_id INTEGER NOT NULL REFERENCES participants(id),   -- the mentee she recommended
    pairing_id INTEGER REFERENCES pairings(id),
    what TEXT NOT NULL DEFAULT '',          -- for what, in the mentee's (or coordinator's) words; '' when not said
    what_key TEXT NOT NULL DEFAULT '',      -- `what` folded (case, accents, punctuation, spaces): the duplicate test
    period TEXT,                            -- the check-in's period it was reported for (YYYY-MM)
    recorded_at TEXT NOT NULL,              -- when it was recorded
    checkin_id INTEGER,                     -- the check-in it was read from (none when a coordinator logged it)
    message_id TEXT,                        -- the message it came from (messages.message_id)
    source TEXT NOT NULL DEFAULT 'checkin', -- checkin | coordinator
    logged_by TEXT NOT NULL DEFAULT ''      -- the coordinator who logged it
);
CREATE UNIQUE INDEX sponsorships_once ON sponsorships(sponsor_id, protege_id, what_key);
CREATE INDEX sponsorships_recorded ON sponsorships(recorded_at);
CREATE INDEX sponsorships_protege ON sponsorships(protege_id);
CREATE INDEX sponsorships_checkin ON sponsorships(checkin_id)
"""


@migrations(name="0019_i18n")
def _i18n(db: Database) -> None:
    # The language she reads the program's mail in (a catalog's code: es, fr, pt_BR); NULL: the program's language.
    db.execute("ALTER TABLE participants ADD COLUMN language TEXT")


# Cohorts: the config's `cohorts:` mirrored here (program/cohorts.py writes it at every tick) so that rules and reports
# can join a pairing to its cohort's calendar in SQL; the pairing and the introduction carry the cohort's name.
_COHORTS = (
    """CREATE TABLE cohorts (
        name TEXT PRIMARY KEY,                  -- as the config spells it
        starts_at TEXT NOT NULL,                -- its start day, 00:00 program time (UTC ISO)
        midpoint_at TEXT NOT NULL,              -- the day half-way from start to end, 00:00 program time
        ends_at TEXT NOT NULL,                  -- its end day, 00:00 program time
        start_day TEXT NOT NULL,                -- the config's days (YYYY-MM-DD), as people read them
        end_day TEXT NOT NULL,
        start_month INTEGER NOT NULL,           -- year * 12 + month - 1 of the start: the rhythm counts from it
        end_month INTEGER NOT NULL,             -- the same of the end: no prompt asks about a month after it
        every_months INTEGER NOT NULL DEFAULT 1,  -- check-in rhythm: a prompt every this many months (0: none)
        in_config INTEGER NOT NULL DEFAULT 1,   -- 0: gone from the config, kept because pairings still name it
        updated_at TEXT NOT NULL
    )""",
    "ALTER TABLE pairings ADD COLUMN cohort TEXT",  # the cohort the pair runs in (cohorts.name); empty: on its own
    "ALTER TABLE introductions ADD COLUMN cohort TEXT",  # a request's `cohort:` line, given to the pairing it makes
    "CREATE INDEX pairings_cohort ON pairings(cohort, status) WHERE cohort IS NOT NULL",
)


@migrations(name="0020_cohorts")
def _cohorts(db: Database) -> None:
    for statement in _COHORTS:
        db.execute(statement)


# Indexes for the rules that read few rows among many (engine/fields.py `present` and `yearly`): the mentees with a
# birthday, by month and day.
@migrations(name="0021_scale_indexes")
def _scale_indexes(db: Database) -> None:
    db.execute("CREATE INDEX participants_birthday ON participants(birthday) WHERE birthday IS NOT NULL")


@migrations(name="0022_pairs_met_count")
def _pairs_met_count(db: Database) -> None:
    for statement in _PAIRS_MET_COUNT:
        db.execute(statement)


# How many pairs met in each period, kept beside the period's check-ins as pairs_met gains and loses rows (an
# answer's "we met" said, changed or erased): the digest's six months read six rows, not every pair that met.
_PAIRS_MET_COUNT = (
    "ALTER TABLE period_figures ADD COLUMN pairs_met INTEGER NOT NULL DEFAULT 0",
    """INSERT INTO period_figures (period, pairs_met) SELECT period, count(*) FROM pairs_met WHERE true GROUP BY period
       ON CONFLICT (period) DO UPDATE SET pairs_met = excluded.pairs_met""",
    """CREATE TRIGGER period_figures_met AFTER INSERT ON pairs_met BEGIN
        INSERT INTO period_figures (period, pairs_met) VALUES (NEW.period, 1)
        ON CONFLICT (period) DO UPDATE SET pairs_met = pairs_met + 1;
    END""",
    """CREATE TRIGGER period_figures_unmet AFTER DELETE ON pairs_met BEGIN
        UPDATE period_figures SET pairs_met = pairs_met - 1 WHERE period = OLD.period;
    END""",
)


@migrations(name="0023_answered_by")
def _answered_by(db: Database) -> None:
    # Has she answered a later check-in of this pair since? (the digest's concerns: a low rating or a help line is
    # shown until she answers again): one probe of her answered check-ins in time order, not a read of all of them.
    db.execute(
        "CREATE INDEX checkins_answered_by ON checkins(pairing_id, participant_id, answered_at)"
        " WHERE status = 'answered'"
    )


@migrations(name="0024_history_replaced_partial")
def _history_replaced_partial(db: Database) -> None:
    # `explain` looks up the answers a message replaced (replaced_by = its id): only replaced rows are ever looked
    # up, so only they are indexed. Every reply adds a row per answer, and each was an index entry of NULL.
    db.execute("DROP INDEX answer_history_replaced")
    db.execute("CREATE INDEX answer_history_replaced ON answer_history(replaced_by) WHERE replaced_by IS NOT NULL")


@migrations(name="0025_indexed_when_done")
def _indexed_when_done(db: Database) -> None:
    # Fewer pages written as mail moves on. Retention only ever drops the raw text of mail that is done with
    # (processed; sent, failed or cancelled), so only that mail is indexed for it. Mail still on its way (received,
    # queued, sending) stayed in the index too, and moved in it at every change of status: one more page a reply
    # wrote when it was stored, and one more in the commit, fsync'd, that marks an outbox row `sending`. The status
    # stays the first column, so the purge's `status = … AND processed_at < ?` is still this index's search, not
    # the status index's. A check-in's answer time is only ever compared (`answered_at > ?`, a rule's `since`):
    # the check-ins not answered yet were entries of NULL, one of which each first answer moved.
    db.execute("DROP INDEX checkins_answered")
    db.execute("CREATE INDEX checkins_answered ON checkins(answered_at) WHERE answered_at IS NOT NULL")
    db.execute("DROP INDEX messages_raw_kept")
    db.execute(
        "CREATE INDEX messages_raw_kept ON messages(status, processed_at)"
        " WHERE raw IS NOT NULL AND status = 'processed'"
    )
    db.execute("DROP INDEX outbox_raw_kept")
    db.execute(
        "CREATE INDEX outbox_raw_kept ON outbox(status, created_at)"
        " WHERE length(raw) > 0 AND status IN ('sent', 'failed', 'cancelled')"
    )


# How many pairings in hand (proposed, active or paused: program/matching.TAKEN) each person has, as mentor and as
# mentee, kept by triggers as pairings are written (whatever writes them: an introduction, an import, a close, an
# erasure). The digest's waiting list and its mentors with room were a pass over every participant with a search of
# the pairings for each (at 100,000 pairings, 0.2 to 0.3 s each); with the counts on the row, two partial indexes hold
# exactly those people, in the order the digest lists them.
_IN_HAND = "('proposed', 'active', 'paused')"
_PAIRINGS_IN_HAND = (
    "ALTER TABLE participants ADD COLUMN mentees_now INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE participants ADD COLUMN mentors_now INTEGER NOT NULL DEFAULT 0",
    f"""UPDATE participants SET
        mentees_now = (SELECT count(*) FROM pairings x WHERE x.mentor_id = participants.id
            AND x.status IN {_IN_HAND}),
        mentors_now = (SELECT count(*) FROM pairings x WHERE x.mentee_id = participants.id
            AND x.status IN {_IN_HAND})""",
    f"""CREATE TRIGGER pairings_in_hand_added AFTER INSERT ON pairings WHEN NEW.status IN {_IN_HAND} BEGIN
        UPDATE participants SET mentees_now = mentees_now + 1 WHERE id = NEW.mentor_id;
        UPDATE participants SET mentors_now = mentors_now + 1 WHERE id = NEW.mentee_id;
    END""",
    f"""CREATE TRIGGER pairings_in_hand_gone AFTER DELETE ON pairings WHEN OLD.status IN {_IN_HAND} BEGIN
        UPDATE participants SET mentees_now = mentees_now - 1 WHERE id = OLD.mentor_id;
        UPDATE participants SET mentors_now = mentors_now - 1 WHERE id = OLD.mentee_id;
    END""",
    f"""CREATE TRIGGER pairings_in_hand_changed AFTER UPDATE OF status, mentor_id, mentee_id ON pairings
    WHEN (OLD.status IN {_IN_HAND}) != (NEW.status IN {_IN_HAND})
        OR OLD.mentor_id IS NOT NEW.mentor_id OR OLD.mentee_id IS NOT NEW.mentee_id BEGIN
        UPDATE participants SET mentees_now = mentees_now - (OLD.status IN {_IN_HAND}) WHERE id = OLD.mentor_id;
        UPDATE participants SET mentees_now = mentees_now + (NEW.status IN {_IN_HAND}) WHERE id = NEW.mentor_id;
        UPDATE participants SET mentors_now = mentors_now - (OLD.status IN {_IN_HAND}) WHERE id = OLD.mentee_id;
        UPDATE participants SET mentors_now = mentors_now + (NEW.status IN {_IN_HAND}) WHERE id = NEW.mentee_id;
    END""",
    # Who waits for a match (coordinator/digest.WAITING, in its order): a mentee (or both) with no mentor in hand, a
    # mentor with no mentee. The query repeats these terms word for word, so SQLite may use the index.
    """CREATE INDEX participants_waiting ON participants(created_at)
    WHERE status = 'active' AND bounced_at IS NULL
        AND ((role IN ('mentee', 'both') AND mentors_now = 0) OR (role = 'mentor' AND mentees_now = 0))""",
    # Mentors with room (program/matching.MENTORS, by name): 1 is matching.DEFAULT_CAPACITY.
    """CREATE INDEX participants_room ON participants(name)
    WHERE role IN ('mentor', 'both') AND status = 'active' AND bounced_at IS NULL
        AND mentees_now < COALESCE(capacity, 1)""",
)


@migrations(name="0026_pairings_in_hand")
def _pairings_in_hand(db: Database) -> None:
    for statement in _PAIRINGS_IN_HAND:
        db.execute(statement)


class DatabaseError(Exception):
    """The database cannot be opened or used; the message says which file and why."""


def open_db(path: Path | str) -> Database:
    """Open (creating folder and file on first use) and migrate the program database."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: statements outside db.atomic() commit at once; atomic() groups the rest.
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1000)
        db = sqlite_utils.Database(conn)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA foreign_keys=ON")
        # NORMAL in WAL survives any crash of the process; only a power cut can lose the newest commits. That is
        # safe for everything recomputable from the ledger; the two commits the promises rest on use `durably`.
        db.execute("PRAGMA synchronous=NORMAL")
        # Deleted rows are overwritten with zeros, not just unlinked: an erased person's words must not stay
        # readable in free pages of the file (README, "Erasure"; its cost is in benchmarks/checkin_replies.py).
        db.execute("PRAGMA secure_delete=ON")
        migrations.apply(db)
    except (OSError, sqlite3.Error) as exc:
        raise DatabaseError(f"cannot open the database {path}: {exc}") from None
    return db


# The day (UTC) each open database last had its statistics refreshed in this process.
_REFRESHED: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()


def refresh_statistics(db: Database, now: str) -> bool:
    """Once a day, let SQLite keep the query planner's statistics (sqlite_stat1) true as the program grows: PRAGMA
    optimize analyses the tables this connection's queries used that were never analysed or have grown 25-fold
    since, and analysis_limit keeps that to milliseconds however large the file. Without statistics the planner
    takes an index on a status for selective (it assumes ten rows a value) and walks every active pairing where a
    list of a cohort's few pairs would do; the SQLite documentation recommends this for long-lived connections.
    Once a day per process, not every tick: a table with an empty partial index (no birthdays yet) is analysed at
    every call. Returns whether it ran."""
    if _REFRESHED.get(db, "")[:10] >= now[:10]:
        return False
    db.execute("PRAGMA analysis_limit=400")
    db.execute("PRAGMA optimize")
    _REFRESHED[db] = now
    return True


def backup(db: Database, target: Path) -> int:
    """A consistent copy of the database at `target`, taken with SQLite's online backup API while the assistant
    keeps running (it copies a snapshot; writers go on). Written beside the target, then renamed into place, so a
    half-written backup never has the target's name. Returns its size in bytes."""
    target = Path(target)
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    copy = sqlite3.connect(str(partial))
    try:
        db.conn.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
    finally:
        copy.close()
    os.replace(partial, target)
    return target.stat().st_size


@contextlib.contextmanager
def durably(db: Database) -> Iterator[None]:
    """Commit what is inside with a full fsync, surviving a power cut. Used where a promise rests on one commit:
    a message is in the ledger before the inbox lets go of it (no loss), and an outbox row is marked `sending`
    before SMTP (at most once). Everything else can be redone from the ledger, and a later full fsync persists it
    too, since the WAL is written in order."""
    db.execute("PRAGMA synchronous=FULL")
    try:
        yield
    finally:
        db.execute("PRAGMA synchronous=NORMAL")


def compact(db: Database) -> bool:
    """After an erasure: fold the WAL into the file and empty it, rebuild the file (VACUUM) so no page keeps an old
    copy of a row, and empty the WAL VACUUM wrote. Takes a moment on a big database; run once per erasure batch.

    False when another connection's read (`browse`) kept the WAL from being emptied: old copies of rows may still be
    in it, so the caller tries again later. It waits a second for such a reader, not the usual 30."""
    db.execute("PRAGMA busy_timeout=1000")
    try:
        before = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        db.execute("VACUUM")
        after = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    finally:
        db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return not before[0] and not after[0]  # the first column is 1 when the checkpoint could not finish


def record_event(db: Database, at: str, kind: str, entity: str = "", **detail: Any) -> None:
    """Append to the audit log: what happened, to what, and why."""
    # Plain SQL: sqlite-utils' insert reads the table's metadata first, three statements for every event.
    db.execute(
        "INSERT INTO events (at, kind, entity, detail) VALUES (?, ?, ?, ?)",
        (at, kind, entity, json.dumps(detail, default=str)),
    )


def insert_row(db: Database, table: str, row: dict[str, Any]) -> int:
    """Insert one row in plain SQL and return its rowid. (sqlite-utils' `db[table].insert` reads the table's
    metadata first, several statements for every row.) `table` and the keys come from our code, never from mail."""
    sql = f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"
    return int(db.execute(sql, list(row.values())).lastrowid or 0)


def update_row(db: Database, table: str, row_id: int, changes: dict[str, Any]) -> None:
    """Update one row by id in plain SQL (see `insert_row`)."""
    sql = f"UPDATE {table} SET {', '.join(f'{column} = ?' for column in changes)} WHERE id = ?"
    db.execute(sql, [*changes.values(), row_id])


def one(db: Database, sql: str, params: Any = ()) -> dict[str, Any] | None:
    """The first row of a query as a dict, or None."""
    cursor = db.conn.execute(sql, params)  # not db.query: it wraps every SELECT in a savepoint of its own
    row = cursor.fetchone()
    return dict(zip([column[0] for column in cursor.description], row, strict=True)) if row else None


def each_row(db: Database, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
    """The rows of a query as dicts, one at a time: memory stays flat however many there are (see `one`)."""
    cursor = db.conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    for row in cursor:
        yield dict(zip(names, row, strict=True))


def rows(db: Database, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    """Every row of a query as dicts (see `one`)."""
    cursor = db.conn.execute(sql, params)
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def counts(db: Database) -> dict[str, int]:
    return {table: db[table].count for table in TABLES}
