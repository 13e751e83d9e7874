"""The coordinators' weekly digest: what happened, what needs a person, and who is waiting for a match.

`figures` reads the database and returns plain data (also used by `mentor-assistant report`); `chart_png` draws
the last six months; `send_digest_if_due` queues one digest per coordinator per ISO week, once the configured
weekday and hour have come in the program's time zone. The outbox key `digest:<coordinator>:<YYYY-Www>` makes it
at most once, however often the tick runs. Its thresholds, a low rating and a drifting pair, are those of the
rules (see policy.py).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, time, timedelta, tzinfo
from typing import Any

from sqlite_utils import Database

from assistant.clock import from_iso, iso, month_name
from assistant.config import Config, Person
from assistant.coordinator.policy import Policy, policy
from assistant.engine.schema import Rule
from assistant.outbox import Mail, Outbox
from assistant.program.matching import has_industry, mentors_with_room, suggest

TEMPLATE = "digest"
CHART_CID = "chart"
RECENT = timedelta(days=14)  # low ratings and help requests this recent are listed
SILENT_AFTER = timedelta(days=7)  # a cycle's prompt unanswered by both for this long makes a pair silent
MONTHS = 6
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
    figs = figures(db, config, now, rules=rules)
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
    return {**figs, "coordinator": coordinator, "chart_cid": CHART_CID, "schedule": schedule}


# --- what ---------------------------------------------------------------------------------------------------------


def current_cycle(db: Database, config: Config, now: datetime) -> str:
    """The latest period with check-ins up to this month (program time); this month when there is none."""
    local = now.astimezone(config.timezone)
    month = f"{local.year:04d}-{local.month:02d}"
    row = db.execute("SELECT max(period) FROM checkins WHERE period <= ?", [month]).fetchone()
    return row[0] or month


def figures(
    db: Database, config: Config, now: datetime, cycle: str | None = None, *, rules: Sequence[Rule]
) -> dict[str, Any]:
    """Everything a coordinator sees in the digest and in `report`, as plain JSON-ready data. `rules` are the loaded
    rules: their thresholds are the digest's."""
    cycle = cycle or current_cycle(db, config, now)
    local = now.astimezone(config.timezone)
    thresholds = policy(rules)
    response = _response(db, cycle)
    pairs = _pairs(db, cycle, now, config.timezone, thresholds)
    active = [p for p in pairs if p["status"] == "active"]
    met = [p for p in active if p["met"]]
    silent = [p for p in active if p["silent"]]
    zone = config.timezone
    concerns = _concerns(db, now, zone, thresholds)
    introductions = _introductions(db, now)
    waiting = _waiting(db, now)
    quarantined = _quarantined(db, zone)
    bounced = _bounced(db, zone)
    stuck = [i for i in introductions if i["needs_you"]]
    needs_you = len(silent) + len(concerns) + len(quarantined) + len(bounced) + len(stuck)
    return {
        "generated_at": iso(now),
        "date": local.date().isoformat(),
        "date_text": f"{local:%A} {local.day} {local:%B %Y}",
        "week": f"{local.isocalendar()[0]:04d}-W{local.isocalendar()[1]:02d}",
        "cycle": cycle,
        "cycle_name": month_name(cycle),
        "response": response,
        "active_pairs": len(active),
        "met_pairs": met,
        "silent_pairs": silent,
        "concerns": concerns,
        "introductions": introductions,
        "waiting": waiting,
        "suggestions": _suggestions(db, waiting),
        "quarantined": quarantined,
        "bounced": bounced,
        "needs_you": needs_you,
        "months": _months(db, cycle),
        "policy": thresholds.as_dict(),
    }


def _response(db: Database, cycle: str) -> dict[str, Any]:
    rows = dict(db.execute("SELECT status, count(*) FROM checkins WHERE period = ? GROUP BY status", [cycle]))
    answered, awaiting = rows.get("answered", 0), rows.get("awaiting", 0)
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


PAIRS = """
SELECT pr.id, pr.status, pr.started_at, pr.last_met_at, pr.created_at,
       m.name AS mentor_name, m.email AS mentor_email, e.name AS mentee_name, e.email AS mentee_email
FROM pairings pr JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id
WHERE pr.status IN ('active', 'paused')
ORDER BY pr.id
"""
CYCLE_ANSWERS = """
SELECT c.pairing_id, c.status, c.sent_at, CASE WHEN pr.mentor_id = c.participant_id THEN 'mentor' ELSE 'mentee' END
       AS side, a.question, a.value
FROM checkins c JOIN pairings pr ON pr.id = c.pairing_id LEFT JOIN answers a ON a.checkin_id = c.id
WHERE c.period = ?
"""


