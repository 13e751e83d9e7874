"""How well and how fast the assistant reads mail, on the shared corpora (../shared/corpora).

Prints:
  reply extraction   exact match (best of expected and accepted variants, the corpus's EM*) per client and per
                     language, ours beside email-reply-parser (a benchmark-only extra; skipped when not installed)
  forwarded          share of forwarded cases with every asserted field right, per client
  own fixtures       the same two measures on our own fixtures (tests/fixtures/replies, tests/fixtures/forwards:
                     every client, 30 languages, top- and bottom-posted, interleaved), per source, language, client
  automatic          recall on bounces / auto-replies / feedback reports, bounce-vs-auto-reply accuracy,
                     humans taken for robots (automatic corpus humans and every reply-extraction case)
  throughput         messages/second for the whole read path (parse, classify, reply text, forward unwrap)
  worst cases        CPU seconds to read (parse, HTML to text, reply text) HTML-only mail of hostile shapes at
                     100 KB, 1 MB and 2 MB (best of 3 rounds: CPU time, because the machine is shared), the text's
                     size, and how time grows from 100 KB to 2 MB (20x is linear, less is a cap at work)

Usage: python benchmarks/reading.py [--worst-case-only | --own-fixtures-only]
"""

from __future__ import annotations

import functools
import importlib.util
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.mail.automatic import classify  # noqa: E402
from assistant.mail.forwarded import unwrap  # noqa: E402
from assistant.mail.message import parse_message  # noqa: E402
from assistant.mail.reply_text import _remembered_kinds, extract_reply, reply_text  # noqa: E402
from tests.hostile_html import SHAPES  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
REPLIES = CORPORA / "reply-extraction"


