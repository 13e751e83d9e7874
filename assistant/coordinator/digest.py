"""The coordinators' weekly digest: what happened, what needs a person, and who is waiting for a match.

What needs a person comes first: the mail the assistant kept rather than guess (the review queue, review.py), then
low ratings and help requests, quiet pairs, stalled introductions and bounces. Sponsorships recorded in the last
week are celebrated lower down; `report` adds every sponsorship and the lineage (lineage.py).

`figures` reads the database and returns plain data (also used by `mentor-assistant report`); `chart_png`
(chart.py) draws the last six months; `send_digest_if_due` queues one digest per coordinator per ISO week, once the
configured weekday and hour have come in the program's time zone. The outbox key `digest:<coordinator>:<YYYY-Www>`
makes it at most once, however often the tick runs.

It stays small for a large program: the figures are counted in SQL, and each list in the mail shows its first
`LIMIT` rows and how many more there are (`report` shows them all). Its thresholds, a low rating and a drifting
pair, are those of the rules (see policy.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso, iso, local_day, month_name
from assistant.config import Config, Person
from assistant.coordinator import cohorts as cohort_figures
from assistant.coordinator import lineage, review
from assistant.coordinator.chart import chart_png
from assistant.coordinator.policy import Policy, policy
from assistant.engine.conditions import number
from assistant.engine.schema import Rule
from assistant.outbox import Mail, Outbox
from assistant.outbox.enqueue import common_context
from assistant.program import sponsorships, wishlist
from assistant.program.matching import Pool, has_industry, mentors_with_room, suggest

TEMPLATE = "digest"
CHART_CID = "chart"
RECENT = timedelta(days=14)  # low ratings and help requests this recent are listed
WEEK = timedelta(days=7)  # a sponsorship recorded this recently is new in the digest
SILENT_AFTER = timedelta(days=7)  # a cycle's prompt unanswered by both for this long makes a pair silent
MONTHS = 6
LIMIT = 20  # rows per list in the digest mail; a mail of thousands of rows helps nobody
SEE_ALL = "mentor-assistant report"  # where the rest is, said under a list that was cut
CHUNK = 500  # ids per query when details are loaded for a list of pairs
NOTHING = {"", "-", "n/a", "na", "no", "none", "nope", "nothing", "no thanks", "no, thanks", "all good", "not now"}


# --- when ---------------------------------------------------------------------------------------------------------


def digest_week(config: Config, now: datetime) -> str | None:
    """'YYYY-Www' when this ISO week's digest moment (weekday and hour, program time) has come, else None."""
    local = now.astimezone(config.timezone)
    year, week, weekday = local.isocalendar()
    day = local.date() + timedelta(days=config.digest.weekday - (weekday - 1))
    due = datetime.combine(day, time(config.digest.hour), tzinfo=config.timezone)
    return f"{year:04d}-W{week:02d}" if local >= due else None


def digest_key(coordinator: Person, week: str) -> str:
    return f"digest:{coordinator.email}:{week}"


def send_digest_if_due(db: Database, config: Config, outbox: Outbox, now: datetime, rules: Sequence[Rule]) -> int:
    """Queue this week's digest for each coordinator who has not had it. Returns how many were queued.

    Nothing is queued when the digest is disabled, before the configured moment, or while the program has no
    participants yet. The figures and the chart are computed only when a digest is actually due. `rules` are the
    loaded rules, whose thresholds the digest uses.
    """
    if not config.digest.enabled:
        return 0
    week = digest_week(config, now)
    if week is None:
        return 0
    due = [c for c in config.coordinators if not outbox.has(digest_key(c, week))]
    if not due or not db.execute("SELECT 1 FROM participants LIMIT 1").fetchone():
        return 0
    figs = figures(db, config, now, rules=rules, limit=LIMIT)
    png = chart_png(figs["months"])
    queued = 0
    for coordinator in due:
        mail = Mail(
            key=digest_key(coordinator, week),
            template=TEMPLATE,
            to=[(coordinator.name, coordinator.email)],
            context=context(figs, coordinator, config),
            entity=f"digest:{week}",
            images=[(CHART_CID, png)],
        )
        queued += 1 if outbox.enqueue(mail) else 0
    return queued