def _pairs(db: Database, cycle: str, now: datetime, zone: tzinfo, thresholds: Policy) -> list[dict[str, Any]]:
    """Each active or paused pairing: did they meet this cycle, and are they silent (with how long)."""
    cycle_rows: dict[int, list[dict[str, Any]]] = {}
    for row in db.query(CYCLE_ANSWERS, [cycle]):
        cycle_rows.setdefault(row["pairing_id"], []).append(row)
    heard = dict(
        db.execute("SELECT pairing_id, max(answered_at) FROM checkins WHERE answered_at IS NOT NULL GROUP BY 1")
    )
    result = []
    for row in db.query(PAIRS):
        rows = cycle_rows.get(row["id"], [])
        answers = {(r["side"], r["question"]): r["value"] for r in rows if r["question"]}
        met = "yes" in (answers.get(("mentor", "met")), answers.get(("mentee", "met")))
        counts = [int(v) for (_, q), v in answers.items() if q == "meetings" and str(v).isdigit()]
        topics = answers.get(("mentee", "topics")) or answers.get(("mentor", "topics")) or ""
        answered = any(r["status"] == "answered" for r in rows)
        prompted = min((r["sent_at"] for r in rows), default=None)
        # As the rules count it: before any reported meeting, from the later of the start and the day we began
        # tracking the pair (an imported pair's earlier meetings are unknown).
        since = max(row["last_met_at"] or "", row["started_at"] or "", row["created_at"])
        drifting = bool(since) and now - from_iso(since) >= thresholds.drifting
        unanswered = bool(prompted) and not answered and now - from_iso(prompted) >= SILENT_AFTER
        if row["last_met_at"]:
            last_met = f"Last meeting reported {_on(row['last_met_at'], zone)}"
        else:
            last_met = f"No meeting reported since they started on {_on(row['started_at'] or row['created_at'], zone)}"
        why = []
        if unanswered:
            why.append(f"neither has answered the {month_name(cycle)} check-in")
        if drifting:
            why.append(f"no meeting reported for {_days(now, since)} days")
        result.append(
            {
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
                "last_heard_at": heard.get(row["id"]),
                "days_since_heard": _days(now, heard.get(row["id"])),
                "days_since_start": _days(now, row["started_at"] or row["created_at"]),
                "silent": bool(why) and row["status"] == "active",
                "why": "; ".join(why),
                "last_met_text": last_met,
            }
        )
    return result


CONCERNS = """
SELECT c.id AS checkin_id, c.period, c.participant_id, c.pairing_id, c.answered_at,
       me.name AS person_name, me.email AS person_email,
       CASE WHEN pr.mentor_id = c.participant_id THEN 'mentor' ELSE 'mentee' END AS role,
       o.name AS partner_name, o.email AS partner_email,
       (SELECT value FROM answers WHERE checkin_id = c.id AND question = 'rating') AS rating,
       (SELECT value FROM answers WHERE checkin_id = c.id AND question = 'help') AS help,
       (SELECT max(recorded_at) FROM answers WHERE checkin_id = c.id) AS recorded_at,
       (SELECT min(fired_at) FROM firings WHERE rule = 'coordinator-alert' AND entity = 'checkin:' || c.id)
           AS alerted_at,
       (SELECT count(*) FROM checkins later WHERE later.pairing_id = c.pairing_id
            AND later.participant_id = c.participant_id AND later.status = 'answered'
            AND later.answered_at > c.answered_at) AS answered_since
FROM checkins c JOIN pairings pr ON pr.id = c.pairing_id JOIN participants me ON me.id = c.participant_id
JOIN participants o ON o.id = CASE WHEN pr.mentor_id = c.participant_id THEN pr.mentee_id ELSE pr.mentor_id END
WHERE c.id IN (SELECT checkin_id FROM answers WHERE recorded_at >= ? AND question IN ('rating', 'help'))
ORDER BY recorded_at, c.id
"""


