"""The service's benchmarks in one command; prints a table and writes docs/benchmarks.md.

    .venv/bin/python -m bench.run                    # everything (about 40 minutes)
    .venv/bin/python -m bench.run --only intake      # the intake table (about 25 minutes)
    .venv/bin/python -m bench.run --quick            # smaller runs, to try the harness
    .venv/bin/python -m bench.run --only intake,classify --pg-url postgresql://postgres@127.0.0.1/test

intake: signed Twilio SMS webhooks driven by wrk (bench/intake.py, bench/wrk.py): the generator's
own capacity, the bare ceiling endpoint (parse, verify, one INSERT, commit), and `petition serve`
in both processing modes, on SQLite and on PostgreSQL with 1, 2 and 4 processes.
queue: the desk's queue queries with a generated million reports. classify: decide() on the shared
real messages (read at run time, never copied). start: how soon `petition serve` answers /healthz
and /readyz, and its peak resident memory under wrk's load (bench/start.py).
Every figure is the median of --runs runs. Everything listens on, and is sent to, 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from bench.intake import Line, render_intake, run_intake
from bench.load import LoadResult, median
from bench.outbox import Drain, bench_outbox, render_outbox
from bench.start import StartLine, render_start, run_start

ROOT = Path(__file__).resolve().parent.parent
TEDDY = Path("/work/shared/data/teddy2020-dev.csv")
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
GOALS = {"queue_p95_ms": 100.0}


# --- inputs ---------------------------------------------------------------------------------------


def real_texts(limit_chars: int = 500) -> list[str]:
    """The shared real messages (label, text) read at run time; the repository's cases if absent."""
    if TEDDY.exists():
        with TEDDY.open(encoding="utf-8-sig", newline="") as fh:
            return [row[1][:limit_chars] for row in csv.reader(fh) if len(row) >= 2 and row[1].strip()]
    import json

    lines = (ROOT / "tests/data/public_cases.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


# --- databases and server processes ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def database(backend: str, workdir: Path, pg_url: str, name: str) -> Any:
    """A fresh empty database: a SQLite file, or a new schema in the PostgreSQL database (dropped)."""
    from storage.engine import make_engine, sqlite_url

    if backend == "sqlite":
        (workdir / name).mkdir(parents=True, exist_ok=True)
        yield sqlite_url(workdir / name)
        return
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(pg_url)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield make_url(pg_url).update_query_dict({"search_path": schema}).render_as_string(False)
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


def _data_key() -> str:
    # One key for every process of a run: a database keeps what earlier lines sealed.
    from storage.crypto import new_key

    return new_key()


# --- the benchmarks -------------------------------------------------------------------------------


async def bench_queue(
    backend: str, url: str, args: argparse.Namespace
) -> tuple[float, dict[str, LoadResult]]:
    """Fill `args.rows` reports, then time the desk's queries."""
    from bench.queue import fill, time_queries
    from storage.engine import make_engine
    from storage.migrate import migrate_engine
    from storage.stores import build_stores

    engine = make_engine(url)
    try:
        await migrate_engine(engine)
        seconds = await fill(engine, args.rows)
        print(f"  queue {backend}: {args.rows} reports filled in {seconds:.0f} s", flush=True)
        return seconds, await time_queries(build_stores(engine), args.queue_repeats)
    finally:
        await engine.dispose()


def bench_classify(texts: list[str], runs: int) -> tuple[int, float]:
    """decide() messages per second over the real messages: the median of `runs` passes."""
    from intake.inspection import bundled_inspections, load_inspection
    from intake.models import InboundMessage
    from intake.pipeline import decide

    inspection = load_inspection(bundled_inspections()[0])
    messages = [InboundMessage(id=str(i), text=t) for i, t in enumerate(texts)]
    for m in messages[:50]:
        decide(m, inspection)
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for m in messages:
            decide(m, inspection)
        rates.append(len(messages) / (time.perf_counter() - start))
    return len(messages), median(rates)


# --- the report -----------------------------------------------------------------------------------


def machine() -> list[str]:
    """What the figures were measured on."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem_kb = int(
        next(
            line.split()[1]
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
    )
    return [
        f"CPU: {cpu}, {os.cpu_count()} logical CPUs; memory {mem_kb / 1024 / 1024:.0f} GiB",
        f"OS: {platform.platform()}; Python {platform.python_version()}; SQLite {sqlite3.sqlite_version}",
        "load generator, servers and PostgreSQL on the same machine, over loopback",
        "load average (1 min) at the start and the end: "
        + " and ".join(f"{a:.1f}" for a in (_LOAD_AT_START, os.getloadavg()[0])),
    ]


_LOAD_AT_START = os.getloadavg()[0]


def _ok(good: bool) -> str:
    return "yes" if good else "**no**"


def render(
    args: argparse.Namespace,
    pg_version: str,
    figs: list[Line] | None,
    queue: dict[str, tuple[float, dict[str, LoadResult]]],
    classify: tuple[int, float] | None,
) -> str:
    """The Markdown report."""
    out = [
        "# Benchmarks",
        "",
        f"Generated by `.venv/bin/python -m bench.run {' '.join(sys.argv[1:])}`".rstrip()
        + f" on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        f"Each figure is the median of {args.runs} runs.",
        "",
        *[f"- {line}" for line in machine()],
        f"- PostgreSQL: {pg_version}",
        f"- load generator: {_wrk_version()} (Debian: `apt-get install wrk`; only the benchmark needs it)",
        "- this machine's 2 cores are shared with other engineers' sessions: every figure carries the",
        "  1-minute load average at its end, and a busy machine lowers every line, the ceiling included",
        "",
    ]
    if figs is not None:
        out += render_intake(figs, args)
    if queue:
        out += [
            f"## Queue with {args.rows:,} reports",
            "",
            "Reports (and their suggested decisions) generated over two years in five inspections;",
            "the desk's queries (`storage/desk.py`, listed in `bench/queue.py: desk_queries`) each run",
            f"{args.queue_repeats} times round robin over the inspections. Goal: p95 under 100 ms.",
            "",
            "| backend | query | p50 ms | p95 ms | goal met |",
            "|---|---|---:|---:|---|",
        ]
        for backend, (_, results) in queue.items():
            for name, r in results.items():
                p95 = r.percentile(95)
                out.append(
                    f"| {backend} | {name} | {r.percentile(50):.1f} | {p95:.1f} "
                    f"| {_ok(p95 < GOALS['queue_p95_ms'])} |"
                )
        fills = ", ".join(f"{b} {s:.0f} s" for b, (s, _) in queue.items())
        out += ["", f"Filling took {fills}.", ""]
    if classify is not None:
        n, rate = classify
        out += [
            "## Classify",
            "",
            f"`decide()` on the {n:,} shared real messages (`teddy2020-dev.csv`, read at run time),",
            "one core:",
            f"**{rate:,.0f} messages/s** (median of {args.runs} passes).",
            "",
        ]
    return "\n".join(out)


def _wrk_version() -> str:
    import shutil

    wrk = shutil.which("wrk")
    if wrk is None:
        return "wrk (not installed)"
    out = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False).stdout
    return out.split(" [")[0].strip() or "wrk"


async def _pg_version(pg_url: str) -> str:
    from storage.engine import make_engine

    engine = make_engine(pg_url)
    try:
        async with engine.connect() as conn:
            return str((await conn.execute(text("SHOW server_version"))).scalar_one())
    finally:
        await engine.dispose()


async def run(args: argparse.Namespace) -> str:
    """Run the selected benchmarks and return the report."""
    if make_url(args.pg_url).host not in ("127.0.0.1", "localhost"):
        raise SystemExit("the benchmark only runs against a PostgreSQL on 127.0.0.1")
    texts = real_texts()
    pg_version = await _pg_version(args.pg_url)
    figs: list[Line] | None = None
    starts: list[StartLine] | None = None
    drains: dict[str, list[Drain]] = {}
    queue: dict[str, tuple[float, dict[str, LoadResult]]] = {}
    with tempfile.TemporaryDirectory(prefix="petition-bench-") as tmp:
        workdir = Path(tmp)
        if "intake" in args.only:
            figs = await run_intake(args, texts, workdir, database, _data_key())
        if "start" in args.only:
            starts = await run_start(args, texts, workdir, database, _data_key())
        for backend in args.backends:
            if "queue" in args.only:
                async with database(backend, workdir, args.pg_url, "queue") as url:
                    queue[backend] = await bench_queue(backend, url, args)
        if "outbox" in args.only:
            drains = await bench_outbox(workdir, database, args.pg_url, args.backends, args.runs, args.acks)
    classify = bench_classify(texts, args.runs) if "classify" in args.only else None
    report = render(args, pg_version, figs, queue, classify)
    if drains:
        report = report.rstrip() + "\n\n" + "\n".join(render_outbox(drains, args.acks))
    if starts is not None:
        report = report.rstrip() + "\n\n" + "\n".join(render_start(starts, args))
    return report


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="short runs and 50,000 reports")
    p.add_argument("--only", default="intake,outbox,start,queue,classify")
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--procs", default="1,2,4")
    p.add_argument("--apps", default="ceiling,service,worker", help="intake lines: ceiling, service, worker")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=float, default=10.0, help="ceiling and 100/s runs, s")
    p.add_argument("--sustained", type=float, default=30.0, help="service runs, s")
    p.add_argument("--drain", type=float, default=30.0, help="how long the backlog is watched after")
    p.add_argument("--no-latency", dest="latency", action="store_false", help="skip the 100/s runs")
    p.add_argument("--acks", type=int, default=3000, help="acknowledgements drained by the outbox run")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--queue-repeats", type=int, default=40)
    p.add_argument("--pg-url", default=os.environ.get("PETITION_BENCH_POSTGRES_URL", DEFAULT_PG))
    p.add_argument("--out", type=Path, default=ROOT / "docs/benchmarks.md")
    args = p.parse_args(argv)
    if args.quick:
        args.seconds, args.sustained, args.drain, args.rows, args.runs = 3.0, 5.0, 5.0, 50_000, 1
    args.only = set(args.only.split(","))
    args.backends = args.backends.split(",")
    args.procs = [int(x) for x in args.procs.split(",")]
    args.apps = args.apps.split(",")
    return args


def merge_sections(old: str, new: str) -> str:
    """`new`'s header and sections, with the sections of `old` that this run did not write kept
    after them (a `--only` run does not erase the others; measured ones are marked as earlier)."""

    def sections(doc: str) -> list[str]:
        return ["## " + part for part in doc.split("\n## ")[1:]]

    fresh = {part.split("\n", 1)[0].split(":")[0] for part in sections(new)}
    kept = [part for part in sections(old) if part.split("\n", 1)[0].split(":")[0] not in fresh]
    generated = ("## Intake", "## Outbox", "## Memory and start", "## Queue", "## Classify")
    for i, part in enumerate(kept):
        if part.startswith(generated) and "_(from an earlier run" not in part:
            head, _, body = part.partition("\n")
            kept[i] = f"{head}\n\n_(from an earlier run of `bench.run`, kept by a `--only` run)_\n{body}"
    return "\n".join([new.rstrip(), *kept]).rstrip()


def main(argv: list[str] | None = None) -> None:
    """Run, print the report, write it to --out."""
    args = parse(argv)
    report = asyncio.run(run(args))
    print(report)
    old = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
    args.out.write_text(merge_sections(old, report) + "\n", encoding="utf-8")
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
