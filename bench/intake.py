"""The intake benchmark: `wrk` against the generator's capacity, the ceiling and `petition serve`.

Lines, each the median of --runs runs, with the 1-minute load average printed beside every figure
(the machine is shared):

- generator: wrk against `bench.apps trivial` (no database): what wrk itself can send here;
- ceiling: bare Starlette, parse + verify + one INSERT + commit (`bench.apps ceiling`);
- service: `petition serve --reuse-port` x N, outbox sending to a local fake Twilio
  (default mode: the reports are opened in the serving process);
- service + worker: the same with PETITION_INTAKE_PROCESSING=worker and one `petition worker`.

A service run lasts --sustained seconds (30): answered req/s from wrk; reports written (decided,
numbered, indexed, acknowledgement in the outbox, audited: one transaction) from polling the
database every second, and the backlog (committed - written) fitted over time. Latency at a fixed
100 req/s is wrk paced by delay(); the achieved rate is printed to show that it held.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.wrk import FROM, PUBLIC, SID, TOKEN, WrkResult, run_wrk, write_requests

ROOT = Path(__file__).resolve().parent.parent
GENERATOR, CEILING, INLINE, WORKER = "generator (trivial endpoint)", "ceiling", "service", "service + worker"
APP_NAMES = {CEILING: "ceiling", INLINE: "service", WORKER: "worker"}
GOALS = {"answered": 0.5, "written": 0.4, "p99_ms": 50.0, "rss_mb": 200.0, "start_s": 2.0}
CONNECTIONS = 16
RATE = 100.0
# A line whose wrk used this share of a core, or answered this share of the generator's capacity,
# was limited by the generator: flagged in the table.
GENERATOR_CPU_BOUND, GENERATOR_RATE_BOUND = 0.9, 0.8


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def server_env(url: str, data_dir: Path, twilio_port: int, data_key: str) -> dict[str, str]:
    """A bench server's environment: the database, Twilio's token and the fake API, a data key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PETITION_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PETITION_DATABASE_URL=url,
        PETITION_DATA_DIR=str(data_dir),
        PETITION_PUBLIC_URL=PUBLIC,
        PETITION_TWILIO_ACCOUNT_SID=SID,
        PETITION_TWILIO_AUTH_TOKEN=TOKEN,
        PETITION_TWILIO_FROM=FROM,
        PETITION_TWILIO_API_BASE=f"http://127.0.0.1:{twilio_port}",
        PETITION_DATA_KEY=data_key,
        PETITION_SECRET_KEY="bench-session-secret",
    )
    return env