def _concerns(db: Database, now: datetime, zone: tzinfo, thresholds: Policy) -> list[dict[str, Any]]:
    """Low ratings and help requests of the last 14 days, unless the person has answered a later check-in since.

    The coordinator-alert rule told the coordinators at once; the digest keeps them in view for two weeks."""
    result = []
    for row in db.query(CONCERNS, [iso(now - RECENT)]):
        rating = int(row["rating"]) if str(row["rating"] or "").isdigit() else None
        help_text = (row["help"] or "").strip()
        if help_text.lower().rstrip(".!") in NOTHING:
            help_text = ""
        low = thresholds.is_low(rating)
        if not (low or help_text) or row["answered_since"]:
            continue
        result.append(
            {
                "checkin_id": row["checkin_id"],
                "period": row["period"],
                "person": {"name": row["person_name"] or row["person_email"], "email": row["person_email"]},
                "role": row["role"],
                "partner": {"name": row["partner_name"] or row["partner_email"], "email": row["partner_email"]},
                "rating": rating,
                "low_rating": low,
                "help": help_text,
                "recorded_at": row["recorded_at"],
                "days_ago": _days(now, row["recorded_at"]),
                "alerted_at": row["alerted_at"],
                "on": _on(row["recorded_at"], zone),
                "alerted_on": _on(row["alerted_at"], zone) if row["alerted_at"] else None,
                "month": month_name(row["period"]),
            }
        )
    return result


def _has_table(db: Database, name: str) -> bool:
    return bool(db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [name]).fetchone())


PROPOSED = """
SELECT pr.id, pr.created_at, m.name AS mentor_name, m.email AS mentor_email, e.name AS mentee_name,
       e.email AS mentee_email
FROM pairings pr JOIN participants m ON m.id = pr.mentor_id JOIN participants e ON e.id = pr.mentee_id
WHERE pr.status = 'proposed' ORDER BY pr.created_at, pr.id
"""
INTRODUCTIONS = """
SELECT i.id, i.status, i.created_at, i.updated_at, e.name AS mentee_name, e.email AS mentee_email,
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
                state = "every mentor on the list said no or did not answer: a new list is needed"
            elif row["mentor_email"]:
                state = f"asked {_ago(_days(now, row['asked_at']))}"
                if row["next_on_list"]:
                    state += f"; {row['next_on_list']} more on the list"
            else:
                state = "about to ask the first mentor on the list"
            result.append(
                {
                    "kind": "introduction",
                    "id": row["id"],
                    "mentee": _person(row, "mentee"),
                    "mentor": _person(row, "mentor") if row["mentor_email"] else None,
                    "status": row["status"],
                    "state": state,
                    "since": row["created_at"],
                    "days": _days(now, row["created_at"]),
                    "needs_you": stuck,
                }
            )
    for row in db.query(PROPOSED):
        days = _days(now, row["created_at"])
        result.append(
            {
                "kind": "pairing",
                "id": row["id"],
                "mentee": _person(row, "mentee"),
                "mentor": _person(row, "mentor"),
                "status": "proposed",
                "state": f"proposed {_ago(days)}, not started yet",
                "since": row["created_at"],
                "days": days,
                "needs_you": False,
            }
        )
    return result


def _ago(days: int | None) -> str:
    if days is None:
        return ""
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"


WAITING = """
SELECT p.id, p.name, p.email, p.role, p.skills, p.goals, {industry} AS industry, p.created_at
FROM participants p
WHERE p.status = 'active' AND p.bounced_at IS NULL AND (
    (p.role IN ('mentee', 'both') AND NOT EXISTS (SELECT 1 FROM pairings x WHERE x.mentee_id = p.id
        AND x.status IN ('active', 'proposed', 'paused')){intro})
    OR (p.role = 'mentor' AND NOT EXISTS (SELECT 1 FROM pairings x WHERE x.mentor_id = p.id
        AND x.status IN ('active', 'proposed', 'paused'))))
