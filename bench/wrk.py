"""Driving a server with `wrk` (Debian's package) over a file of pre-signed Twilio webhooks.

`wrk` is a compiled generator that keeps one core busy at well over 10,000 requests/s on loopback,
so unlike an asyncio client it is not what sets the number. Each run reports wrk's own CPU share:
near one core means the generator, not the server, was the limit (the table flags it).
Everything is sent to 127.0.0.1 only, and every run stops by itself after its duration.
"""

from __future__ import annotations

import asyncio
import json
import random
import resource
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

LUA = Path(__file__).with_name("wrk.lua")
PUBLIC = "https://petition.example.org"
SID, TOKEN, FROM = "AC" + "0" * 32, "bench-auth-token", "+8613900000000"


def wrk_binary() -> str:
    """The wrk executable; docs/benchmarks.md says how to install it."""
    found = shutil.which("wrk")
    if found is None:
        raise SystemExit("wrk is not installed: apt-get install wrk (see docs/benchmarks.md)")
    return found


def write_requests(path: Path, texts: list[str], n: int, tag: str) -> Path:
    """`n` inbound-SMS webhooks, each with a unique MessageSid and sender, signed as Twilio signs
    them, one a line: path, signature, body (tab-separated; urlencoded bodies hold no tab)."""
    from twilio.request_validator import RequestValidator

    validator = RequestValidator(TOKEN)
    rng = random.Random(tag)
    with path.open("w", encoding="ascii") as fh:
        for i in range(n):
            form = {
                "MessageSid": f"SM{tag}{i:010d}",
                "AccountSid": SID,
                "From": f"+861{rng.randrange(30, 90)}{rng.randrange(10**8):08d}",
                "To": FROM,
                "Body": texts[rng.randrange(len(texts))][:300],
                "NumSegments": "1",
            }
            signature = validator.compute_signature(PUBLIC + "/hooks/sms", form)
            fh.write(f"/hooks/sms\t{signature}\t{urlencode(form)}\n")
    return path


@dataclass
class WrkResult:
    """One wrk run: answers (2xx/3xx), errors, latency percentiles and wrk's own CPU share."""

    requests: int
    seconds: float
    errors: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    wraps: int
    generator_cpu: float  # wrk's CPU seconds per wall second (1.0 = one core busy)
    load: float  # 1-minute load average at the end of the run

    @property
    def per_second(self) -> float:
        """Answered requests per second (wrk counts non-2xx/3xx as errors)."""
        return (self.requests - self.errors) / self.seconds if self.seconds else 0.0


async def run_wrk(
    base: str,
    request_file: Path,
    *,
    seconds: float,
    connections: int = 16,
    threads: int = 1,
    rate: float = 0.0,
) -> WrkResult:
    """Run wrk against `base` for `seconds`; closed loop, or paced to `rate` requests/s."""
    if urlsplit(base).hostname != "127.0.0.1":
        raise ValueError(f"the benchmark only targets 127.0.0.1, not {base}")
    cmd = [
        wrk_binary(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(LUA),
        base,
        "--",
        str(request_file),
        str(rate),
        str(threads),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await proc.communicate()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) / wall
    line = next((x for x in out.decode().splitlines() if x.startswith("WRKJSON ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({proc.returncode}): {err.decode()[-500:]}")
    d = json.loads(line.removeprefix("WRKJSON "))
    errors = d["connect"] + d["read"] + d["write"] + d["status"] + d["timeout"]
    import os

    return WrkResult(
        requests=d["requests"],
        seconds=d["duration_us"] / 1e6,
        errors=errors,
        p50_ms=d["p50_us"] / 1000,
        p99_ms=d["p99_us"] / 1000,
        max_ms=d["max_us"] / 1000,
        wraps=d["wraps"],
        generator_cpu=cpu,
        load=os.getloadavg()[0],
    )
