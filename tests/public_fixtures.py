"""Public reply-parsing fixtures (tests/fixtures/public/<source>/): load them, read each with extract_reply, and score
them per source and per language, as the shared corpus's scorer does (EM*: exact after whitespace normalisation,
against the source's own expectation or a variant the manifest names with its reason).

Run `python tests/public_fixtures.py` (add `--misses` to see what was read wrong) for the figures the README quotes.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections import defaultdict
from email.message import EmailMessage
from pathlib import Path

if __package__ in (None, ""):  # run as a script: the repository root is the package root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.mail.reply_text import extract_reply

PUBLIC = Path(__file__).resolve().parent / "fixtures" / "public"
_INVISIBLE = str.maketrans({"\u00a0": " ", "\u200b": " ", "\ufeff": " ", "\u202f": " "})


def normalise(text: str | None) -> str:
    """The shared scorer's normalisation: NFC, invisible spaces as spaces, every whitespace run one space."""
    text = unicodedata.normalize("NFC", (text or "").replace("\r\n", "\n")).translate(_INVISIBLE)
    return " ".join(text.split())


def cases() -> list[dict]:
    """Every public case, each with its source folder."""
    found = []
    for manifest in sorted(PUBLIC.glob("*/manifest.json")):
        for case in json.loads(manifest.read_text(encoding="utf-8"))["cases"]:
            found.append({**case, "folder": manifest.parent})
    return found


def wrapped(case: dict) -> bytes:
    """A bare body as a minimal message, as the shared scorer's --wrap builds it."""
    body = (case["folder"] / case["input"]).read_text(encoding="utf-8")
    msg = EmailMessage()
    msg["From"] = "Participant <participant@example.invalid>"
    msg["To"] = "Assistant <assistant@example.invalid>"
    msg["Subject"] = f"Re: public fixture {case['id']}"
    msg["Message-ID"] = f"<{re.sub(r'[^A-Za-z0-9.-]', '-', case['id'])}@fixtures.invalid>"
    msg.set_content(body, subtype="plain", charset="utf-8")
    return msg.as_bytes()


def read(case: dict) -> tuple[bool, str]:
    """Whether the reader's text matches the source's expectation (or a named variant), and the text itself."""
    got = extract_reply(wrapped(case))
    expected = (case["folder"] / case["expected"]).read_text(encoding="utf-8")
    accepted = {normalise(expected), *(normalise(v) for v in case.get("expected_variants", []))}
    return normalise(got) in accepted, got


def scores() -> dict[str, tuple[int, int]]:
    """(right, total) for ALL, each source:<name> and each language:<code>."""
    groups: dict[str, list[bool]] = defaultdict(list)
    for case in cases():
        ok, _ = read(case)
        for key in ("ALL", f"source:{case['source']}", f"language:{case['language']}"):
            groups[key].append(ok)
    return {key: (sum(oks), len(oks)) for key, oks in groups.items()}


def main() -> None:
    print("public fixtures, exact match EM* (tests/fixtures/public)")
    for key, (right, total) in sorted(scores().items(), key=lambda kv: (kv[0] != "ALL", kv[0])):
        print(f"  {key:<24}{right:>4}/{total:<4}{100 * right / total:>7.1f}%")
    if "--misses" in sys.argv:
        for case in cases():
            ok, got = read(case)
            if not ok:
                print(f"\nMISS {case['id']}\n  got:      {normalise(got)[:160]!r}")
                expected = (case["folder"] / case["expected"]).read_text(encoding="utf-8")
                print(f"  expected: {normalise(expected)[:160]!r}")


if __name__ == "__main__":
    main()
