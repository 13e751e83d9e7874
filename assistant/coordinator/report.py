"""`mentor-assistant report`: the digest's figures in the terminal, as readable tables (or JSON for scripts), and
the closed pairings counted by why they ended."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from assistant.db import CLOSE_REASONS
from assistant.forms.reasons import label

_CLOSURES = "SELECT close_reason AS reason, count(*) AS n FROM pairings WHERE status = 'closed' GROUP BY close_reason"


def closures(db: Database) -> list[dict[str, Any]]:
    """Closed pairings by reason, in the vocabulary's order (every reason listed, zero included, so a script sees
    the same keys each time), then `unknown`: those closed before reasons were kept."""
    found = {row["reason"]: row["n"] for row in db.query(_CLOSURES)}
    listed = [{"reason": r, "label": label(r), "pairs": found.get(r, 0)} for r in CLOSE_REASONS]
    unknown = sum(n for r, n in found.items() if r not in CLOSE_REASONS)
    return [*listed, {"reason": "unknown", "label": label(None), "pairs": unknown}] if unknown else listed


def as_json(figs: dict[str, Any]) -> str:
    return json.dumps(figs, indent=2, ensure_ascii=False)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], right: Sequence[int] = ()) -> list[str]:
    """A plain text table: a header, a rule, and the rows; columns `right` are right-aligned."""
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        parts = [v.rjust(w) if i in right else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths, strict=True))]
        return "  ".join(parts).rstrip()

    return [line(headers), line(["-" * w for w in widths]), *(line(r) for r in cells)]


def _name(person: dict[str, Any] | None) -> str:
    return f"{person['name']} <{person['email']}>" if person else ""


def _why(item: dict[str, Any]) -> str:
    return f"{item['why']} ({item['detail'][:60]})" if item["detail"] else item["why"]


def render(figs: dict[str, Any]) -> str:
    """The whole report, section by section; an empty section says so in one line."""
    response, counts = figs["response"], figs["counts"]
    rate = f"{response['percent']}%" if response["sent"] else "-"
    cohort = figs.get("cohort")
    title = f"Report for {figs['date_text']} (cycle {figs['cycle']})"
    if cohort:
        title += (
            f", cohort {cohort['name']}: {cohort['start_day']} to {cohort['end_day']}, {cohort['stage']}"
            f", check-ins {cohort['rhythm']}\n(its pairs only; the review queue, who waits for a match and bounced"
            " addresses are in the full report)"
        )
    out = [
        title,
        "",
        *table(
            ["figure", "value"],
            [
                ["check-ins sent this cycle", response["sent"]],
                ["answered", response["answered"]],
                ["still awaiting", response["awaiting"]],
                ["response rate", rate],
                ["active pairs", figs["active_pairs"]],
                ["pairs that met", counts["met_pairs"]],
                ["quiet pairs", counts["silent_pairs"]],
                ["low ratings / help requests (14 days)", counts["concerns"]],
                ["introductions under way", counts["introductions_stalled"] + counts["introductions_under_way"]],
                ["waiting for a match", counts["waiting_mentees"] + counts["waiting_mentors"]],
                ["mail waiting for a person (review)", counts["review"]],
                ["bounced addresses", counts["bounced"]],
                ["sponsorships recorded", counts["sponsorships"]],
                ["sponsorships this week", counts["sponsorships_new"]],
                ["things that need a person", figs["needs_you"]],
            ],
            right=[1],
        ),
    ]

    def section(title: str, headers: list[str], rows: list[list[Any]], right: Sequence[int] = ()) -> None:
        out.extend(["", f"{title}:"])
        out.extend(("  " + line for line in table(headers, rows, right)) if rows else ["  none"])

    if figs.get("cohorts") and not cohort:
        section(
            "Cohorts",
            ["cohort", "from", "to", "where", "active", "closed", "sent", "answered", "met", "quiet"],
            [
                [
                    c["name"] + ("" if c["in_config"] else " (not in the config)"),
                    c["start_day"],
                    c["end_day"],
                    c["stage"],
                    c["active_pairs"],
                    c["closed_pairs"],
                    c["sent"],
                    f"{c['answered']} ({c['percent']}%)" if c["sent"] else "-",
                    c["met_pairs"],
                    c["silent_pairs"],
                ]
                for c in figs["cohorts"]
            ],
            right=[4, 5, 6, 7, 8, 9],
        )
    section(  # first: nothing in these was acted on until a person looks
        "Mail waiting for a person (mentor-assistant review show ID)",
        ["id", "received", "from", "subject", "why"],
        [
            [m["id"], m["received_at"][:16].replace("T", " "), m["from_addr"], m["subject"][:40], _why(m)]
            for m in figs["review"]
        ],
        right=[0],
    )
    section(
        "Low ratings and help requests (last 14 days)",
        ["on", "who", "role", "partner", "rating", "help", "alerted"],
        [
            [c["on"], _name(c["person"]), c["role"], c["partner"]["name"], c["rating"], c["help"][:60], c["alerted_on"]]
            for c in figs["concerns"]
        ],
    )
    section(
        "Quiet pairs",
        ["pair", "mentee", "mentor", "why", "last met"],
        [
            [
                p["id"],
                p["mentee"]["name"],
                p["mentor"]["name"],
                p["why"],
                p["last_met_at"][:10] if p["last_met_at"] else "none reported",
            ]
            for p in figs["silent_pairs"]
        ],
    )
    section(
        f"Pairs that met in {figs['cycle_name']}",
        ["pair", "mentee", "mentor", "meetings", "topics"],
        [
            [p["id"], p["mentee"]["name"], p["mentor"]["name"], p["meetings"], p["topics"][:60]]
            for p in figs["met_pairs"]
        ],
        right=[3],
    )
    section(
        "Introductions",
        ["kind", "mentee", "mentor", "state"],
        [
            [i["kind"], i["mentee"]["name"], (i["mentor"] or {}).get("name", ""), i["state"]]
            for i in figs["introductions"]
        ],
    )
    section(
        "Waiting for a match",
        ["who", "role", "days", "goals / skills"],
        [
            [_name(w), w["role"], w["days_waiting"], (w["skills"] if w["role"] == "mentor" else w["goals"])[:60]]
            for w in figs["waiting"]
        ],
        right=[2],
    )
    for s in figs["suggestions"]:
        if s["wishes"]:  # her own list first, as in the digest: who she named, and why someone is not asked
            wished = [
                [w["position"], w["wrote"], _name(w["mentor"]) if w["mentor"] else "", w["skip"] or "to ask"]
                for w in s["wishes"]
            ]
            section(f"Wish list of {s['mentee']['name']}", ["#", "she wrote", "mentor", "asked?"], wished, right=[0])
            out.append("  " + (s["wish_line"] or "nobody on her wish list can be asked right now"))
        rows = [[str(i + 1), m["name"], ", ".join(m["shared"]), m["spare"]] for i, m in enumerate(s["matches"])]
        if s["outside"]:
            rows.append(
                ["*", s["outside"]["name"], f"outside the box: {s['outside']['skills']}", s["outside"]["spare"]]
            )
        section(f"Suggested mentors for {s['mentee']['name']}", ["#", "mentor", "offers", "free"], rows, right=[3])
        out.extend("  " + line for line in s["intro_lines"])
    section(
        "Bounced addresses",
        ["since", "who"],
        [[b["bounced_at"][:10], _name(b)] for b in figs["bounced"]],
    )
    if "closures" in figs:
        section(
            "Closed pairs by reason",
            ["reason", "pairs"],
            [[c["label"], c["pairs"]] for c in figs["closures"]],
            right=[1],
        )
    section(
        "Sponsorships (a mentor recommending her mentee)",
        ["on", "mentor", "mentee", "for", "period", "from"],
        [
            [s["recorded_at"][:10], s["sponsor"]["name"], s["protege"]["name"], s["what"][:60] or "-", s["period"],
             s["source"]]
            for s in figs["sponsorships"]
        ],
    )  # fmt: skip
    out.extend(_lineage(figs["lineage"]) if figs.get("lineage") else [])
    section(
        "The last six months",
        ["month", "check-ins sent", "answered", "pairs met"],
        [[m["period"], m["sent"], m["answered"], m["pairs_met"]] for m in figs["months"]],
        right=[1, 2, 3],
    )
    return "\n".join(out)


def _lineage(found: dict[str, Any]) -> list[str]:
    """Who mentored whom: people per generation, the longest chains, and anyone a loop in the data leaves out."""
    out = ["", "Lineage (who mentored whom):"]
    if not found["generations"]:
        return [*out, "  none"]
    out.append(
        "  generations: "
        + ", ".join(
            f"{g['generation']}: {g['people']} {'person' if g['people'] == 1 else 'people'}"
            for g in found["generations"]
        )
    )
    out.extend(f"  {chain['text']}" for chain in found["chains"])
    if found["in_a_loop"]:
        names = ", ".join(p["name"] for p in found["in_a_loop"][:20])
        out.append(f"  in a loop (each mentored by another of them; check the pairings): {names}")
    return out