def context(figs: dict[str, Any], coordinator: Person, config: Config) -> dict[str, Any]:
    """Template variables: the figures, who it is for, when it comes, and the chart's Content-ID."""
    day = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[config.digest.weekday]
    schedule = f"every {day} at {config.digest.hour:02d}:00"
    a_monday = date(2024, 1, 1)  # the weekday's name in the reader's language: that of a day which is one
    return {
        **figs,
        "coordinator": coordinator,
        "chart_cid": CHART_CID,
        "schedule": schedule,
        "schedule_weekday": local_day(a_monday + timedelta(days=config.digest.weekday), day, "EEEE"),
        "schedule_hour": f"{config.digest.hour:02d}:00",
        "see_all": SEE_ALL,
        "review_command": review.COMMAND,
    }


# --- what ---------------------------------------------------------------------------------------------------------


def current_cycle(db: Database, config: Config, now: datetime) -> str:
    """The latest period with check-ins up to this month (program time); this month when there is none."""
    local = now.astimezone(config.timezone)
    month = f"{local.year:04d}-{local.month:02d}"
    row = db.execute("SELECT max(period) FROM checkins WHERE period <= ?", [month]).fetchone()
    return row[0] or month


def figures(
    db: Database,
    config: Config,
    now: datetime,
    cycle: str | None = None,
    *,
    rules: Sequence[Rule],
    limit: int | None = None,
    cohort: str | None = None,
) -> dict[str, Any]:
    """Everything a coordinator sees in the digest and in `report`, as plain JSON-ready data.

    `rules` are the loaded rules (their thresholds are the digest's). With a `limit`, each list holds at most that
    many rows, the first ones, and `counts` says how many there are in all (`more`, how many were left out).
    With a `cohort` (its stored name: cohorts.resolve), the figures and lists are that cohort's pairs' only, and
    the lists that belong to no pair (the review queue, who waits for a match, bounces) are left out."""
    cycle = cycle or current_cycle(db, config, now)
    local = now.astimezone(config.timezone)
    zone, thresholds = config.timezone, policy(rules)
    only = cohort_figures.pairing_ids(db, cohort) if cohort else None
    pairs = _pairs(db, cycle, now, zone, thresholds, limit, only)
    concerns, concern_count = _concerns(db, now, zone, thresholds, None if only is not None else limit)
    if only is not None:
        concerns = [c for c in concerns if c["pairing_id"] in only]
        concern_count = len(concerns)
    introductions = _introductions(db, now)
    waiting = _waiting(db, now) if only is None else []
    kept, kept_count = review.waiting(db, zone, limit) if only is None else ([], 0)  # the digest lists it first
    bounced = _bounced(db, zone) if only is None else []
    if cohort:
        introductions = [i for i in introductions if i.get("cohort") == cohort]
    lines = cohort_figures.lines(db, cycle, now, pairs["silent_ids"])
    sponsored = _sponsorships(db, zone)
    lists = {
        "met_pairs": pairs["met"],
        "silent_pairs": pairs["silent"],
        "concerns": concerns,
        "introductions_stalled": [i for i in introductions if i["needs_you"]],
        "introductions_under_way": [i for i in introductions if not i["needs_you"]],
        "waiting_mentees": [w for w in waiting if w["role"] != "mentor"],
        "waiting_mentors": [w for w in waiting if w["role"] == "mentor"],
        "review": kept,
        "bounced": bounced,
        "sponsorships": sponsored,
        "sponsorships_new": [s for s in sponsored if s["recorded_at"] >= iso(now - WEEK)],
    }
    counts = {name: len(items) for name, items in lists.items()} | pairs["counts"]
    counts |= {"concerns": concern_count, "review": kept_count}
    shown = {name: items if limit is None else items[:limit] for name, items in lists.items()}
    needs = ("review", "silent_pairs", "concerns", "bounced", "introductions_stalled")
    return {
        "generated_at": iso(now),
        "date": local.date().isoformat(),
        "date_text": local_day(local.date(), f"{local:%A} {local.day} {local:%B %Y}", "full"),
        "week": f"{local.isocalendar()[0]:04d}-W{local.isocalendar()[1]:02d}",
        "cycle": cycle,
        "cycle_name": month_name(cycle),
        "response": _response(db, cycle, only),
        "cohorts": lines,  # one line of figures per cohort; empty when the program has none
        "cohort": next((line for line in lines if line["name"] == cohort), None) if cohort else None,
        "active_pairs": pairs["active"],
        "met_pairs": shown["met_pairs"],
        "silent_pairs": shown["silent_pairs"],
        "concerns": shown["concerns"],
        "introductions": _in_order(introductions, shown["introductions_stalled"] + shown["introductions_under_way"]),
        "waiting": _in_order(waiting, shown["waiting_mentees"] + shown["waiting_mentors"]),
        "suggestions": _suggestions(db, shown["waiting_mentees"]),
        "review": shown["review"],
        "bounced": shown["bounced"],
        "sponsorships": shown["sponsorships"],
        "sponsorships_new": shown["sponsorships_new"],
        # Who mentored whom: `report` shows it; the weekly mail does not, so a large program's tick is spared it.
        "lineage": lineage.summary(db) if limit is None else None,
        "needs_you": sum(counts[name] for name in needs),
        "months": _months(db, cycle),
        "counts": counts,
        "more": {name: counts[name] - len(items) for name, items in shown.items()},
        "limit": limit,
        "policy": thresholds.as_dict(),
    }


