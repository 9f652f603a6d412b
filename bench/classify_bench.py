"""Speed of decide() with the text model beside the lexicon-only pipeline; start-up, model size, memory.

usage: PYTHONPATH=$PWD python -m bench.classify_bench [ROUNDS]  (each timing is the best of 5 repeats
of ROUNDS passes; both pipelines run in the same process and on the same texts)
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


def _real_path() -> Path:
    from intake.textmodel.data import default_teddy_path

    env = os.environ.get("PETITION_BENCH_REAL")
    return Path(env) if env else (default_teddy_path() or ROOT.parent / "shared/data/teddy2020-dev.csv")


REAL = _real_path()


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
        "from intake.textmodel import active_model; active_model();"
        "i = load_inspection(bundled_inspections()[0]);"
        "decide(InboundMessage(id='x', text='西虢镇镇长收受红包'), i);"
        "print(time.perf_counter() - t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    return float(out.stdout.strip())


def _time(fn: Callable[[int, str], object], items: list[tuple[int, str]], rounds: int) -> float:
    """CPU seconds per item: the best of 5 repeats of `rounds` passes (as timeit does; the rest is noise).

    Process CPU time, not wall time: on a machine shared with other jobs it is still one core's work."""
    for i, t in items[:20]:
        fn(i, t)
    best = float("inf")
    for _ in range(5):
        start = time.process_time()
        for _ in range(rounds):
            for i, t in items:
                fn(i, t)
        best = min(best, (time.process_time() - start) / (rounds * len(items)))
    return best


def _deciders() -> dict[str, Callable[..., object]]:
    """decide() with the shipped text model, and decide() on the lexicon alone, in the same process."""
    import inspect

    from intake import pipeline
    from intake.textmodel import default_model

    model = default_model()
    takes_model = "model" in inspect.signature(pipeline.decide).parameters
    if takes_model:
        lexicon = getattr(pipeline, "NO_MODEL", None)
        return {
            "decide(), lexicon only": lambda m, i: pipeline.decide(m, i, model=lexicon),
            "decide() with the text model": lambda m, i: pipeline.decide(m, i, model=model),
        }

    # Before decide() took a model: the lexicon pipeline, and it plus the model's two heads.
    def both(m: object, i: object) -> object:
        d = pipeline.decide(m, i)  # type: ignore[arg-type]
        return d, model.category_proba(m.text), model.sector_proba(m.text)  # type: ignore[attr-defined]

    return {"decide(), lexicon only": pipeline.decide, "decide() + model heads": both}


def _segmenter() -> Callable[[int, str], object] | None:
    try:
        import rjieba  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # not a dependency: shown for reference when installed
        return None
    return lambda _, t: rjieba.cut(t)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    startup = _startup()
    from intake.extraction.scanner import scan
    from intake.inspection import load_inspection
    from intake.models import InboundMessage
    from intake.normalise import normalise
    from intake.textmodel import default_model, default_model_path

    inspections = {n: load_inspection(ROOT / "intake/examples" / f"{n}.toml") for n, _ in _texts()}
    names = list(inspections)
    items = [(names.index(n), t) for n, t in _texts()]
    messages = [(i, InboundMessage(id=str(k), text=t)) for k, (i, t) in enumerate(items)]
    by_text = {t: m for (_, t), (_, m) in zip(items, messages, strict=True)}
    deciders = _deciders()
    model = default_model()
    seg = _segmenter()

    def bare_scan(_: int, t: str) -> object:
        return scan(normalise(t))

    def heads(_: int, t: str) -> object:
        text = normalise(t)
        return model.category_proba(text), model.sector_proba(text)

    def table(title: str, items: list[tuple[int, str]]) -> None:
        rows = [("rjieba.cut (segmenting only)", _time(seg, items, rounds))] if seg else []
        rows += [
            ("normalise + Aho-Corasick scan", _time(bare_scan, items, rounds)),
            ("normalise + text model (2 heads)", _time(heads, items, rounds)),
        ]
        for name, fn in deciders.items():
            rows.append(
                (name, _time(lambda i, t, fn=fn: fn(by_text[t], inspections[names[i]]), items, rounds))
            )
        avg_chars = sum(len(t) for _, t in items) / len(items)
        print(f"{title}: {len(items)} messages, {avg_chars:.0f} chars on average, {rounds} rounds, one core")
        print(f"{'stage':36} {'us/msg':>9} {'msg/s':>9}")
        for name, per in rows:
            print(f"{name:36} {per * 1e6:9.1f} {1 / per:9.0f}")
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
    for name, fn in deciders.items():
        t0 = time.perf_counter()
        fn(InboundMessage(id="long", text=long[:100_000]), inspections[names[0]])
        print(f"100,000-char message, {name}: {(time.perf_counter() - t0) * 1e3:.1f} ms")
    print(f"start-up (import, load lexicons, divisions and the model, first decision): {startup:.2f} s")
    print(f"model file: {default_model_path().stat().st_size / 1e6:.2f} MB, version {model.version}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (this process): {peak:.0f} MB")


if __name__ == "__main__":
    main()
