"""The service's benchmarks in one command; prints a table and writes docs/benchmarks.md.

    .venv/bin/python -m bench.run                    # everything (about 10 minutes)
    .venv/bin/python -m bench.run --quick            # smaller runs, to try the harness
    .venv/bin/python -m bench.run --only intake,classify --pg-url postgresql://postgres@127.0.0.1/test

intake: signed Twilio SMS webhooks end to end (verify, store, decide, queue the acknowledgement)
against N `bench.apps service` processes, beside the bare ceiling endpoint (one INSERT) on the same
database, alternating run by run; closed loop for throughput, 100 requests/s for latency.
queue: the desk's queue queries with a generated million reports. classify: decide() on the shared
real messages (read at run time, never copied). memory: resident set of one server process.
Every figure is the median of --runs runs. Everything listens on, and is sent to, 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import csv
import os
import platform
import random
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url

from bench.load import LoadResult, Request, closed_loop, fixed_rate, median

ROOT = Path(__file__).resolve().parent.parent
TEDDY = Path("/work/shared/data/teddy2020-dev.csv")
PUBLIC = "https://petition.example.org"
SID, TOKEN, FROM = "AC" + "0" * 32, "bench-auth-token", "+8613900000000"
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
CONCURRENCY = 32
LATENCY_RATE = 100.0
PROCESS_TIMEOUT_S = 300.0
# The service with its reports opened in the serving process (the default), the service whose
# serving processes only commit while one `petition worker` opens the reports, and the ceiling.
INLINE, WORKER, CEILING = "service", "service + worker", "ceiling"
GOALS = {"ratio": 0.5, "p99_ms": 50.0, "queue_p95_ms": 100.0, "rss_mb": 300.0}


# --- inputs ---------------------------------------------------------------------------------------


def real_texts(limit_chars: int = 500) -> list[str]:
    """The shared real messages (label, text) read at run time; the repository's cases if absent."""
    if TEDDY.exists():
        with TEDDY.open(encoding="utf-8-sig", newline="") as fh:
            return [row[1][:limit_chars] for row in csv.reader(fh) if len(row) >= 2 and row[1].strip()]
    import json

    lines = (ROOT / "tests/data/public_cases.jsonl").read_text("utf-8").splitlines()
    return [json.loads(line)["text"] for line in lines if line.strip()]


def signed_sms(texts: list[str], n: int, tag: str) -> list[Request]:
    """`n` inbound-SMS webhooks, each from its own number and signed as Twilio signs them."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    rng = random.Random(tag)
    out: list[Request] = []
    for i in range(n):
        form = {
            "MessageSid": f"SM{tag}{i:010d}",
            "AccountSid": SID,
            "From": f"+861{rng.randrange(30, 90)}{rng.randrange(10**8):08d}",
            "To": FROM,
            "Body": texts[i % len(texts)][:300],
            "NumSegments": "1",
        }
        headers = {
            "X-Twilio-Signature": validator.compute_signature(PUBLIC + "/hooks/sms", form),
            "Content-Type": "application/x-www-form-urlencoded",
        }
        out.append(("/hooks/sms", urlencode(form).encode(), headers))
    return out


# --- databases and server processes ---------------------------------------------------------------


@contextlib.asynccontextmanager
async def database(backend: str, workdir: Path, pg_url: str, name: str) -> Any:
    """A fresh empty database: a SQLite file, or a new schema in the PostgreSQL database (dropped)."""
    from storage.engine import make_engine, sqlite_url

    if backend == "sqlite":
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Server:
    """One server process on loopback."""

    kind: str
    port: int
    proc: asyncio.subprocess.Process

    @property
    def base(self) -> str:
        """Its base URL."""
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self, field_name: str = "VmRSS") -> float:
        """Resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
        return float("nan")


def _data_key() -> str:
    # One key for every process and every round: the database keeps what earlier rounds sealed.
    global _KEY
    if _KEY is None:
        from storage.crypto import new_key

        _KEY = new_key()
    return _KEY


_KEY: str | None = None