def _sponsorships(db: Database, zone: tzinfo) -> list[dict[str, Any]]:
    """Every sponsorship recorded, newest first: who recommended whom, for what, when."""
    return [
        {
            "sponsor": {"name": s["sponsor_name"] or s["sponsor"], "email": s["sponsor"]},
            "protege": {"name": s["protege_name"] or s["protege"], "email": s["protege"]},
            "what": s["what"],
            "period": s["period"],
            "recorded_at": s["recorded_at"],
            "on": _on(s["recorded_at"], zone),
            "source": s["source"],
        }
        for s in reversed(sponsorships.listed(db))
    ]


def _in_order(everything: list[dict[str, Any]], kept: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The kept rows in their original order (two groups cut apart, then put back together)."""
    ids = {id(row) for row in kept}
    return [row for row in everything if id(row) in ids]


def _response(db: Database, cycle: str, only: set[int] | None = None) -> dict[str, Any]:
    """This cycle's check-ins sent and answered: all of them, or those of the pairings `only`."""
    if only is None:
        answered, awaiting = db.execute(
            "SELECT COALESCE(sum(status = 'answered'), 0), COALESCE(sum(status = 'awaiting'), 0) FROM checkins"
            " WHERE period = ?",
            [cycle],
        ).fetchone()
    else:
        statuses = [
            s
            for pid, s in db.execute("SELECT pairing_id, status FROM checkins WHERE period = ?", [cycle])
            if pid in only
        ]
        answered, awaiting = statuses.count("answered"), statuses.count("awaiting")
    sent = answered + awaiting  # skipped check-ins (paused people) are left out
    return {
        "sent": sent,
        "answered": answered,
        "awaiting": awaiting,
        "rate": round(answered / sent, 3) if sent else None,
        "percent": round(100 * answered / sent) if sent else None,
    }


def _days(now: datetime, then: str | None) -> int | None:
    return (now - from_iso(then)).days if then else None


def _person(row: dict[str, Any], prefix: str) -> dict[str, Any]:
    return {"name": row[f"{prefix}_name"] or row[f"{prefix}_email"], "email": row[f"{prefix}_email"]}


# As the rules count it (engine/fields.py, pairing.last_met_at): before any reported meeting, from the later of the
# start and the day we began tracking the pair (an imported pair's earlier meetings are unknown).
LAST_MET = "max(COALESCE(pr.last_met_at, ''), COALESCE(pr.started_at, ''), pr.created_at)"
# Active pairs whose check-ins this cycle say they met (pairs_met, kept by triggers as answers are written), in
# order: the first ones are read without a pass over the others (CROSS JOIN: pairs_met, in its key's order, leads).
MET_PAIRS = """
SELECT m.pairing_id FROM pairs_met m CROSS JOIN pairings pr ON pr.id = m.pairing_id
WHERE m.period = :cycle AND pr.status = 'active' ORDER BY m.pairing_id LIMIT :limit
"""
# How many there are: every pair that met this cycle (period_figures), less those not active (a few, found by
# pairings_status_started, each looked up in pairs_met).
MET_COUNT = """
SELECT COALESCE((SELECT pairs_met FROM period_figures WHERE period = :cycle), 0)
     - (SELECT count(*) FROM pairings pr CROSS JOIN pairs_met m ON m.period = :cycle AND m.pairing_id = pr.id
        WHERE pr.status IN ('proposed', 'paused', 'closed'))
"""
# Active pairs whose cycle prompt has waited SILENT_AFTER with no answer from either (the cycle's check-ins, grouped
# by pair in checkins_period's order, read from the index alone).
UNANSWERED = """
SELECT u.pairing_id FROM (
    SELECT c.pairing_id FROM checkins c WHERE c.period = :cycle GROUP BY c.pairing_id
    HAVING min(c.sent_at) <= :unanswered_since AND NOT max(c.status = 'answered')
) u JOIN pairings pr ON pr.id = u.pairing_id WHERE pr.status = 'active'
"""
# The active pairs with no meeting reported for as long as the policy says (times are UTC ISO text, so comparing
# the text compares the times); pairings_status_last_met answers it.
DRIFTING = f"SELECT pr.id FROM pairings pr WHERE pr.status = 'active' AND {LAST_MET} <= :drifting_since"
PAIRS = f"""
SELECT pr.id, pr.status, pr.started_at, pr.last_met_at, pr.created_at, {LAST_MET} AS since,
       m.name AS mentor_name, m.email AS mentor_email, e.name AS mentee_name, e.email AS mentee_email,
       (SELECT max(h.answered_at) FROM checkins h WHERE h.pairing_id = pr.id) AS last_heard_at
FROM pairings pr JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id
WHERE pr.id IN ({{ids}})
"""
# checkins_period (period, pair) finds each pair's two check-ins of the cycle at once. Only the answers shown.
CYCLE_ANSWERS = """
SELECT c.pairing_id, c.status, c.sent_at, CASE WHEN pr.mentor_id = c.participant_id THEN 'mentor' ELSE 'mentee' END
       AS side, a.question, a.value
FROM checkins c JOIN pairings pr ON pr.id = c.pairing_id
LEFT JOIN answers a ON a.checkin_id = c.id AND a.question IN ('met', 'meetings', 'topics')
WHERE c.pairing_id IN ({ids}) AND c.period = ?
"""


def _pairs(
    db: Database,
    cycle: str,
    now: datetime,
    zone: tzinfo,
    thresholds: Policy,
    limit: int | None,
    only: set[int] | None = None,
) -> dict[str, Any]:
    """Active pairs (all, or the pairings `only`): how many, those that met this cycle and those that are quiet
    (the first `limit` of each, with their details), how many of each there are, and every quiet pair's id."""
    params = {
        "cycle": cycle,
        "unanswered_since": iso(now - SILENT_AFTER),
        "drifting_since": iso(now - thresholds.drifting),
        "limit": -1 if limit is None or only is not None else limit,  # -1: no limit
    }
    met = [pair_id for (pair_id,) in db.execute(MET_PAIRS, params)]
    quiet = [db.execute(DRIFTING, params), db.execute(UNANSWERED, params)]
    silent = sorted({pair_id for rows in quiet for (pair_id,) in rows})
    all_silent = silent  # every pair's, for the cohorts' lines
    if only is not None:
        met, silent = [i for i in met if i in only], [i for i in silent if i in only]
    met_count = len(met) if params["limit"] == -1 else db.execute(MET_COUNT, params).fetchone()[0]
    shown = {*met[:limit], *silent[:limit]} if limit is not None else {*met, *silent}
    details = _pair_details(db, sorted(shown), cycle, now, zone, thresholds)
    active = db.execute("SELECT count(*) FROM pairings WHERE status = 'active'").fetchone()[0]
    if only is not None:
        active = sum(1 for (pid,) in db.execute("SELECT id FROM pairings WHERE status = 'active'") if pid in only)
    return {
        "silent_ids": all_silent,
        "active": active,
        "met": [details[i] for i in met[:limit]],
        "silent": [details[i] for i in silent[:limit]],
        "counts": {"met_pairs": met_count, "silent_pairs": len(silent)},
    }


def _pair_details(
    db: Database, ids: list[int], cycle: str, now: datetime, zone: tzinfo, thresholds: Policy
) -> dict[int, dict[str, Any]]:
    """Each pair's row for the digest: who, did they meet this cycle (how often, on what), why it is quiet."""
    result = {}
    for start in range(0, len(ids), CHUNK):
        part = ids[start : start + CHUNK]
        marks = ", ".join("?" * len(part))
        cycle_rows: dict[int, list[tuple[Any, ...]]] = {}  # (status, sent_at, side, question, value), many per pair
        for pair_id, *rest in db.execute(CYCLE_ANSWERS.format(ids=marks), [*part, cycle]):
            cycle_rows.setdefault(pair_id, []).append(tuple(rest))
        for row in db.query(PAIRS.format(ids=marks), part):
            result[row["id"]] = _pair(row, cycle_rows.get(row["id"], []), cycle, now, zone, thresholds)
    return result


def _pair(
    row: dict[str, Any], rows: list[tuple[Any, ...]], cycle: str, now: datetime, zone: tzinfo, thresholds: Policy
) -> dict[str, Any]:
    answers = {(side, question): value for _, _, side, question, value in rows if question}
    met = "yes" in (answers.get(("mentor", "met")), answers.get(("mentee", "met")))
    counts = [int(v) for (_, q), v in answers.items() if q == "meetings" and str(v).isdigit()]
    topics = answers.get(("mentee", "topics")) or answers.get(("mentor", "topics")) or ""
    answered = any(status == "answered" for status, *_ in rows)
    prompted = min((sent_at for _, sent_at, *_ in rows), default=None)
    unanswered = bool(prompted) and not answered and now - from_iso(prompted) >= SILENT_AFTER
    drifting = now - from_iso(row["since"]) >= thresholds.drifting
    # Why it is quiet and when they last met, as codes and values (the digest says them in its reader's language);
    # `why` and `last_met_text` are the same in English, for `report`.
    last_met = {
        "reported": bool(row["last_met_at"]),
        "on": _on(row["last_met_at"] or row["started_at"] or row["created_at"], zone),
    }
    quiet: list[dict[str, Any]] = []
    if unanswered:
        quiet.append({"why": "no_answer", "month": month_name(cycle)})
    if drifting:
        quiet.append({"why": "no_meeting", "days": _days(now, row["since"])})
    return {
        "id": row["id"],
        "status": row["status"],
        "mentor": _person(row, "mentor"),
        "mentee": _person(row, "mentee"),
        "started_at": row["started_at"],
        "met": met,
        "meetings": max(counts, default=None),
        "topics": topics,
        "answered": answered,
        "last_met_at": row["last_met_at"],
        "days_since_met": _days(now, row["last_met_at"]),
        "last_heard_at": row["last_heard_at"],
        "days_since_heard": _days(now, row["last_heard_at"]),
        "days_since_start": _days(now, row["started_at"] or row["created_at"]),
        "silent": bool(quiet) and row["status"] == "active",
        "quiet": quiet,
        "why": "; ".join(_quiet_text(q) for q in quiet),
        "last_met": last_met,
        "last_met_text": _last_met_text(last_met),
    }


def _quiet_text(quiet: dict[str, Any]) -> str:
    """One reason a pair is quiet, in English (`report`; the digest's templates say it in the reader's language)."""
    if quiet["why"] == "no_answer":
        return f"neither has answered the {quiet['month']} check-in"
    return f"no meeting reported for {quiet['days']} days"


def _last_met_text(last_met: dict[str, Any]) -> str:
    if last_met["reported"]:
        return f"Last meeting reported {last_met['on']}"
    return f"No meeting reported since they started on {last_met['on']}"


# The check-ins with a rating or a help line recorded in the last 14 days, narrowed in SQL to a superset of the
# concerns (a rating the policy may call low, or a help line at all); Python then decides exactly, as it always has.
# Each half reads a small partial index (db.py): the ratings of the last two weeks, and the help lines; whether she
# answered again since is one probe of checkins_answered_by. Who the people are is read afterwards, for the rows
# shown.
CONCERNS = """
SELECT c.id AS checkin_id, c.period,
       (SELECT value FROM answers WHERE checkin_id = c.id AND question = 'rating') AS rating,
       (SELECT value FROM answers WHERE checkin_id = c.id AND question = 'help') AS help,
       (SELECT max(recorded_at) FROM answers WHERE checkin_id = c.id) AS recorded_at,
       (SELECT count(*) FROM checkins later WHERE later.pairing_id = c.pairing_id
            AND later.participant_id = c.participant_id AND later.status = 'answered'
            AND later.answered_at > c.answered_at) AS answered_since
FROM checkins c
WHERE c.id IN (
    SELECT a.checkin_id FROM answers a INDEXED BY answers_rating
    WHERE a.question = 'rating' AND a.recorded_at >= :since AND (CAST(a.value AS REAL) {low} :low OR EXISTS
        (SELECT 1 FROM answers h INDEXED BY answers_help WHERE h.checkin_id = a.checkin_id AND h.question = 'help'))
    UNION ALL
    SELECT h.checkin_id FROM answers h INDEXED BY answers_help WHERE h.question = 'help' AND h.recorded_at >= :since
)
ORDER BY recorded_at, c.id
"""
CONCERNED = """
SELECT c.id AS checkin_id, c.pairing_id, me.name AS person_name, me.email AS person_email,
       CASE WHEN pr.mentor_id = c.participant_id THEN 'mentor' ELSE 'mentee' END AS role,
       o.name AS partner_name, o.email AS partner_email,
       (SELECT min(fired_at) FROM firings WHERE rule = 'coordinator-alert' AND entity = 'checkin:' || c.id)
           AS alerted_at
FROM checkins c JOIN pairings pr ON pr.id = c.pairing_id JOIN participants me ON me.id = c.participant_id
JOIN participants o ON o.id = CASE WHEN pr.mentor_id = c.participant_id THEN pr.mentee_id ELSE pr.mentor_id END
WHERE c.id IN ({ids})
"""
_SQL_OPS = {"lt": "<", "lte": "<="}


def _concerns(
    db: Database, now: datetime, zone: tzinfo, thresholds: Policy, limit: int | None = None
) -> tuple[list[dict[str, Any]], int]:
    """Low ratings and help requests of the last 14 days, unless the person has answered a later check-in since:
    the first `limit` of them, and how many there are.

    The coordinator-alert rule told the coordinators at once; the digest keeps them in view for two weeks."""
    low = thresholds.low_rating
    found = []
    for row in db.query(CONCERNS.format(low=_SQL_OPS[low.op]), {"since": iso(now - RECENT), "low": number(low.value)}):
        rating = int(row["rating"]) if str(row["rating"] or "").isdigit() else None
        help_text = (row["help"] or "").strip()
        if help_text.lower().rstrip(".!") in NOTHING:
            help_text = ""
        is_low = thresholds.is_low(rating)
        if (is_low or help_text) and not row["answered_since"]:
            found.append({**row, "rating": rating, "low_rating": is_low, "help": help_text})
    shown = found if limit is None else found[:limit]
    who = {}
    for start in range(0, len(shown), CHUNK):
        part = [c["checkin_id"] for c in shown[start : start + CHUNK]]
        who.update((row["checkin_id"], row) for row in db.query(CONCERNED.format(ids=", ".join("?" * len(part))), part))
    return [_concern(c, who[c["checkin_id"]], now, zone) for c in shown], len(found)


def _concern(found: dict[str, Any], who: dict[str, Any], now: datetime, zone: tzinfo) -> dict[str, Any]:
    return {
        "checkin_id": found["checkin_id"],
        "pairing_id": who["pairing_id"],
        "period": found["period"],
        "person": {"name": who["person_name"] or who["person_email"], "email": who["person_email"]},
        "role": who["role"],
        "partner": {"name": who["partner_name"] or who["partner_email"], "email": who["partner_email"]},
        "rating": found["rating"],
        "low_rating": found["low_rating"],
        "help": found["help"],
        "recorded_at": found["recorded_at"],
        "days_ago": _days(now, found["recorded_at"]),
        "alerted_at": who["alerted_at"],
        "on": _on(found["recorded_at"], zone),
        "alerted_on": _on(who["alerted_at"], zone) if who["alerted_at"] else None,
        "month": month_name(found["period"]),
    }


def _has_table(db: Database, name: str) -> bool:
    return bool(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone())


PROPOSED = """
SELECT pr.id, pr.created_at, pr.cohort, m.name AS mentor_name, m.email AS mentor_email, e.name AS mentee_name,
       e.email AS mentee_email
FROM pairings pr JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id
WHERE pr.status = 'proposed' ORDER BY pr.created_at, pr.id
"""
INTRODUCTIONS = """
SELECT i.id, i.status, i.created_at, i.updated_at, i.cohort, e.name AS mentee_name, e.email AS mentee_email,
       (SELECT m.name FROM intro_asks a JOIN participants m ON m.id = a.mentor_id
         WHERE a.introduction_id = i.id AND a.status = 'asked' ORDER BY a.position LIMIT 1) AS mentor_name,
       (SELECT m.email FROM intro_asks a JOIN participants m ON m.id = a.mentor_id
         WHERE a.introduction_id = i.id AND a.status = 'asked' ORDER BY a.position LIMIT 1) AS mentor_email,
       (SELECT a.asked_at FROM intro_asks a
         WHERE a.introduction_id = i.id AND a.status = 'asked' ORDER BY a.position LIMIT 1) AS asked_at,
       (SELECT count(*) FROM intro_asks a WHERE a.introduction_id = i.id AND a.status = 'waiting') AS next_on_list
FROM introductions i JOIN participants e ON e.id = i.mentee_id
WHERE i.status = 'asking' OR (i.status = 'declined_by_all' AND i.updated_at >= ?)
ORDER BY i.created_at, i.id
"""


def _introductions(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Introductions under way (a mentor is being asked) or stuck, and pairings still only proposed."""
    result = []
    if _has_table(db, "introductions") and _has_table(db, "intro_asks"):
        for row in db.query(INTRODUCTIONS, [iso(now - RECENT)]):
            stuck = row["status"] == "declined_by_all"
            if stuck:
                step: dict[str, Any] = {"kind": "declined_by_all"}
            elif row["mentor_email"]:
                step = {"kind": "asked", "days": _days(now, row["asked_at"]), "more": row["next_on_list"]}
            else:
                step = {"kind": "about_to_ask"}
            result.append(
                {
                    "kind": "introduction",
                    "id": row["id"],
                    "mentee": _person(row, "mentee"),
                    "mentor": _person(row, "mentor") if row["mentor_email"] else None,
                    "status": row["status"],
                    "step": step,
                    "state": _state_text(step),
                    "since": row["created_at"],
                    "days": _days(now, row["created_at"]),
                    "needs_you": stuck,
                    "cohort": row["cohort"],
                }
            )
    for row in db.query(PROPOSED):
        days = _days(now, row["created_at"])
        step = {"kind": "proposed", "days": days}
        result.append(
            {
                "kind": "pairing",
                "id": row["id"],
                "mentee": _person(row, "mentee"),
                "mentor": _person(row, "mentor"),
                "status": "proposed",
                "step": step,
                "state": _state_text(step),
                "since": row["created_at"],
                "days": days,
                "needs_you": False,
                "cohort": row["cohort"],
            }
        )
    return result


def _state_text(step: dict[str, Any]) -> str:
    """Where an introduction stands, in English (`report`; the digest's templates say it in the reader's language)."""
    if step["kind"] == "declined_by_all":
        return "every mentor on the list said no or did not answer: a new list is needed"
    if step["kind"] == "asked":
        return f"asked {_ago(step['days'])}" + (f"; {step['more']} more on the list" if step["more"] else "")
    if step["kind"] == "about_to_ask":
        return "about to ask the first mentor on the list"
    return f"proposed {_ago(step['days'])}, not started yet"


def _ago(days: int | None) -> str:
    if days is None:
        return ""
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


# The people with no pairing in hand (participants.mentors_now and mentees_now, kept by triggers), read from the
# partial index that holds exactly them, in its order: the terms from `status` to the role are the index's own,
# word for word (db.py, 0026), and INDEXED BY makes a query that no longer matches them fail at once rather than
# read every participant. A mentee with an introduction under way is not waiting either.
WAITING = """
SELECT p.id, p.name, p.email, p.role, p.skills, p.goals, {industry} AS industry, p.created_at
FROM participants p INDEXED BY participants_waiting
WHERE p.status = 'active' AND p.bounced_at IS NULL
    AND ((p.role IN ('mentee', 'both') AND p.mentors_now = 0) OR (p.role = 'mentor' AND p.mentees_now = 0)){intro}
ORDER BY p.created_at, p.id
"""
_ASKING = (
    " AND (p.role = 'mentor'"
    " OR NOT EXISTS (SELECT 1 FROM introductions i WHERE i.mentee_id = p.id AND i.status = 'asking'))"
)


def _waiting(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Active people without a match: mentees (and 'both') with no mentor and no introduction under way, and
    mentors with no mentee at all. A proposed or paused pairing counts as a match in hand."""
    sql = WAITING.replace("{intro}", _ASKING if _has_table(db, "introductions") else "")
    sql = sql.replace("{industry}", "COALESCE(p.industry, '')" if has_industry(db) else "''")
    return [
        {
            "id": row["id"],
            "name": row["name"] or row["email"],
            "email": row["email"],
            "role": row["role"],
            "goals": row["goals"],
            "skills": row["skills"],
            "industry": row["industry"],
            "since": row["created_at"],
            "days_waiting": _days(now, row["created_at"]),
        }
        for row in db.query(sql)
    ]


def _suggestions(db: Database, mentees: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Suggested mentors for each of these waiting mentees (the mentors with room are read once), and her own wish
    list with the `intro:` line that follows it."""
    with_room = mentors_with_room(db) if mentees else []
    mentors, room = Pool(with_room), {m.id for m in with_room}
    result = []
    for person in mentees:
        found = suggest(db, person, mentors)
        picks = [*found["matches"], *([found["outside"]] if found["outside"] else [])]
        wishes = wishlist.review(db, person["id"], room)
        usable = [w["mentor"] for w in wishes if not w["skip"]]
        result.append(
            {
                "mentee": {k: person[k] for k in ("name", "email", "role", "goals", "industry", "days_waiting")},
                **found,
                "intro_lines": [f"intro: {person['email']} -> {m['email']}" for m in picks],
                # Her own wish list, each wish with why it is not asked now; the line asks the rest in her order.
                "wishes": wishes,
                "wish_line": wishlist.intro_line(person["email"], usable) if usable else "",
            }
        )
    return result


def _bounced(db: Database, zone: tzinfo) -> list[dict[str, Any]]:
    rows = db.query(
        "SELECT name, email, bounced_at FROM participants WHERE bounced_at IS NOT NULL AND status != 'left'"
        " ORDER BY bounced_at, id"
    )
    return [
        {
            "name": row["name"] or row["email"],
            "email": row["email"],
            "bounced_at": row["bounced_at"],
            "on": _on(row["bounced_at"], zone),
        }
        for row in rows
    ]


def _on(moment: str | None, zone: tzinfo) -> str:
    """'2026-12-03T18:00:00+00:00' → '3 Dec' (program time)."""
    if not moment:
        return ""
    local = from_iso(moment).astimezone(zone)
    return local_day(local.date(), f"{local.day} {local:%b}", skeleton="MMMd")


def _periods(cycle: str, count: int = MONTHS) -> list[str]:
    year, month = (int(part) for part in cycle.split("-"))
    result = []
    for _ in range(count):
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return result[::-1]


def _months(db: Database, cycle: str) -> list[dict[str, Any]]:
    """Check-ins sent and answered, and pairs that met, for the six months ending with the cycle (period_figures,
    kept by triggers: a few rows, however large the program)."""
    periods = _periods(cycle)
    window = {"start": periods[0], "end": periods[-1]}
    counts = {
        period: (sent, answered)
        for period, sent, answered in db.execute(
            "SELECT period, checkins, answered FROM period_figures WHERE period >= :start AND period <= :end", window
        )
    }
    met = dict(
        db.execute("SELECT period, pairs_met FROM period_figures WHERE period >= :start AND period <= :end", window)
    )
    return [
        {
            "period": p,
            "label": local_day(date.fromisoformat(f"{p}-01"), month_name(p)[:3], "LLL"),
            "sent": counts.get(p, (0, 0))[0],
            "answered": counts.get(p, (0, 0))[1],
            "pairs_met": met.get(p, 0),
        }
        for p in periods
    ]


def preview(
    db: Database, config: Config, now: datetime, cycle: str | None = None, *, rules: Sequence[Rule]
) -> tuple[Any, str]:
    """(the rendered digest for the first coordinator, its HTML with the chart inlined as a data: URI) — for a
    browser or a screenshot; the email itself carries the chart as a CID image. The lists are cut as in the mail."""
    import base64

    from assistant.render import Renderer

    figs = figures(db, config, now, cycle, rules=rules, limit=LIMIT)
    png = chart_png(figs["months"])
    coordinator = config.coordinators[0]
    rendered = Renderer(config.templates).render(
        TEMPLATE, {**common_context(config), **context(figs, coordinator, config)}
    )
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return rendered, rendered.html.replace(f"cid:{CHART_CID}", uri)
