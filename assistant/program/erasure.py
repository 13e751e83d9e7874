"""Erasing a participant ("delete me", confirmed): nothing of her address, her name or her words is left.

Where she can be, and what happens there:

- her own rows (check-ins, answers, milestones, her mentor wish list, reply tokens, confirmations, coordinators'
  notes about her, her inbound mail, mail sent only to her, events, firings and entries of the coordinators' daily
  list about her): deleted;
- the rows that name her or carry her words but belong to others (her partner's prompt, a coordinator's alert or
  digest, a forwarded note, her partner's answers, events, introduction notes): redacted, her name, address and
  words replaced by a neutral placeholder. Queued mail still goes out, redacted; mail to her and others loses her
  address. Others' inbound mail that quotes her keeps its ledger row (dedupe) but not its raw text;
- her participant row: anonymised (pairings still point to it); a hash of her address goes to `suppressions`;
- the mail folders the assistant owns: the Message-IDs of every stored message of hers, to her or naming her go to
  `expunge`, and the transports remove those messages at the next poll (inbound/expunge.py);
- the database file: secure_delete zeroes what is deleted, and the poll that erased checkpoints the WAL and
  vacuums once (db.compact).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso
from assistant.config import Config
from assistant.db import update_row
from assistant.identity import suppress
from assistant.mail.message import parse_message
from assistant.mail.redact import Phrases, mentions, redact
from assistant.mail.reply_text import new_text
from assistant.program.closure import close

PLACEHOLDER = "a former participant"
WORDS_PLACEHOLDER = "[erased]"
_MIN_FRAGMENT = 12  # shorter pieces of her text ("yes", "twice", "4/5") say nothing about her and are everywhere
_MARKER = re.compile(r"^\s*(?:>\s*)*(?:#?\d{1,2}[.):]\s*|[-*•]\s+|[A-Za-z ]{1,20}:\s+)?")
_LIKES_PER_STATEMENT = 200
_SENT = ("sent", "sending", "uncertain")  # rows whose message may sit in the sent folder

_JSON = re.compile(r"^\s*[\[{]")  # a JSON column (reasons, detail, payload): redacted value by value


def erase(db: Database, config: Config, person: dict[str, Any], now: str, keep_ledger_id: int | None = None) -> None:
    """`keep_ledger_id`: the message being handled; its ledger row stays (for dedupe) and the caller scrubs it."""
    former = former_addresses(db, person["id"])
    phrases = traces(db, config, person, former)
    with db.atomic():
        _functions(db, phrases, person["email"])
        checkins = [row[0] for row in db.execute("SELECT id FROM checkins WHERE participant_id = ?", [person["id"]])]
        for address in [person["email"], *former]:  # the addresses she moved from were hers too
            _ledger(db, phrases, address, keep_ledger_id, now)
            _outbox(db, phrases, address, now)
        _own_rows(db, person, checkins, now)
        for table, columns in _text_columns(db):  # every one: a new column cannot be forgotten here
            _redact_table(db, phrases, table, columns)
        _anonymise(db, person, now)
        for address in [person["email"], *former]:
            suppress(db, address, "asked to be erased", now)


def former_addresses(db: Database, participant_id: int) -> list[str]:
    """The addresses she moved away from (`address_changes`), newest first."""
    rows = db.execute(
        "SELECT DISTINCT old_email FROM address_changes WHERE participant_id = ? ORDER BY id DESC", [participant_id]
    )
    return [row[0] for row in rows]


def traces(db: Database, config: Config, person: dict[str, Any], former: Iterable[str] = ()) -> Phrases:
    """What would identify her: her address, her name (and each part of it no one else's name shares), and
    the pieces of text she wrote (profile, answers, the new text of her mail)."""
    name, address = person["name"] or "", person["email"]
    replacements = [(f"{name} <{address}>", PLACEHOLDER), (address, PLACEHOLDER), (name, PLACEHOLDER)]
    replacements += [(old, PLACEHOLDER) for old in former]
    replacements += [(part, PLACEHOLDER) for part in _own_name_parts(db, config, person)]
    fragments = _fragments(_her_texts(db, person))
    replacements += [(fragment, WORDS_PLACEHOLDER) for fragment in _hers_alone(db, config, person, fragments)]
    return Phrases(replacements)


def _own_name_parts(db: Database, config: Config, person: dict[str, Any]) -> list[str]:
    """Her first name alone is how templates greet her partner about her; a part that someone else's name has too
    (another Maya, a coordinator) does not point to her, and replacing it would only garble their mail."""
    parts = {p.strip(".,").lower() for p in (person["name"] or "").split() if len(p.strip(".,")) >= 2}
    others = [row[0] for row in db.execute("SELECT name FROM participants WHERE id != ?", [person["id"]])]
    others += [c.name for c in config.coordinators] + [config.assistant.name, config.program_name]
    shared = {word.strip(".,").lower() for name in others for word in (name or "").split()}
    return sorted(parts - shared)


def _her_texts(db: Database, person: dict[str, Any]) -> list[str]:
    texts = [person.get("goals") or "", person.get("skills") or "", person.get("industry") or ""]
    texts += [
        value
        for row in db.execute(
            "SELECT a.raw, a.value FROM answers a JOIN checkins c ON c.id = a.checkin_id WHERE c.participant_id = ?",
            [person["id"]],
        )
        for value in row
        if value
    ]
    for (raw,) in db.execute(
        "SELECT raw FROM messages WHERE from_addr LIKE ? AND raw IS NOT NULL", [f"%{person['email']}%"]
    ):
        try:
            texts.append(new_text(parse_message(bytes(raw)).text))
        except Exception:  # a message that no longer parses adds no fragments; the row goes anyway
            continue
    return texts


def _fragments(texts: Iterable[str]) -> list[str]:
    """Her lines, without quote marks, numbers or labels ("3. ", "Help: "), of two words or more and long enough
    to be hers."""
    found = set()
    for text in texts:
        for line in str(text).splitlines():
            piece = _MARKER.sub("", line, count=1).strip()
            if len(piece) >= _MIN_FRAGMENT and len(piece.split()) >= 2:
                found.add(piece)
    return sorted(found)


def _hers_alone(db: Database, config: Config, person: dict[str, Any], fragments: list[str]) -> list[str]:
    """Leave out what others wrote too (an answer someone else gave word for word, a profile line) and what our own
    templates say ("Thank you!"): those words are not hers, and replacing them would garble other people's mail."""
    if not fragments:
        return []
    wanted = json.dumps(sorted({f.lower() for f in fragments}))
    common = {
        row[0]
        for row in db.execute(
            "SELECT DISTINCT lower(trim(x)) FROM (SELECT a.raw AS x FROM answers a JOIN checkins c"
            " ON c.id = a.checkin_id WHERE c.participant_id != :me UNION ALL SELECT goals FROM participants"
            " WHERE id != :me UNION ALL SELECT skills FROM participants WHERE id != :me)"
            " WHERE lower(trim(x)) IN (SELECT value FROM json_each(:wanted))",
            {"me": person["id"], "wanted": wanted},
        )
    }
    templates = " ".join(
        path.read_text(encoding="utf-8", errors="replace").lower() for path in sorted(config.templates.glob("*.j2"))
    )
    return [f for f in fragments if f.lower() not in common and f.lower() not in templates]


def _functions(db: Database, phrases: Phrases, address: str) -> None:
    """SQL functions for this erasure, so that each table is redacted by one UPDATE."""

    def found(value: Any) -> bool:
        if isinstance(value, bytes):
            return mentions(value, phrases, [address])
        return isinstance(value, str) and (phrases.search(value) or phrases.search(_decoded_json(value)))

    def redact_text(value: Any) -> Any:
        if not found(value):  # another column of the row named her: this one is left exactly as it was
            return value
        if _JSON.match(value):
            try:
                return json.dumps(_redact_tree(json.loads(value), phrases), default=str)
            except ValueError:
                pass
        return phrases.sub(value)

    db.conn.create_function("erasure_mentions", 1, found)
    db.conn.create_function("erasure_redact", 1, redact_text)


def _decoded_json(value: str) -> str:
    """JSON text with its escapes (\\u00f3) undone, so a name with accents is found in it."""
    if not _JSON.match(value) or "\\u" not in value:
        return ""
    try:
        return json.dumps(json.loads(value), ensure_ascii=False)
    except ValueError:
        return ""


def _redact_table(db: Database, phrases: Phrases, table: str, columns: list[str]) -> None:
    """One UPDATE. A row is looked at first in SQL, each column for a needle of each phrase with LIKE (no Python
    call, no copy: a big events log or answers table is long), then by the phrases themselves, once per row."""
    joined = " || char(31) || ".join(f"coalesce({c}, '')" for c in columns)
    changes = ", ".join(f"{c} = erasure_redact({c})" for c in columns)
    needles = phrases.needles
    if not needles or not all(n.isascii() for n in needles):  # LIKE folds ASCII only: Python looks at every row
        db.execute(f"UPDATE {table} SET {changes} WHERE erasure_mentions({joined})")
        return
    # A few needles per statement: SQLite limits how deep an expression (a chain of ORs) may be.
    step = max(1, _LIKES_PER_STATEMENT // len(columns))
    for start in range(0, len(needles), step):
        patterns = ["%" + re.sub(r"([%_\\])", r"\\\1", n) + "%" for n in needles[start : start + step]]
        first_look = " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in columns for _ in patterns)
        params = [p for _ in columns for p in patterns]
        db.execute(f"UPDATE {table} SET {changes} WHERE ({first_look}) AND erasure_mentions({joined})", params)


def _text_columns(db: Database) -> list[tuple[str, list[str]]]:
    """Every table with its text columns (sqlite_master: the program's tables, whoever added them)."""
    tables = [
        row[0]
        for row in db.execute(
            # expunge: the Message-IDs the transports still need, exactly as the folders hold them
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name != 'expunge'"
        )
    ]
    found = []
    for table in tables:
        columns = [
            c for _, c, kind, *_ in db.execute(f"PRAGMA table_info({table})").fetchall() if kind.upper() == "TEXT"
        ]
        if columns:
            found.append((table, columns))
    return found


def _redact_tree(value: Any, phrases: Phrases) -> Any:
    """JSON escapes non-ASCII letters (\\u00eb): redact the decoded values, never the escaped text."""
    if isinstance(value, str):
        return phrases.sub(value)
    if isinstance(value, list):
        return [_redact_tree(item, phrases) for item in value]
    if isinstance(value, dict):
        return {key: _redact_tree(item, phrases) for key, item in value.items()}
    return value


def _ledger(db: Database, phrases: Phrases, address: str, keep: int | None, now: str) -> None:
    """Her mail: deleted (the message being handled is scrubbed by the pipeline), with the events about it. Others'
    mail that names her or quotes her: its raw text dropped. Every such message leaves the inbox folders too. Mail a
    coordinator released as hers (`review release`, from another address) is hers."""
    mine = db.execute(
        "SELECT id, message_id FROM messages WHERE from_addr LIKE ? OR released_as = ?", [f"%{address}%", address]
    ).fetchall()
    naming = [
        (row_id, message_id)
        for row_id, message_id, raw in db.execute(
            "SELECT id, message_id, raw FROM messages WHERE raw IS NOT NULL AND NOT from_addr LIKE ?"
            " AND coalesce(released_as, '') != ?",
            [f"%{address}%", address],
        )
        if mentions(bytes(raw), phrases, [address])
    ]
    db.conn.executemany(
        "INSERT OR IGNORE INTO expunge (message_id, place, created_at) VALUES (?, 'inbox', ?)",
        [(message_id, now) for _, message_id in [*mine, *naming]],
    )
    db.conn.executemany("UPDATE messages SET raw = NULL WHERE id = ?", [(row_id,) for row_id, _ in naming])
    db.conn.executemany("DELETE FROM events WHERE entity = ?", [(f"message:{message_id}",) for _, message_id in mine])
    db.conn.executemany("DELETE FROM messages WHERE id = ?", [(row_id,) for row_id, _ in mine if row_id != keep])


def _outbox(db: Database, phrases: Phrases, address: str, now: str) -> None:
    """Mail only to her: deleted. Mail to others that names her, or to her and others: redacted, her address out
    of its recipients. A copy already sent is expunged from the sent folder either way."""
    for row in db.execute(
        "SELECT id, to_addr, message_id, status FROM outbox WHERE instr(lower(to_addr), :a) > 0"
        " OR erasure_mentions(raw) OR erasure_mentions(subject)",
        {"a": address.lower()},
    ).fetchall():
        row_id, to_addr, message_id, status = row
        if status in _SENT:
            db.execute(
                "INSERT OR IGNORE INTO expunge (message_id, place, created_at) VALUES (?, 'sent', ?)",
                [message_id, now],
            )
        others = [a.strip() for a in to_addr.split(",") if a.strip() and a.strip().lower() != address.lower()]
        if not others:
            db.execute("DELETE FROM outbox WHERE id = ?", [row_id])
            db.execute("DELETE FROM events WHERE entity = ?", [f"outbox:{row_id}"])
            continue
        _redact_row(db, row_id, phrases, address, ", ".join(others))


def _redact_row(db: Database, row_id: int, phrases: Phrases, address: str, to_addr: str) -> None:
    (raw,) = db.execute("SELECT raw FROM outbox WHERE id = ?", [row_id]).fetchone()
    changes: dict[str, Any] = {"to_addr": to_addr}
    if raw:
        try:
            changes["raw"] = redact(bytes(raw), phrases, [address])
        except Exception:  # mail we cannot rewrite is not kept, and not sent
            changes.update({"raw": b"", "status": "cancelled", "last_error": "erased: could not be redacted"})
    update_row(db, "outbox", row_id, changes)


def _own_rows(db: Database, person: dict[str, Any], checkins: list[int], now: str) -> None:
    pid = person["id"]
    entities = [f"participant:{pid}", *(f"checkin:{c}" for c in checkins)]
    for checkin_id in checkins:
        db.execute("DELETE FROM answers WHERE checkin_id = ?", [checkin_id])
        db.execute("DELETE FROM answer_history WHERE checkin_id = ?", [checkin_id])
    db.execute("DELETE FROM milestones WHERE participant_id = ?", [pid])  # her news, in her own words
    db.execute("DELETE FROM checkins WHERE participant_id = ?", [pid])
    db.execute("DELETE FROM reply_tokens WHERE participant_id = ?", [pid])
    # What coordinators noted about her goes with her; notes on her pairings are redacted like every text column.
    db.execute("DELETE FROM notes WHERE participant_id = ?", [pid])
    db.execute("DELETE FROM address_changes WHERE participant_id = ?", [pid])  # her old addresses are hers too
    # Her wish list is her words; a wish naming her on someone else's list is redacted like every text column.
    db.execute("DELETE FROM wishlist WHERE mentee_id = ?", [pid])
    for entity in entities:
        db.execute("DELETE FROM events WHERE entity = ?", [entity])
        db.execute("DELETE FROM firings WHERE entity = ?", [entity])
    db.execute("DELETE FROM escalation_items WHERE participant_id = ?", [pid])  # about her, with her words
    # Sponsorships she received are about her opportunities; those she gave stay (her row anonymised) for the mentee.
    db.execute("DELETE FROM sponsorships WHERE protege_id = ?", [pid])
    # Her own pending confirmations, and a coordinator's request about her waiting to be confirmed: both go.
    db.execute("DELETE FROM confirmations WHERE address = ? OR erasure_mentions(payload)", [person["email"]])
    db.execute("UPDATE intro_asks SET status = 'skipped', reason = 'erased' WHERE mentor_id = ?", [pid])
    db.execute(
        "UPDATE introductions SET note = '', status = CASE status WHEN 'asking' THEN 'cancelled' ELSE status END,"
        " updated_at = ? WHERE mentee_id = ?",
        [now, pid],
    )
    # Usually closed already (leaving.leave runs first); any still open ends now, because she left.
    for (pairing_id,) in db.execute(
        "SELECT id FROM pairings WHERE (mentor_id = ? OR mentee_id = ?) AND status != 'closed'", [pid, pid]
    ).fetchall():
        close(db, pairing_id, from_iso(now), by="leaving", reason="left_program")
    # Her closing survey's words, kept as a pairing's reason, are hers: the reason stays, the words go.
    db.execute(
        "UPDATE pairings SET close_note = NULL WHERE (mentor_id = ? AND close_reason_by = 'mentor')"
        " OR (mentee_id = ? AND close_reason_by = 'mentee')",
        [pid, pid],
    )


def _anonymise(db: Database, person: dict[str, Any], now: str) -> None:
    """The row stays, so her partner's pairing and the program's figures stay whole; nothing in it is hers."""
    pid = person["id"]
    update_row(
        db,
        "participants",
        pid,
        {
            "email": f"erased-{pid}@invalid",
            "name": "",
            "skills": "",
            "goals": "",
            "industry": "",
            "timezone": None,
            "birthday": None,
            "status": "left",
            "paused_until": None,
            "capacity": None,
            "bounced_at": None,
            "updated_at": now,
        },
    )