@functools.cache
def _score_module():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("corpus_score", REPLIES / "score.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _norm(text: str) -> str:
    """Compare as the corpus's own scorer does."""
    return _score_module().normalise(text)


def _email_reply_parser():  # type: ignore[no-untyped-def]
    try:
        from email_reply_parser import EmailReplyParser
    except ImportError:
        return None

    def run(raw: bytes) -> str:
        return EmailReplyParser.parse_reply(parse_message(raw).text)

    return run


def reply_extraction(score) -> list[bytes]:  # type: ignore[no-untyped-def]
    cases = json.loads((REPLIES / "manifest.json").read_text())["cases"]
    extractors = {"ours": extract_reply}
    erp = _email_reply_parser()
    if erp:
        extractors["email-reply-parser"] = erp
    groups: dict[str, dict[str, list[bool]]] = {name: defaultdict(list) for name in extractors}
    raws = []
    for case in cases:
        raw = score.wrap_body((REPLIES / case["input"]).read_bytes(), case["input_format"], case["id"], None)
        raws.append(raw)
        expected = [case["expected"]] + [v["file"] for v in case.get("expected_variants", [])]
        wanted = {_norm((REPLIES / path).read_text(encoding="utf-8")) for path in expected}
        for name, extractor in extractors.items():
            ok = _norm(extractor(raw)) in wanted
            for key in ("ALL", f"client:{case['client']}", f"language:{case['language']}"):
                groups[name][key].append(ok)
    names = list(extractors)
    print(f"reply extraction, exact match EM* ({len(cases)} cases)")
    print(f"  {'group':<22}{'n':>5}" + "".join(f"{name:>20}" for name in names))
    keys = sorted(groups["ours"], key=lambda k: (k != "ALL", k.split(":")[0], -len(groups["ours"][k]), k))
    for key in keys:
        oks = groups["ours"][key]
        row = "".join(f"{100 * sum(groups[n][key]) / len(groups[n][key]):>19.1f}%" for n in names)
        print(f"  {key:<22}{len(oks):>5}{row}")
    if not erp:
        print("  (email-reply-parser not installed: pip install email-reply-parser)")
    return raws


def forwarded(score) -> list[bytes]:  # type: ignore[no-untyped-def]
    cases = json.loads((REPLIES / "forwarded" / "manifest.json").read_text())["cases"]
    by_client: dict[str, list[bool]] = defaultdict(list)
    raws = []
    for case in cases:
        source = (REPLIES / case["input"]).read_bytes()
        raw = score.wrap_body(source, case["input_format"], case["id"], case.get("forwarding_subject"))
        raws.append(raw)
        got = unwrap(raw)
        expected = json.loads((REPLIES / case["expected"]).read_text())
        ok = all(_field_ok(key, value, got.get(key)) for key, value in expected.items())
        by_client["ALL"].append(ok)
        by_client[case["client"]].append(ok)
    print(f"\nforwarded, every asserted field right ({len(cases)} cases)")
    for client, oks in sorted(by_client.items(), key=lambda kv: (kv[0] != "ALL", kv[0])):
        print(f"  {client:<22}{len(oks):>5}{100 * sum(oks) / len(oks):>19.1f}%")
    return raws


def _field_ok(key: str, expected: object, got: object) -> bool:
    if expected is None:
        return not got
    if isinstance(expected, bool):
        return bool(got) == expected
    if key == "from_address":
        return str(got or "").lower() == str(expected).lower()
    return _norm(str(got or "")) == _norm(str(expected))


FIXTURES = ROOT / "tests" / "fixtures"


def own_fixtures() -> None:
    """EM* on our own reply fixtures and every-field-right on our own forwards, per source, language and client."""
    for kind in ("replies", "forwards"):
        folder = FIXTURES / kind
        cases = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["cases"]
        groups: dict[str, list[bool]] = defaultdict(list)
        for case in cases:
            raw = (folder / case["input"]).read_bytes()
            if kind == "replies":
                ok = _norm(extract_reply(raw)) == _norm((folder / case["expected"]).read_text(encoding="utf-8"))
            else:
                got, expected = unwrap(raw), json.loads((folder / case["expected"]).read_text(encoding="utf-8"))
                ok = all(_field_ok(key, value, got.get(key)) for key, value in expected.items())
            groups["ALL"].append(ok)
            for key in ("source", "client", "language", "style"):
                if key in case:
                    groups[f"{key}:{case[key]}"].append(ok)
        measure = "exact match EM*" if kind == "replies" else "every field right"
        print(f"\nown fixtures, {kind}, {measure} ({len(cases)} cases)")
        keys = sorted(groups, key=lambda k: (k != "ALL", k.split(":")[0], -len(groups[k]), k))
        for key in keys:
            oks = groups[key]
            print(f"  {key:<22}{len(oks):>5}{100 * sum(oks) / len(oks):>19.1f}%")


def automatic(reply_raws: list[bytes]) -> list[bytes]:
    root = CORPORA / "automatic"
    entries = json.loads((root / "manifest.json").read_text())["messages"]
    robots = caught = kinds = told = humans = wrong_humans = 0
    raws = []
    missed_classes: dict[str, int] = defaultdict(int)
    for entry in entries:
        path = (root / entry["path"]).resolve()
        if not path.exists():
            continue
        raw = path.read_bytes()
        raws.append(raw)
        verdict = classify(raw)
        if entry["label"] in ("bounce", "auto_reply", "feedback_loop"):
            robots += 1
            caught += verdict != "human"
            if verdict == "human":
                missed_classes[entry.get("sisimai_class") or "?"] += 1
        if entry["label"] in ("bounce", "auto_reply"):
            kinds += 1
            told += verdict == entry["label"]
        if entry["label"] == "human":
            humans += 1
            wrong_humans += verdict != "human"
    reply_humans = sum(1 for raw in reply_raws if classify(raw) != "human")
    print(f"\nautomatic ({len(raws)} messages)")
    print(f"  recall on bounces, auto-replies, feedback reports  {caught}/{robots} = {100 * caught / robots:.1f}%")
    print(f"  bounce vs auto-reply told apart                    {told}/{kinds} = {100 * told / kinds:.1f}%")
    print(f"  humans taken for robots (corpus)                   {wrong_humans}/{humans}")
    print(f"  humans taken for robots (reply-extraction cases)   {reply_humans}/{len(reply_raws)}")
    precision_pool = caught + wrong_humans + reply_humans
    print(f"  precision (robots among 'automatic' verdicts)      {100 * caught / max(precision_pool, 1):.1f}%")
    if missed_classes:
        print(f"  missed by class: {dict(missed_classes)}")
    return raws


def throughput(raws: list[bytes], rounds: int = 3) -> None:
    start = time.perf_counter()
    for _ in range(rounds):
        for raw in raws:
            parse_message(raw)
            classify(raw)
            extract_reply(raw)
            unwrap(raw)
    elapsed = time.perf_counter() - start
    count = rounds * len(raws)
    print(f"\nthroughput: {count} messages (every corpus message, {rounds} rounds) through parse + classify +")
    print(f"  reply text + forward unwrap: {count / elapsed:,.0f} messages/s ({1000 * elapsed / count:.2f} ms each)")


# Hostile HTML shapes (RELIABILITY.md case 27): the tests' shapes, one tag holding the whole size, and the mix of
# issue 12.
WORST_CASES: dict[str, str] = {
    **SHAPES,
    "long attribute value": "",  # one tag whose value is the whole size
    "reported mix": '<div class="gmail_attr"><div class="moz-cite-prefix">x</div><<<<< <p class="a',
}
WORST_SIZES = (100_000, 1_000_000, 2_000_000)


def worst_case_html(shape: str, size: int) -> str:
    if shape == "long attribute value":
        return '<div title="' + "a" * (size - 22) + '">answer</div>'
    unit = WORST_CASES[shape]
    return (unit * (size // len(unit) + 1))[:size]


def worst_case_mail(html: str) -> bytes:
    head = "From: Maya <maya@example.org>\nSubject: Re: check-in\nContent-Type: text/html; charset=utf-8\n"
    return (head + "Content-Transfer-Encoding: 8bit\n\n" + html).encode()


def read_once(raw: bytes, rounds: int = 3) -> tuple[float, int]:
    """CPU seconds to parse and read one message (its reply text), the best of `rounds`, and its text's length."""
    best, chars = float("inf"), 0
    for _ in range(rounds):
        _remembered_kinds.cache_clear()  # each round reads the text afresh, as a new message would be
        start = time.thread_time()
        text = parse_message(raw).text
        reply_text(text)
        best, chars = min(best, time.thread_time() - start), len(text)
    return best, chars


def worst_cases() -> None:
    print("\nworst cases: HTML-only mail, CPU seconds to parse and read, best of 3 (text chars in brackets)")
    print(f"  {'shape':<22}" + "".join(f"{size // 1000:>18,} KB" for size in WORST_SIZES) + f"{'2 MB / 100 KB':>16}")
    for shape in WORST_CASES:
        cells, seconds = [], []
        for size in WORST_SIZES:
            elapsed, chars = read_once(worst_case_mail(worst_case_html(shape, size)))
            seconds.append(elapsed)
            cells.append(f"{elapsed:>8.3f} s ({chars:>8,})")
        print(f"  {shape:<22}" + "".join(f"{cell:>21}" for cell in cells) + f"{seconds[-1] / seconds[0]:>15.1f}x")


def main() -> None:
    if "--worst-case-only" in sys.argv:
        worst_cases()
        return
    if "--own-fixtures-only" in sys.argv:
        own_fixtures()
        return
    if not CORPORA.exists():
        sys.exit(f"shared corpora not found at {CORPORA}")
    score = _score_module()
    reply_raws = reply_extraction(score)
    forward_raws = forwarded(score)
    own_fixtures()
    automatic_raws = automatic(reply_raws)
    hostile = json.loads((CORPORA / "hostile" / "manifest.json").read_text())["messages"]
    hostile_raws = [(CORPORA / "hostile" / m["path"]).read_bytes() for m in hostile]
    throughput(reply_raws + forward_raws + automatic_raws + hostile_raws)
    worst_cases()


if __name__ == "__main__":
    main()