ORDER BY p.created_at, p.id
"""
_ASKING = " AND NOT EXISTS (SELECT 1 FROM introductions i WHERE i.mentee_id = p.id AND i.status = 'asking')"


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


def _suggestions(db: Database, waiting: list[dict[str, Any]]) -> list[dict[str, Any]]:
    mentors = mentors_with_room(db)
    result = []
    for person in waiting:
        if person["role"] == "mentor":
            continue
        found = suggest(db, person, mentors)
        picks = [*found["matches"], *([found["outside"]] if found["outside"] else [])]
        result.append(
            {
                "mentee": {k: person[k] for k in ("name", "email", "role", "goals", "industry", "days_waiting")},
                **found,
                "intro_lines": [f"intro: {person['email']} -> {m['email']}" for m in picks],
            }
        )
    return result


def _quarantined(db: Database, zone: tzinfo) -> list[dict[str, Any]]:
    rows = db.query(
        "SELECT message_id, from_addr, subject, received_at, error, attempts FROM messages"
        " WHERE status = 'quarantined' ORDER BY received_at, id"
    )
    return [
        {
            **row,
            "error": (row["error"] or "").strip().splitlines()[0][:160] if (row["error"] or "").strip() else "",
            "on": _on(row["received_at"], zone),
        }
        for row in rows
    ]


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
    return f"{local.day} {local:%b}"


def _periods(cycle: str, count: int = MONTHS) -> list[str]:
    year, month = (int(part) for part in cycle.split("-"))
    result = []
    for _ in range(count):
        result.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return result[::-1]


def _months(db: Database, cycle: str) -> list[dict[str, Any]]:
    """Check-ins sent and answered, and pairs that met, for the six months ending with the cycle."""
    periods = _periods(cycle)
    stats = {
        row["period"]: row
        for row in db.query(
            "SELECT c.period, count(*) AS sent, sum(c.status = 'answered') AS answered,"
            " count(DISTINCT CASE WHEN a.value = 'yes' THEN c.pairing_id END) AS pairs_met"
            " FROM checkins c LEFT JOIN answers a ON a.checkin_id = c.id AND a.question = 'met'"
            " WHERE c.period >= ? AND c.period <= ? GROUP BY c.period",
            [periods[0], periods[-1]],
        )
    }
    return [
        {
            "period": p,
            "label": month_name(p)[:3],
            "sent": stats[p]["sent"] if p in stats else 0,
            "answered": stats[p]["answered"] if p in stats else 0,
            "pairs_met": stats[p]["pairs_met"] if p in stats else 0,
        }
        for p in periods
    ]


# --- the chart ----------------------------------------------------------------------------------------------------

INK, MUTED, SENT, ANSWERED, MET = "#222222", "#666666", "#d9dde3", "#3b6ea5", "#e07b39"


def chart_png(months: list[dict[str, Any]]) -> bytes:
    """A small bar chart (PNG, 2x for sharp screens, shown 528 px wide): check-ins sent and answered, and pairs
    that met, per month."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [m["label"] for m in months]
    x = range(len(months))
    width = 0.27
    fig, ax = plt.subplots(figsize=(5.28, 2.2), dpi=200)
    try:
        series = (("check-ins sent", "sent", SENT, -width), ("answered", "answered", ANSWERED, 0.0))
        for label, key, colour, shift in series:
            ax.bar([i + shift for i in x], [m[key] for m in months], width, label=label, color=colour)
        ax.bar([i + width for i in x], [m["pairs_met"] for m in months], width, label="pairs that met", color=MET)
        for bars in ax.containers:
            values = [f"{v:g}" if v else "" for v in bars.datavalues]
            ax.bar_label(bars, labels=values, fontsize=8, color=MUTED, padding=1)
        ax.set_xticks(list(x), labels)
        top = max([1, *(m["sent"] for m in months)])
        ax.set_ylim(0, top * 1.15)
        ax.yaxis.get_major_locator().set_params(integer=True)
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
        ax.spines["bottom"].set_color(SENT)
        ax.tick_params(colors=MUTED, labelsize=9, length=0)
        ax.grid(axis="y", color="#eeeeee", linewidth=0.8)
        ax.set_axisbelow(True)
        ax.legend(loc="lower left", ncols=3, frameon=False, fontsize=9, labelcolor=INK, bbox_to_anchor=(0, 1.0))
        fig.tight_layout(pad=0.4)
        out = io.BytesIO()
        fig.savefig(out, format="png", metadata={"Software": None})
        return out.getvalue()
    finally:
        plt.close(fig)


def preview(
    db: Database, config: Config, now: datetime, cycle: str | None = None, *, rules: Sequence[Rule]
) -> tuple[Any, str]:
    """(the rendered digest for the first coordinator, its HTML with the chart inlined as a data: URI) — for a
    browser or a screenshot; the email itself carries the chart as a CID image."""
    import base64

    from assistant.render import Renderer

    figs = figures(db, config, now, cycle, rules=rules)
    png = chart_png(figs["months"])
    base = {
        "program_name": config.program_name,
        "assistant_name": config.assistant.name,
        "assistant_address": config.assistant.email,
        "coordinators": config.coordinators,
    }
    rendered = Renderer(config.templates).render(TEMPLATE, {**base, **context(figs, config.coordinators[0], config)})
    uri = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return rendered, rendered.html.replace(f"cid:{CHART_CID}", uri)
