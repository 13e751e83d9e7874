"""What one `delete me` costs on a big program: the erasure itself, then the file's compaction.

On a copy of the synthetic program of benchmarks/rules_tick.py (built and cached there on first use), one mentee
with eight months of check-ins and answers, renamed so that her name is hers alone (the synthetic people are all
"Person N"), is erased, as a confirmed `delete me` does it, and then the database is
compacted, as the poll that erased does once:
  erase    her rows deleted, every text column of every table looked at once per row and redacted where she is
           named, the ledger's raw mail and the outbox's rendered mail read and rewritten where they name her
  compact  PRAGMA wal_checkpoint(TRUNCATE), VACUUM, PRAGMA wal_checkpoint(TRUNCATE)
with the file's size before and after. Times are wall-clock, the median of the rounds with the lowest and highest.

Usage: python benchmarks/erasure.py [--rounds R] [N ...]     (default: 1000 10000, 3 rounds; 100000 takes minutes)
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import rules_tick  # noqa: E402

from assistant.clock import iso  # noqa: E402
from assistant.config import load_config  # noqa: E402
from assistant.db import compact, one, open_db  # noqa: E402
from assistant.program.erasure import erase  # noqa: E402


def one_round(source: Path, participant_id: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="mentoring-erasure-bench-") as temp:
        folder = Path(temp)
        shutil.copy(source / "program.db", folder / "program.db")
        config = load_config(source / "config.yaml")
        db = open_db(folder / "program.db")
        person = one(db, "SELECT * FROM participants WHERE id = ?", [participant_id])
        assert person is not None
        size = (folder / "program.db").stat().st_size
        started = time.perf_counter()
        erase(db, config, person, iso(rules_tick.NOW))
        erased = time.perf_counter()
        compact(db)
        compacted = time.perf_counter()
        db.close()
        return {
            "erase": erased - started,
            "compact": compacted - erased,
            "before_mb": size / 1e6,
            "after_mb": (folder / "program.db").stat().st_size / 1e6,
        }


def spread(values: list[float], unit: str = "s") -> str:
    return f"{statistics.median(values):.2f} {unit} ({min(values):.2f}-{max(values):.2f})"


def settled(pairs: int) -> Path:
    """The synthetic program of this size: rules_tick's cache, read only (another checkout's benchmarks share it)."""
    folder = Path(tempfile.gettempdir()) / f"mentoring-tick-bench-{rules_tick.BUILD}-{pairs}"
    return folder if (folder / "settled").exists() else rules_tick.cached(pairs)


def measure(pairs: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="mentoring-erasure-base-") as temp:
        base = Path(temp)
        shutil.copy(settled(pairs) / "program.db", base / "program.db")
        (base / "config.yaml").write_text(rules_tick.CONFIG.format(root=rules_tick.ROOT))
        db = open_db(base / "program.db")  # this checkout's migrations, once, outside the rounds
        row = db.execute(  # a mentee with the most answers: the most of her to find
            "SELECT c.participant_id, count(*) AS n FROM checkins c JOIN answers a ON a.checkin_id = c.id"
            " WHERE c.participant_id % 2 = 0 GROUP BY c.participant_id ORDER BY n DESC LIMIT 1"
        ).fetchone()
        # Every synthetic person is "Person N": give her a name of her own, as real people mostly have.
        db.execute("UPDATE participants SET name = 'Ottilie Wróblewska' WHERE id = ?", [row[0]])
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()
        results = [one_round(base, row[0]) for _ in range(rounds)]
    print(
        f"{pairs:>7,} pairings, {results[0]['before_mb']:,.0f} MB: erase {spread([r['erase'] for r in results])},"
        f" compact {spread([r['compact'] for r in results])}; the file after: {results[0]['after_mb']:,.0f} MB"
        f" ({row[1]} answers of hers)"
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    for size in args.sizes:
        measure(size, args.rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
