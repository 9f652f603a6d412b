"""Start and memory of `petition serve`: how soon it answers, and its peak resident memory under load.

For each line (backend, processes, mode), --runs times: a migrated database, N `petition serve
--reuse-port` processes started together (and one `petition worker` in worker mode), then

- *healthz*: seconds from starting the processes until `/healthz` first answers 200 (liveness: a
  process listens and its database answers; the app may still be loading, web/starting.py);
- *ready*: until `/readyz` first answers 200 (one process has loaded the app), and *all ready*:
  until every process has logged that it has;
- the load: wrk (16 connections, closed loop) sending signed SMS webhooks for --sustained
  seconds, the outbox acknowledging to a local fake Twilio;
- *peak RSS*: the largest VmHWM (the kernel's high-water mark of resident memory) of the serving
  processes after the load; *RSS ready*: their largest VmRSS once all were ready, before the load.

Every figure is the median of the runs, with the 1-minute load average beside it (a shared machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.intake import (
    CONNECTIONS,
    Procs,
    free_port,
    med,
    rss_mb,
    server_env,
    wait_ready,
    yes_no,
)
from bench.wrk import run_wrk, write_requests

GOALS = {"rss_mb": 200.0, "healthz_s": 2.0}
READY_LINE = b"ready: the app is loaded"


@dataclass
class StartRun:
    """One start of a line's processes, and its load."""

    healthz_s: float
    healthz_cpu_s: float  # CPU seconds a serving process had used by then (the most of them)
    ready_s: float
    all_ready_s: float
    rss_ready_mb: float
    peak_rss_mb: float
    answered_per_s: float
    load: float


@dataclass
class StartLine:
    """A line of the table: its runs."""

    backend: str
    procs: int
    worker: bool
    runs: list[StartRun] = field(default_factory=list)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used (/proc/<pid>/stat)."""
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return float("nan")


async def _until_logged(log: Path, count: int, started: float, limit_s: float = 120) -> float:
    """Seconds from `started` until `log` holds `count` ready lines."""

    def logged() -> int:
        return log.read_bytes().count(READY_LINE) if log.exists() else 0

    while time.perf_counter() - started < limit_s:
        if await asyncio.to_thread(logged) >= count:
            return time.perf_counter() - started
        await asyncio.sleep(0.05)
    raise RuntimeError(f"{count} processes did not log that they were ready: see {log}")


async def start_once(
    line: StartLine, env: dict[str, str], workdir: Path, texts: list[str], seconds: float, run: int
) -> StartRun:
    """Start the line's processes, time their answers, load them, read their memory."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [sys.executable, "-m", "cli", "serve", "--port", str(port), "--reuse-port"]
    tag = f"st{line.backend[:2]}{line.procs}{'w' if line.worker else 'd'}{run}{time.time_ns() % 10**6}"
    reqs = write_requests(workdir / f"{tag}.req", texts, int(seconds * 1500) + 1000, tag)
    log = workdir / f"{tag}.log"
    procs = Procs()
    try:
        started = time.perf_counter()
        for _ in range(line.procs):
            procs.start(argv, env, log)
        serving = list(procs.procs)
        await wait_ready(base, "/healthz", serving)
        healthz_s = time.perf_counter() - started
        healthz_cpu = max(cpu_s(p.pid) for p in serving)
        await wait_ready(base, "/readyz", serving)
        ready_s = time.perf_counter() - started
        all_ready = await _until_logged(log, line.procs, started)
        if line.worker:
            procs.start([sys.executable, "-m", "cli", "worker"], env, workdir / f"{tag}-worker.log")
        rss_ready = max(rss_mb(p.pid) for p in serving)
        result = await run_wrk(base, reqs, seconds=seconds, connections=CONNECTIONS)
        peak = max(rss_mb(p.pid, "VmHWM") for p in serving)
    finally:
        procs.stop()
        reqs.unlink(missing_ok=True)
    r = StartRun(healthz_s, healthz_cpu, ready_s, all_ready, rss_ready, peak, result.per_second, result.load)
    print(
        f"  start {line.backend} x{line.procs}{' + worker' if line.worker else ''}: /healthz "
        f"{r.healthz_s:.2f} s ({r.healthz_cpu_s:.2f} s CPU), /readyz {r.ready_s:.2f} s, "
        f"all ready {r.all_ready_s:.2f} s; RSS ready "
        f"{r.rss_ready_mb:.0f} MB, peak {r.peak_rss_mb:.0f} MB under {r.answered_per_s:.0f} req/s "
        f"[load {r.load:.1f}]",
        flush=True,
    )
    return r


