"""Rounds of a benchmark: each rate as the median of the rounds with its spread, beside a raw baseline measured in
the same rounds of the same run (a busy 2-core machine moves both, so only the ratio travels)."""

from __future__ import annotations

import statistics


def spread(rates: list[float]) -> str:
    """`1,234 msg/s (min-max 1,100-1,300)`."""
    return f"{statistics.median(rates):,.0f} msg/s (min-max {min(rates):,.0f}-{max(rates):,.0f})"


def beside(label: str, ours: list[float], raw: list[float], target: str = "") -> str:
    """Our median and spread, and its ratio to the raw median (with the per-round ratios' spread)."""
    ratios = [o / r for o, r in zip(ours, raw, strict=True)]
    ratio = statistics.median(ours) / statistics.median(raw)
    note = f"; target {target}" if target else ""
    return (
        f"{label}: {spread(ours)} = {ratio:.2f} x raw"
        f" (per round {min(ratios):.2f}-{max(ratios):.2f}, {len(ours)} rounds{note})"
    )
