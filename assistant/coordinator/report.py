"""`mentor-assistant report`: the digest's figures in the terminal, as readable tables (or JSON for scripts)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any


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
    section(
        "The last six months",
        ["month", "check-ins sent", "answered", "pairs met"],
        [[m["period"], m["sent"], m["answered"], m["pairs_met"]] for m in figs["months"]],
        right=[1, 2, 3],
    )
    return "\n".join(out)