def server_env(url: str, data_dir: Path) -> dict[str, str]:
    """The environment of a bench server: the database, Twilio's signing token, a shared data key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PETITION_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PETITION_DATABASE_URL=url,
        PETITION_DATA_DIR=str(data_dir),
        PETITION_PUBLIC_URL=PUBLIC,
        PETITION_TWILIO_ACCOUNT_SID=SID,
        PETITION_TWILIO_AUTH_TOKEN=TOKEN,
        PETITION_TWILIO_FROM=FROM,
        PETITION_TWILIO_API_BASE="http://127.0.0.1:9",  # never called: no outbox worker runs
        PETITION_DATA_KEY=_data_key(),
        PETITION_SECRET_KEY="bench-session-secret",
        # The load generator is one address; Twilio's webhooks come from many. Without this the
        # per-address limit on /hooks/* (600/min) would be what the benchmark measures.
        PETITION_HOOK_RATE_PER_MINUTE=str(10_000_000),
        PETITION_HOOK_BURST=str(10_000_000),
    )
    return env


@contextlib.asynccontextmanager
async def servers(kind: str, n: int, env: dict[str, str], workdir: Path) -> Any:
    """`n` server processes of `kind`, up and answering; terminated afterwards."""
    started: list[Server] = []
    try:
        for _ in range(n):
            port = _free_port()
            with (workdir / f"{kind}-{port}.log").open("wb") as log:
                proc = await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bench.apps",
                    kind,
                    str(port),
                    env=env,
                    cwd=workdir,
                    stdout=subprocess.DEVNULL,
                    stderr=log,
                )
            started.append(Server(kind, port, proc))
        async with httpx.AsyncClient(timeout=5) as client:
            for s in started:
                await _wait_ready(client, s)
        yield started
    finally:
        for s in started:
            if s.proc.returncode is None:
                s.proc.terminate()
        for s in started:
            try:
                await asyncio.wait_for(s.proc.wait(), 15)
            except TimeoutError:
                s.proc.kill()
                await s.proc.wait()


async def _wait_ready(client: httpx.AsyncClient, s: Server) -> None:
    path = "/healthz" if s.kind == "service" else "/"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if s.proc.returncode is not None:
            raise RuntimeError(f"{s.kind} server exited with {s.proc.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if (await client.get(s.base + path)).status_code == 200:
                return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{s.kind} server on port {s.port} did not start")


# --- the benchmarks -------------------------------------------------------------------------------


@dataclass
class IntakeFigures:
    """Medians per backend and process count."""

    throughput: dict[tuple[str, int, str], list[float]] = field(default_factory=dict)
    # Service only: messages with their report opened and acknowledgement queued, per second from
    # the first request to the last report (the webhook answers on the commit, the rest follows).
    processed: dict[tuple[str, int, str], list[float]] = field(default_factory=dict)
    lag: dict[tuple[str, int, str], list[float]] = field(default_factory=dict)
    failed: dict[tuple[str, int, str], int] = field(default_factory=dict)
    latency: dict[tuple[str, str], list[LoadResult]] = field(default_factory=dict)
    rss_rest: dict[str, float] = field(default_factory=dict)
    rss_peak: dict[str, float] = field(default_factory=dict)


async def bench_intake(
    backend: str,
    url_ceiling: str,
    url_service: str,
    args: argparse.Namespace,
    texts: list[str],
    workdir: Path,
    figs: IntakeFigures,
) -> None:
    """Throughput at 1, 2 and 4 processes and latency at 100/s, service beside ceiling, one backend."""
    from storage.migrate import migrate

    await migrate(url_service)
    await migrate(url_ceiling)
    n_cap = int(args.seconds * 3000)
    for procs in args.procs:
        env_s = server_env(url_service, workdir / "data")
        env_w = {**env_s, "PETITION_INTAKE_PROCESSING": "worker"}
        env_c = server_env(url_ceiling, workdir / "data")
        async with (
            servers("service", procs, env_s, workdir) as svc,
            servers("service", procs, env_w, workdir) as svc_w,
            servers("worker", 1, env_w, workdir),
            servers("ceiling", procs, env_c, workdir) as ceil,
        ):
            apps = ((INLINE, svc), (WORKER, svc_w), (CEILING, ceil))
            if procs == 1:
                figs.rss_rest[backend] = svc[0].rss_mb()
            for app, group in apps:
                warm = signed_sms(texts, 100, f"w{app[:2]}{procs}{backend[:2]}")
                await closed_loop([s.base for s in group], warm, concurrency=8, max_seconds=10)
            for run in range(args.runs):
                # Side by side: the service's two modes and the ceiling in the same round, on the
                # same database server.
                for app, group in apps:
                    tag = f"t{app[:2]}{procs}{run}{backend[:2]}"
                    reqs = signed_sms(texts, n_cap, tag)
                    r = await closed_loop(
                        [s.base for s in group], reqs, concurrency=CONCURRENCY, max_seconds=args.seconds
                    )
                    key = (backend, procs, app)
                    figs.throughput.setdefault(key, []).append(r.per_second)
                    figs.failed[key] = figs.failed.get(key, 0) + r.failed
                    lag = 0.0
                    if app != CEILING:
                        lag = await wait_processed(url_service, tag, r.ok)
                    # The ceiling's work is done when it answers: its processed rate is its answer rate.
                    figs.processed.setdefault(key, []).append(r.ok / (r.seconds + lag))
                    figs.lag.setdefault(key, []).append(lag)
                    print(
                        f"  intake {backend} x{procs} {app}: {r.per_second:.0f}/s answered, "
                        f"last report {lag:.2f} s later ({r.failed} failed)",
                        flush=True,
                    )
            if procs == 1:
                for run in range(args.runs):
                    for app, group in apps:
                        n = int(LATENCY_RATE * args.latency_seconds)
                        reqs = signed_sms(texts, n, f"l{app[:2]}{run}{backend[:2]}")
                        r = await fixed_rate([s.base for s in group], reqs, rate=LATENCY_RATE)
                        figs.latency.setdefault((backend, app), []).append(r)
                        print(
                            f"  latency {backend} {app}: "
                            f"p50 {r.percentile(50):.1f} ms, p99 {r.percentile(99):.1f} ms",
                            flush=True,
                        )
                figs.rss_peak[backend] = svc[0].rss_mb("VmHWM")


async def wait_processed(url: str, tag: str, expected: int) -> float:
    """Seconds until the `expected` messages of run `tag` are all processed (report opened or
    recorded), polled every 20 ms from the moment the load generator had its last answer."""
    from storage.engine import make_engine
    from storage.schema import messages

    start = time.perf_counter()
    engine = make_engine(url)
    done = (messages.c.handled.is_(True)) | (messages.c.report_id.is_not(None))
    stmt = select(func.count()).select_from(messages).where(messages.c.provider_id.like(f"SM{tag}%"), done)
    try:
        while time.perf_counter() - start < PROCESS_TIMEOUT_S:
            async with engine.connect() as conn:
                if int((await conn.execute(stmt)).scalar_one()) >= expected:
                    return time.perf_counter() - start
            await asyncio.sleep(0.02)
    finally:
        await engine.dispose()
    raise RuntimeError(f"run {tag}: {expected} messages not processed within {PROCESS_TIMEOUT_S:.0f} s")


async def bench_queue(
    backend: str, url: str, args: argparse.Namespace
) -> tuple[float, dict[str, LoadResult]]:
    """Fill `args.rows` reports, then time the desk's queries."""
    from bench.queue import fill, time_queries
    from storage.desk import SqlDeskStore
    from storage.engine import make_engine
    from storage.migrate import migrate_engine

    engine = make_engine(url)
    try:
        await migrate_engine(engine)
        seconds = await fill(engine, args.rows)
        print(f"  queue {backend}: {args.rows} reports filled in {seconds:.0f} s", flush=True)
        return seconds, await time_queries(SqlDeskStore(engine), args.queue_repeats)
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
    figs: IntakeFigures | None,
    queue: dict[str, tuple[float, dict[str, LoadResult]]],
    classify: tuple[int, float] | None,
) -> str:
    """The Markdown report."""
    out = [
        "# Benchmarks",
        "",
        f"Generated by `.venv/bin/python -m bench.run {' '.join(sys.argv[1:])}`".rstrip()
        + f" on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC.",
        "Each figure is the median of "
        f"{args.runs} runs; service and ceiling were measured in alternation in the same run.",
        "",
        *[f"- {line}" for line in machine()],
        f"- PostgreSQL: {pg_version}",
        "",
    ]
    if figs is not None:
        out += [
            "## Intake: signed SMS webhooks end to end",
            "",
            "`service` = `POST /hooks/sms` through the whole app: signature check and raw message",
            "committed before the answer; then, in the same process, in batches: decide(), report",
            "numbered, search index, acknowledgement queued in the outbox, audit entry.",
            "`service + worker` = the same serving processes with `PETITION_INTAKE_PROCESSING=worker`:",
            "they verify and commit only, and one more process (`petition worker`'s intake job) does",
            "the rest. The outbox worker runs in neither (sending is not intake).",
            "*Answered* counts the webhook's answers; *processed* counts messages whose report is",
            "written, from the first request until the last report: the figure compared with the",
            "ceiling. Ceiling = a bare ASGI endpoint doing only the single-row INSERT of the raw",
            "message, on the same database server.",
            f"Closed loop, {CONCURRENCY} concurrent connections spread round robin over the processes,",
            f"{args.seconds:g} s per run; goal: service processed at least {GOALS['ratio']:.0%} "
            "of the ceiling.",
            "",
            "| backend | processes | app | answered req/s | processed msg/s "
            "| last report after the last answer, s | processed / ceiling | goal met | failed requests |",
            "|---|---:|---|---:|---:|---:|---:|---|---:|",
        ]
        for (backend, procs, app), values in sorted(figs.throughput.items()):
            ceiling = median(figs.processed[(backend, procs, CEILING)])
            done = median(figs.processed[(backend, procs, app)])
            lag = median(figs.lag[(backend, procs, app)])
            ratio, goal = (f"{done / ceiling:.0%}", _ok(done / ceiling >= GOALS["ratio"]))
            if app == CEILING:
                ratio, goal = "", ""
            out.append(
                f"| {backend} | {procs} | {app} | {median(values):.0f} | {done:.0f} | {lag:.2f} "
                f"| {ratio} | {goal} | {figs.failed.get((backend, procs, app), 0)} |"
            )
        out += [
            "",
            f"### Latency at a fixed {LATENCY_RATE:.0f} requests/s "
            f"(1 process, {args.latency_seconds:g} s per run, "
            "measured from when each request was due)",
            "",
            "| backend | app | p50 ms | p99 ms | failed | goal p99 < 50 ms |",
            "|---|---|---:|---:|---:|---|",
        ]
        for (backend, app), runs in sorted(figs.latency.items(), reverse=True):
            p50 = median([r.percentile(50) for r in runs])
            p99 = median([r.percentile(99) for r in runs])
            goal = _ok(p99 < GOALS["p99_ms"]) if app != CEILING else ""
            out.append(
                f"| {backend} | {app} | {p50:.1f} | {p99:.1f} | {sum(r.failed for r in runs)} | {goal} |"
            )
        out += [
            "",
            "## Memory of one server process",
            "",
            "| backend | at rest MB | peak under load MB | goal < 300 MB |",
            "|---|---:|---:|---|",
        ]
        for backend in figs.rss_rest:
            peak = figs.rss_peak.get(backend, float("nan"))
            out.append(
                f"| {backend} | {figs.rss_rest[backend]:.0f} | {peak:.0f} | {_ok(peak < GOALS['rss_mb'])} |"
            )
        out.append("")
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
    figs = IntakeFigures() if "intake" in args.only else None
    queue: dict[str, tuple[float, dict[str, LoadResult]]] = {}
    with tempfile.TemporaryDirectory(prefix="petition-bench-") as tmp:
        workdir = Path(tmp)
        for backend in args.backends:
            if figs is not None:
                async with (
                    database(backend, workdir, args.pg_url, "svc") as svc_url,
                    database(backend, workdir, args.pg_url, "ceil") as ceil_url,
                ):
                    await bench_intake(backend, ceil_url, svc_url, args, texts, workdir, figs)
            if "queue" in args.only:
                async with database(backend, workdir, args.pg_url, "queue") as url:
                    queue[backend] = await bench_queue(backend, url, args)
    classify = bench_classify(texts, args.runs) if "classify" in args.only else None
    return render(args, pg_version, figs, queue, classify)


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--quick", action="store_true", help="short runs and 50,000 reports")
    p.add_argument("--only", default="intake,queue,classify")
    p.add_argument("--backends", default="sqlite,postgres")
    p.add_argument("--procs", default="1,2,4")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--seconds", type=float, default=5.0, help="length of a throughput run")
    p.add_argument("--latency-seconds", type=float, default=5.0)
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--queue-repeats", type=int, default=40)
    p.add_argument("--pg-url", default=os.environ.get("PETITION_BENCH_POSTGRES_URL", DEFAULT_PG))
    p.add_argument("--out", type=Path, default=ROOT / "docs/benchmarks.md")
    args = p.parse_args(argv)
    if args.quick:
        args.seconds, args.latency_seconds, args.rows, args.runs = 2.0, 2.0, 50_000, 2
    args.only = set(args.only.split(","))
    args.backends = args.backends.split(",")
    args.procs = [int(x) for x in args.procs.split(",")]
    return args


def main(argv: list[str] | None = None) -> None:
    """Run, print the report, write it to --out."""
    args = parse(argv)
    report = asyncio.run(run(args))
    print(report)
    args.out.write_text(report + "\n", encoding="utf-8")
    print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
