"""Profile one `petition serve` (SQLite, default mode) under wrk with py-spy, and sum the samples.

`python -m bench.profile_intake [--seconds 15] [--out /tmp/intake-profile.txt]`: starts the fake
Twilio and one server on a fresh SQLite file, drives `/hooks/sms` with wrk (16 connections) while
`py-spy record -f raw` samples the server, then prints each area's share of the samples (a stack
counts for the first area it passes through, innermost first) and the busiest leaf functions.
py-spy is a PyPI package (`pip install py-spy`); the benchmark, not the service, needs it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from bench.intake import CONNECTIONS, INLINE, Procs, free_port, group, server_env
from bench.run import _data_key, real_texts
from bench.wrk import run_wrk, write_requests

# Areas by a marker in a frame ("function (file:line)"), innermost match first: the first area whose
# marker appears in the stack, scanned from the leaf, takes the sample.
AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("decide() (intake/pipeline)", ("intake/pipeline.py", "intake/extraction/", "intake/textmodel")),
    ("search terms", ("storage/search_index.py", "storage/search.py")),
    ("sealing / contacts", ("storage/crypto.py", "masked_contacts")),
    ("outbox sends", ("intake/outbox.py", "aiohttp/", "TwilioSmsSender")),
    ("report transaction (create_reports)", ("create_reports (storage/reports.py",)),
    ("other deferred processing", ("intake/deferred.py", "process_many", "proceed_many")),
    ("raw commit (group commit)", ("storage/groupcommit.py", "save_raw")),
    ("webhook request (verify, parse, answer)", ("web/hooks.py", "bot/hooks.py", "bot/sms.py")),
    ("http server (uvicorn / starlette)", ("uvicorn/", "starlette/", "fastapi/")),
    ("sqlalchemy / aiosqlite", ("sqlalchemy/", "aiosqlite/")),
    ("event loop", ("asyncio/", "uvloop")),
)


def summarise(raw: str, top: int = 15) -> list[str]:
    """Shares by area and the busiest leaves of a py-spy `raw` (collapsed stacks) output."""
    areas: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    threads: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_s = line.rpartition(" ")
        if not count_s.isdigit():
            continue
        count = int(count_s)
        frames = stack.split(";")
        threads[frames[0]] += count
        total += count
        leaves[frames[-1]] += count
        area = next(
            (name for frame in reversed(frames) for name, marks in AREAS if any(m in frame for m in marks)),
            "other",
        )
        areas[area] += count
    shares = ", ".join(f"{t} {n / total:.0%}" for t, n in threads.most_common(3))
    out = [f"{total} samples; threads: {shares}"]
    out += [f"{n / total:6.1%}  {name}" for name, n in areas.most_common()]
    out += ["", "busiest leaves:"]
    out += [f"{n / total:6.1%}  {name}" for name, n in leaves.most_common(top)]
    return out


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process, all its threads (/proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def profile(seconds: float, out: Path, *, spy_on: bool = True, rate: float = 0.0) -> None:
    """One server, wrk for `seconds`, py-spy throughout; the summary printed and the raw file kept.
    Also the server's CPU per answered request (all its threads), which the machine's load does
    not change the way it changes requests/s."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with tempfile.TemporaryDirectory(prefix="intake-profile-") as tmp:
        work = Path(tmp)
        tw_port = free_port()
        fake = Procs()
        (work / "db").mkdir()
        env = server_env(f"sqlite:///{work / 'db' / 'petition.db'}", work / "data", tw_port, _data_key())
        fake.start([sys.executable, "-m", "bench.apps", "twilio", str(tw_port)], env, work / "twilio.log")
        try:
            reqs = write_requests(work / "r.req", real_texts(), int(seconds * 1500) + 1000, "prof")
            async with group(INLINE, 1, env, work) as (base, pids, _):
                argv = [spy, "record", "-r", "100", "-f", "raw", "-o", str(out), "-d", str(int(seconds) + 2)]
                record = (
                    await asyncio.create_subprocess_exec(
                        *argv, "-p", str(pids[0]), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
                    )
                    if spy_on
                    else None
                )
                cpu0 = cpu_seconds(pids[0])
                r = await run_wrk(base, reqs, seconds=seconds, connections=CONNECTIONS, rate=rate)
                # What was answered but not yet processed is processed within moments: counted too.
                await asyncio.sleep(3)
                cpu = cpu_seconds(pids[0]) - cpu0
                if record is not None:
                    await asyncio.wait_for(record.wait(), 60)
            answered = r.requests - r.errors
            print(
                f"answered {r.per_second:.0f}/s p50 {r.p50_ms:.1f} p99 {r.p99_ms:.1f} ms "
                f"[load {r.load:.1f}]; server CPU {cpu * 1000 / max(answered, 1):.2f} ms per answered request"
            )
        finally:
            fake.stop()


def main() -> None:
    """Parse the arguments and run the profile."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seconds", type=float, default=15.0)
    p.add_argument("--out", type=Path, default=Path("/tmp/intake-profile.txt"))
    p.add_argument("--no-spy", dest="spy", action="store_false", help="CPU per request only")
    p.add_argument("--rate", type=float, default=0.0, help="requests/s (default: closed loop)")
    args = p.parse_args()
    asyncio.run(profile(args.seconds, args.out, spy_on=args.spy, rate=args.rate))
    if args.spy:
        print("\n".join(summarise(args.out.read_text())))


if __name__ == "__main__":
    main()
