"""A small asyncio load generator on loopback (httpx): closed-loop throughput and fixed-rate latency.

Every run is bounded by a request count and a time limit, and stops by itself.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import httpx

Request = tuple[str, bytes, dict[str, str]]  # path, body, headers


@dataclass
class LoadResult:
    """What one run did: requests answered 2xx, failures, wall time and each request's latency."""

    ok: int = 0
    failed: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        """Requests answered 2xx per second of wall time."""
        return self.ok / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """The p-th percentile latency in milliseconds (nearest rank)."""
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def _check_loopback(bases: Sequence[str]) -> None:
    for base in bases:
        if urlsplit(base).hostname != "127.0.0.1":
            raise ValueError(f"the benchmark only targets 127.0.0.1, not {base}")


async def _one(client: httpx.AsyncClient, base: str, req: Request, result: LoadResult, t0: float) -> None:
    path, body, headers = req
    try:
        r = await client.post(base + path, content=body, headers=headers)
        good = 200 <= r.status_code < 300
    except httpx.HTTPError:
        good = False
    result.latencies_ms.append((time.perf_counter() - t0) * 1000)
    if good:
        result.ok += 1
    else:
        result.failed += 1


async def closed_loop(
    bases: Sequence[str], requests: Sequence[Request], *, concurrency: int, max_seconds: float
) -> LoadResult:
    """`concurrency` clients each send their next request when the last is answered, spread round
    robin over `bases`, until the requests run out or `max_seconds` pass."""
    _check_loopback(bases)
    result = LoadResult()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        it = iter(enumerate(requests))
        start = time.perf_counter()
        deadline = start + max_seconds

        async def worker() -> None:
            for i, req in it:
                if time.perf_counter() >= deadline:
                    return
                await _one(client, bases[i % len(bases)], req, result, time.perf_counter())

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        result.seconds = time.perf_counter() - start
    return result


async def fixed_rate(bases: Sequence[str], requests: Sequence[Request], *, rate: float) -> LoadResult:
    """Send `requests` at `rate` per second whatever the answers (open loop). Latency counts from
    the moment a request was due, so a stalled server is not hidden (no coordinated omission)."""
    _check_loopback(bases)
    result = LoadResult()
    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=200), timeout=30) as client:
        start = time.perf_counter()
        tasks = []
        for i, req in enumerate(requests):
            due = start + i / rate
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_one(client, bases[i % len(bases)], req, result, due)))
        await asyncio.gather(*tasks)
        result.seconds = time.perf_counter() - start
    return result


def median(values: Sequence[float]) -> float:
    """The median of the runs' figures."""
    return statistics.median(values) if values else float("nan")
