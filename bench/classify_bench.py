"""Speed of decide() beside segmentation of the same texts; start-up time and peak memory.

usage: python bench/classify_bench.py [ROUNDS]  (each timing is the best of 5 repeats of ROUNDS passes)
Two sets: the project's labelled cases (tests/data, short like SMS) and, when the evaluation data
lies beside the repository (../shared/data, or PETITION_BENCH_REAL), real messages of 50-500
characters, the issue's "typical" length. decide() uses no word segmenter: its segmentation is one
Aho-Corasick pass of the lexicons over the normalised text ("normalise + scan"), so that is the
segmenting cost it is compared with; rjieba.cut is shown beside it for reference.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _texts() -> list[tuple[str, str]]:
    files = [ROOT / "tests/data/public_cases.jsonl", *sorted((ROOT / "tests/data/cases").glob("*.jsonl"))]
    rows = [json.loads(line) for f in files for line in f.read_text("utf-8").splitlines() if line.strip()]
    return [(r["inspection"], r["text"]) for r in rows]


REAL = Path(os.environ.get("PETITION_BENCH_REAL", ROOT.parent / "shared/data/teddy2020-dev.csv"))


def _real_messages(limit: int = 600) -> list[str]:
    """Up to `limit` real messages of 50-500 characters, if the evaluation data is beside the repo."""
    if not REAL.exists():
        return []
    with REAL.open(encoding="utf-8-sig") as f:
        texts = [row[1] for row in csv.reader(f) if len(row) >= 2 and 50 <= len(row[1]) <= 500]
    return texts[:limit]


def _startup() -> float:
    code = (
        "import time; t = time.perf_counter();"
        "from intake.inspection import bundled_inspections, load_inspection;"
        "from intake.models import InboundMessage; from intake.pipeline import decide;"
        "i = load_inspection(bundled_inspections()[0]);"
        "decide(InboundMessage(id='x', text='西虢镇镇长收受红包'), i);"
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip())


def _time(fn: Callable[[int, str], object], items: list[tuple[int, str]], rounds: int) -> float:
    """Seconds per item: the best of 5 repeats of `rounds` passes (as timeit does; the rest is noise)."""
    for i, t in items[:20]:
        fn(i, t)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(rounds):
            for i, t in items:
                fn(i, t)
        best = min(best, (time.perf_counter() - start) / (rounds * len(items)))
    return best


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    startup = _startup()
    import rjieba

    from intake.extraction.scanner import scan
    from intake.inspection import load_inspection
    from intake.models import InboundMessage
    from intake.normalise import normalise
    from intake.pipeline import decide

    inspections = {n: load_inspection(ROOT / "intake/examples" / f"{n}.toml") for n, _ in _texts()}
    names = list(inspections)
    items = [(names.index(n), t) for n, t in _texts()]
    messages = [(i, InboundMessage(id=str(k), text=t)) for k, (i, t) in enumerate(items)]
    by_text = {t: m for (_, t), (_, m) in zip(items, messages, strict=True)}

    def seg(_: int, t: str) -> object:
        return rjieba.cut(t)

    def bare_scan(_: int, t: str) -> object:
        return scan(normalise(t))

    def full(i: int, t: str) -> object:
        return decide(by_text[t], inspections[names[i]])

    def table(title: str, items: list[tuple[int, str]]) -> None:
        rows = [
            ("rjieba.cut (segmenting only)", _time(seg, items, rounds)),
            ("normalise + Aho-Corasick scan", _time(bare_scan, items, rounds)),
            ("decide() (whole pipeline)", _time(full, items, rounds)),
        ]
        base = rows[0][1]
        avg_chars = sum(len(t) for _, t in items) / len(items)
        print(f"{title}: {len(items)} messages, {avg_chars:.0f} chars on average, {rounds} rounds, one core")
        print(f"{'stage':34} {'us/msg':>9} {'msg/s':>9} {'x rjieba':>9} {'x scan':>7}")
        for name, per in rows:
            print(f"{name:34} {per * 1e6:9.1f} {1 / per:9.0f} {per / base:9.2f} {per / rows[1][1]:7.2f}")
        print()

    table("the project's labelled cases (short: SMS-like)", items)
    real = _real_messages()
    if real:
        # The "typical messages" are 50-500 characters: real letters to a government
        # board, read here at bench time only (evaluation data, never copied into the repository).
        real_items = [(0, t) for t in real]
        for _, t in real_items:
            by_text[t] = InboundMessage(id="r", text=t)
        table(f"real messages of 50-500 characters ({REAL.name})", real_items)
    long = "举报西虢镇镇长收受红包。" * 8000
    t0 = time.perf_counter()
    decide(InboundMessage(id="long", text=long[:100_000]), inspections[names[0]])
    print(f"100,000-char message: {(time.perf_counter() - t0) * 1e3:.1f} ms")
    print(f"start-up (import, load lexicons and divisions, first decision): {startup:.2f} s")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (this process, incl. rjieba): {peak:.0f} MB")


if __name__ == "__main__":
    main()