async def run_start(
    args: argparse.Namespace, texts: list[str], workdir: Path, database: Any, data_key: str
) -> list[StartLine]:
    """Every line; `database(backend, workdir, pg_url, name)` gives a fresh database."""
    from storage.migrate import migrate

    lines: list[StartLine] = []
    tw_port = free_port()
    fake = Procs()
    env0 = server_env("sqlite://", workdir / "data", tw_port, data_key)
    fake.start([sys.executable, "-m", "bench.apps", "twilio", str(tw_port)], env0, workdir / "twilio.log")
    try:
        for backend in args.backends:
            for procs in args.procs if backend == "postgres" else [1]:
                for worker in (False, True):
                    line = StartLine(backend, procs, worker)
                    for run in range(args.runs):
                        name = f"start{procs}{'w' if worker else 'd'}{run}"
                        async with database(backend, workdir, args.pg_url, name) as url:
                            await migrate(url)
                            env = server_env(url, workdir / f"data-{name}", tw_port, data_key)
                            if worker:
                                env["PETITION_INTAKE_PROCESSING"] = "worker"
                            line.runs.append(await start_once(line, env, workdir, texts, args.sustained, run))
                    lines.append(line)
    finally:
        fake.stop()
    return lines


def render_start(lines: list[StartLine], args: argparse.Namespace) -> list[str]:
    """The memory and start section of docs/benchmarks.md."""
    out = [
        "## Memory and start of `petition serve`",
        "",
        "N `petition serve --reuse-port` processes started together on a migrated database",
        "(`bench/start.py`).",
        "*/healthz* = seconds until `/healthz` first answers 200: liveness, a process listens and its",
        "database answers (`serve` listens before it has loaded the app and answers it from a probe of",
        "its own; web/starting.py). The goal (< 2 s) is measured on it. */readyz* = until `/readyz`",
        "first answers 200: one process has loaded the app (requests that arrive before wait for it);",
        "*all ready* = until every process has. *CPU* = the CPU seconds a serving process had used when",
        "`/healthz` first answered (the most of them): what the start costs, whatever the load.",
        "Then wrk (16 connections) sends signed SMS webhooks",
        f"for {args.sustained:g} s; *peak RSS* = the largest high-water mark (VmHWM) of the serving",
        "processes after it (goal < 200 MB); *RSS ready* = their largest VmRSS before the load.",
        f"Median of {args.runs} starts; load = the 1-minute load average at the end of the load (2 cores",
        "shared with other engineers' sessions).",
        "",
        "| backend | procs | app | /healthz s (goal < 2) | CPU s | /readyz s | all ready s "
        "| RSS ready MB | peak RSS MB (goal < 200) | answered req/s | load |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for x in lines:
        h = med([r.healthz_s for r in x.runs])
        peak = med([r.peak_rss_mb for r in x.runs])
        app = "service + worker" if x.worker else "service"
        out.append(
            f"| {x.backend} | {x.procs} | {app} | {h:.2f} ({yes_no(h < GOALS['healthz_s'])}) "
            f"| {med([r.healthz_cpu_s for r in x.runs]):.2f} "
            f"| {med([r.ready_s for r in x.runs]):.2f} | {med([r.all_ready_s for r in x.runs]):.2f} "
            f"| {med([r.rss_ready_mb for r in x.runs]):.0f} | {peak:.0f} ({yes_no(peak < GOALS['rss_mb'])}) "
            f"| {med([r.answered_per_s for r in x.runs]):.0f} | {med([r.load for r in x.runs]):.1f} |"
        )
    return [*out, ""]
