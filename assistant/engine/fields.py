"""The fields each entity offers to rules: the vocabulary a rule file is checked against when it loads."""

from __future__ import annotations

_PERSON = ("name", "email", "status", "role")

FIELDS: dict[str, tuple[str, ...]] = {
    "checkin": (
        "checkin.id",
        "checkin.period",
        "checkin.status",
        "checkin.sent_at",
        "checkin.answered_at",
        *(f"participant.{f}" for f in _PERSON),
        *(f"partner.{f}" for f in _PERSON),
        "pairing.status",
        "pairing.started_at",
    ),
}

TIMESTAMPS: dict[str, tuple[str, ...]] = {"checkin": ("checkin.sent_at", "checkin.answered_at", "pairing.started_at")}

# Who a rule's mail can go to. For a check-in, "participant" is the person the check-in was sent to.
RECIPIENTS = ("participant", "partner", "mentor", "mentee", "pair", "coordinator")