@dataclass
class Procs:
    """Started processes, terminated on exit."""

    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    log: Path | None = None

    def start(self, argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        self.log = log
        with log.open("ab") as fh:
            p = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def stop(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.terminate()
        for p in self.procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.clear()


async def wait_ready(
    base: str, path: str, procs: list[subprocess.Popen[bytes]], limit_s: float = 60
) -> float:
    """Seconds until `base + path` answers 200."""
    start = time.perf_counter()
    async with httpx.AsyncClient(timeout=2) as client:
        while time.perf_counter() - start < limit_s:
            if any(p.poll() is not None for p in procs):
                raise RuntimeError(f"a server for {base} exited")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(base + path)).status_code == 200:
                    return time.perf_counter() - start
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{base}{path} did not answer within {limit_s} s")


@contextlib.asynccontextmanager
async def group(kind: str, n: int, env: dict[str, str], workdir: Path, *, worker: bool = False) -> Any:
    """`n` processes of `kind` on one shared port, and one `petition worker` if asked; yields
    (base URL, pids, seconds until the first answered)."""
    port = free_port()
    procs = Procs()
    py = sys.executable
    if kind in (INLINE, WORKER):
        argv = [py, "-m", "cli", "serve", "--port", str(port), "--reuse-port"]
    else:
        argv = [py, "-m", "bench.apps", kind.split()[0], str(port)]
    try:
        for _ in range(n):
            procs.start(argv, env, workdir / f"{kind.split()[0]}-{port}.log")
        base = f"http://127.0.0.1:{port}"
        try:
            # /readyz: the app is loaded (`serve` answers /healthz while it loads: bench/start.py).
            started = await wait_ready(base, "/readyz" if kind in (INLINE, WORKER) else "/", procs.procs)
        except RuntimeError:
            if procs.log is not None:
                print(procs.log.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        if worker:
            procs.start([py, "-m", "cli", "worker"], env, workdir / f"worker-{port}.log")
        yield base, [p.pid for p in procs.procs], started
    finally:
        procs.stop()


def rss_mb(pid: int, field_name: str = "VmRSS") -> float:
    """Resident memory now (VmRSS) or at its peak (VmHWM), in MB."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


@dataclass
class Sustained:
    """What the database showed during one service run."""

    written_per_s: float
    backlog_per_s: float  # growth of committed-but-not-written, fitted over the run's second half
    backlog_end: int
    drained_after_s: float


async def poll_written(
    url: str, tag: str, seconds: float, *, load_s: float, interval: float = 1.0
) -> list[tuple[float, int, int]]:
    """(t, committed, written) every `interval` for `seconds`: messages of run `tag` stored, and
    those whose report is written (report row, decision, number, search terms, outbox, audit are
    one transaction) or that needed none (handled)."""
    from storage.engine import make_engine
    from storage.schema import messages

    engine = make_engine(url)
    mine = messages.c.provider_id.like(f"SM{tag}%")
    done = (messages.c.handled.is_(True)) | (messages.c.report_id.is_not(None))
    stmt = select(func.count(), func.count().filter(done)).select_from(messages).where(mine)
    out: list[tuple[float, int, int]] = []
    start = time.perf_counter()
    try:
        while (t := time.perf_counter() - start) < seconds:
            async with engine.connect() as conn:
                committed, written = (await conn.execute(stmt)).one()
            out.append((t, int(committed), int(written)))
            if t > load_s + 1 and committed == written:
                break  # the load is over and everything is written
            await asyncio.sleep(max(0.0, interval - (time.perf_counter() - start - t)))
    finally:
        await engine.dispose()
    return out


def sustained_of(samples: list[tuple[float, int, int]], run_s: float) -> Sustained:
    """Written/s from 5 s in to the end of the load, backlog growth fitted over its second half."""
    during = [s for s in samples if s[0] <= run_s]
    a = next((s for s in during if s[0] >= 5.0), during[0])
    b = during[-1]
    written = (b[2] - a[2]) / (b[0] - a[0]) if b[0] > a[0] else 0.0
    half = [s for s in during if s[0] >= run_s / 2]
    slope = 0.0
    if len(half) >= 3:
        slope = statistics.linear_regression([s[0] for s in half], [s[1] - s[2] for s in half]).slope
    after = [s for s in samples if s[0] > run_s and s[1] == s[2]]
    drained = after[0][0] - run_s if after else float("nan")
    return Sustained(written, slope, b[1] - b[2], drained)


@dataclass
class Line:
    """One line of the table: its runs."""

    backend: str
    procs: int
    app: str
    runs: list[WrkResult] = field(default_factory=list)
    sustained: list[Sustained] = field(default_factory=list)
    paced: list[WrkResult] = field(default_factory=list)
    rss_peak_mb: float = float("nan")
    start_s: float = float("nan")


async def measure(
    line: Line, base: str, url: str | None, args: argparse.Namespace, texts: list[str], workdir: Path
) -> None:
    """The line's throughput runs (service: sustained, with the database polled) and paced runs."""
    service = line.app in (INLINE, WORKER)
    seconds = args.sustained if service else args.seconds
    for run in range(args.runs):
        tag = f"{line.app[:2]}{line.backend[:2]}{line.procs}r{run}{time.time_ns() % 10**6}"
        n = int(seconds * (1500 if service else 4000)) + 1000
        reqs = write_requests(workdir / f"{tag}.req", texts, n, tag)
        poll = None
        if service and url is not None:
            poll = asyncio.create_task(poll_written(url, tag, seconds + args.drain, load_s=seconds))
        r = await run_wrk(base, reqs, seconds=seconds, connections=CONNECTIONS)
        line.runs.append(r)
        extra = ""
        if poll is not None:
            s = sustained_of(await poll, seconds)
            line.sustained.append(s)
            extra = (
                f", written {s.written_per_s:.0f}/s, backlog {s.backlog_per_s:+.1f}/s "
                f"({s.backlog_end} at the end, drained {s.drained_after_s:.1f} s later)"
            )
        print(
            f"  {line.backend} x{line.procs} {line.app}: answered {r.per_second:.0f}/s "
            f"p50 {r.p50_ms:.1f} p99 {r.p99_ms:.1f} ms, errors {r.errors}, wraps {r.wraps}, "
            f"wrk cpu {r.generator_cpu:.0%}{extra} [load {r.load:.1f}]",
            flush=True,
        )
        reqs.unlink()
    # At a fixed 100/s: the goal is for one process; more would only lengthen the run.
    if line.app == GENERATOR or not args.latency or line.procs != 1:
        return
    for run in range(args.runs):
        tag = f"p{line.app[:2]}{line.backend[:2]}{line.procs}r{run}{time.time_ns() % 10**6}"
        reqs = write_requests(workdir / f"{tag}.req", texts, int(RATE * args.seconds) + 500, tag)
        r = await run_wrk(base, reqs, seconds=args.seconds, connections=CONNECTIONS, rate=RATE)
        line.paced.append(r)
        print(
            f"  {line.backend} x{line.procs} {line.app} at {RATE:.0f}/s: held {r.per_second:.1f}/s, "
            f"p50 {r.p50_ms:.1f} p99 {r.p99_ms:.1f} ms [load {r.load:.1f}]",
            flush=True,
        )
        reqs.unlink()


async def run_intake(
    args: argparse.Namespace, texts: list[str], workdir: Path, database: Any, data_key: str
) -> list[Line]:
    """Every line of the table; `database(backend, workdir, pg_url, name)` gives a fresh database."""
    from storage.migrate import migrate

    lines: list[Line] = []
    tw_port = free_port()
    fake = Procs()
    env0 = server_env("sqlite://", workdir / "data", tw_port, data_key)
    fake.start([sys.executable, "-m", "bench.apps", "twilio", str(tw_port)], env0, workdir / "twilio.log")
    try:
        gen = Line("-", 2, GENERATOR)
        async with group("trivial", 2, env0, workdir) as (base, _, _):
            await measure(gen, base, None, args, texts, workdir)
        lines.append(gen)
        for backend in args.backends:
            for procs in args.procs if backend == "postgres" else [1]:
                for app in (CEILING, INLINE, WORKER):
                    if APP_NAMES[app] not in args.apps:
                        continue
                    name = f"{app[:4].strip()}{procs}".replace(" ", "")
                    async with database(backend, workdir, args.pg_url, name) as url:
                        if app != CEILING:
                            await migrate(url)
                        env = server_env(url, workdir / f"data-{backend}", tw_port, data_key)
                        if app == WORKER:
                            env["PETITION_INTAKE_PROCESSING"] = "worker"
                        line = Line(backend, procs, app)
                        async with group(app, procs, env, workdir, worker=app == WORKER) as (base, pids, t0):
                            line.start_s = t0
                            await measure(line, base, url, args, texts, workdir)
                            line.rss_peak_mb = max(rss_mb(pid, "VmHWM") for pid in pids[:procs])
                        lines.append(line)
    finally:
        fake.stop()
    return lines


def med(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def yes_no(good: bool) -> str:
    return "yes" if good else "**no**"


def render_intake(lines: list[Line], args: argparse.Namespace) -> list[str]:
    """The intake section of docs/benchmarks.md."""
    gen = next(line for line in lines if line.app == GENERATOR)
    capacity = med([r.per_second for r in gen.runs])
    out = [
        "## Intake: signed SMS webhooks, driven by wrk",
        "",
        f"`wrk` (1 thread, {CONNECTIONS} connections) cycling through a file of pre-signed Twilio",
        "webhooks written once per run (unique MessageSid and sender, texts from the shared real",
        "messages). *generator* = wrk against an endpoint that does nothing (2 processes): what the",
        "generator itself can send here. *ceiling* = bare Starlette: parse the form, verify the",
        "signature, one INSERT of the raw body, commit (aiosqlite / asyncpg, `bench/apps.py`).",
        "*service* = `petition serve --reuse-port` (N processes on one port), outbox sending to a",
        "local fake Twilio; *service + worker* = the same with `PETITION_INTAKE_PROCESSING=worker`",
        "and one `petition worker`.",
        f"Throughput: closed loop, {args.seconds:g} s runs (ceiling) and {args.sustained:g} s sustained",
        "runs (service), in which *written* is the rate at which reports were written (decided,",
        "numbered, indexed, acknowledgement in the outbox, audited: one transaction per batch),",
        "polled from the database every second, and *backlog* the growth of committed-but-unwritten",
        "messages over the run's second half. *wrk cpu* = the generator's share of a core; a line",
        f"over {GENERATOR_CPU_BOUND:.0%} of a core or {GENERATOR_RATE_BOUND:.0%} of the generator's",
        "capacity is flagged: there the generator, not the server, set the number.",
        f"Goals (1 process, SQLite, default mode): answered >= {GOALS['answered']:.0%} of the ceiling,",
        f"written >= {GOALS['written']:.0%} without a growing backlog. Median of {args.runs} runs;",
        "load = the 1-minute load average at the end of the runs (other engineers share the machine).",
        "",
        "| backend | procs | app | answered req/s | p50 / p99 ms | answered / ceiling "
        "| written msg/s | written / ceiling | backlog msg/s | wrk cpu | load | flag |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    ceilings = {(x.backend, x.procs): med([r.per_second for r in x.runs]) for x in lines if x.app == CEILING}
    for x in lines:
        answered = med([r.per_second for r in x.runs])
        cpu = med([r.generator_cpu for r in x.runs])
        load = med([r.load for r in x.runs])
        ceil = ceilings.get((x.backend, x.procs))
        flag = ""
        if x.app != GENERATOR and (cpu >= GENERATOR_CPU_BOUND or answered >= GENERATOR_RATE_BOUND * capacity):
            flag = "**generator-bound**"
        ratio = written = wratio = backlog = ""
        if x.app in (INLINE, WORKER) and ceil:
            w = med([s.written_per_s for s in x.sustained])
            b = med([s.backlog_per_s for s in x.sustained])
            ratio = f"{answered / ceil:.0%}"
            written, wratio, backlog = f"{w:.0f}", f"{w / ceil:.0%}", f"{b:+.1f}"
            if x.procs == 1 and x.backend == "sqlite" and x.app == INLINE:
                ratio += f" ({yes_no(answered / ceil >= GOALS['answered'])})"
                grows = b > 0.02 * max(w, 1)
                wratio += f" ({yes_no(w / ceil >= GOALS['written'] and not grows)})"
        p = f"{med([r.p50_ms for r in x.runs]):.1f} / {med([r.p99_ms for r in x.runs]):.1f}"
        out.append(
            f"| {x.backend} | {x.procs} | {x.app} | {answered:.0f} | {p} | {ratio} | {written} | {wratio} "
            f"| {backlog} | {cpu:.0%} | {load:.1f} | {flag} |"
        )
    return [*out, *render_latency_memory(lines, args)]


def render_latency_memory(lines: list[Line], args: argparse.Namespace) -> list[str]:
    """The latency at 100/s table."""
    out = [
        "",
        f"### Latency at a fixed {RATE:.0f} requests/s ({args.seconds:g} s runs, wrk paced by `delay()`"
        " against a schedule)",
        "",
        "| backend | procs | app | held req/s | p50 ms | p99 ms | goal p99 < 50 ms | load |",
        "|---|---:|---|---:|---:|---:|---|---:|",
    ]
    for x in lines:
        if not x.paced:
            continue
        p99 = med([r.p99_ms for r in x.paced])
        goal = yes_no(p99 < GOALS["p99_ms"]) if x.app != CEILING else ""
        out.append(
            f"| {x.backend} | {x.procs} | {x.app} | {med([r.per_second for r in x.paced]):.1f} "
            f"| {med([r.p50_ms for r in x.paced]):.1f} | {p99:.1f} | {goal} "
            f"| {med([r.load for r in x.paced]):.1f} |"
        )
    out += [
        "",
        "Memory and start (`/healthz`, `/readyz`, peak RSS under this load): their own section below,",
        "`bench.run --only start` (bench/start.py).",
    ]
    return [*out, ""]
