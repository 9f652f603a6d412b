"""The officers' queue with a million reports: a generator fills a database, then the desk's queries
are timed. Each figure is the p95 of repeated calls across the inspections."""

from __future__ import annotations

import random
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.load import LoadResult
from intake.models import Category, Decision, Scope
from storage.reports import queue_priority
from storage.schema import decisions, inspections, reports

INSPECTIONS = [f"bench-{k}" for k in range(5)]
CHUNK = 10_000
_STATES = (["closed"] * 50) + (["transferred"] * 15) + (["confirmed"] * 15) + (["decided"] * 12)
_STATES += (["archived"] * 5) + (["received"] * 2) + ["merged"]
_CHANNELS = ["sms"] * 4 + ["email"] * 2 + ["telegram", "phone", "letter", "web"]
_KINDS = [
    (Scope.IN_SCOPE, Category.ACCUSATION),
    (Scope.IN_SCOPE, Category.ACCUSATION),
    (Scope.OUT_OF_SCOPE, Category.APPEAL),
    (Scope.OUT_OF_SCOPE, Category.APPEAL),
    (Scope.OUT_OF_SCOPE, Category.SUGGESTION),
    (Scope.NO_CONTENT, Category.NO_CONTENT),
]

# The queries timed, by name; each takes the desk store and an inspection id. When the desk's
# queries change, this table is the one place the benchmark follows them.
QueueQuery = Callable[[Any, str], Awaitable[object]]


def desk_queries() -> dict[str, QueueQuery]:
    """The queue page's queries: the default queue, a filtered search, their counts, the demo page."""
    from storage.desk import QueueFilter

    def default(i: str) -> Any:
        return QueueFilter(inspection_ids=(i,))

    def filtered(i: str) -> Any:
        return QueueFilter(
            inspection_ids=(i,),
            states=(),
            scope="in_scope",
            category="accusation",
            channel="sms",
            sort="newest",
        )

    return {
        "default queue page (50 rows, priority order)": lambda s, i: s.desk.queue(default(i)),
        "default queue count (page heading)": lambda s, i: s.desk.queue_count(default(i)),
        "filtered search page (sms, in-scope accusations, newest)": lambda s, i: s.desk.queue(filtered(i)),
        "filtered search count": lambda s, i: s.desk.queue_count(filtered(i)),
        "store.latest_reports (demo page, 50 newest)": lambda s, i: s.reports.latest_reports(i, 50),
    }


async def fill(engine: AsyncEngine, rows: int, *, seed: int = 7) -> float:
    """Insert `rows` reports (with their suggested decisions) spread over two years; returns seconds."""
    rng = random.Random(seed)
    start = time.perf_counter()
    t0 = datetime(2024, 1, 1, tzinfo=UTC)
    span = timedelta(days=730).total_seconds()
    numbers = dict.fromkeys(INSPECTIONS, 0)
    bodies = {
        (scope, cat): Decision(id="x", scope=scope, category=cat, confidence=0.9).model_dump(mode="json")
        for scope, cat in set(_KINDS)
    }
    async with engine.begin() as conn:
        await conn.execute(
            inspections.insert(), [{"id": i, "next_number": 1, "created_at": t0} for i in INSPECTIONS]
        )
    pk = 0
    while pk < rows:
        batch_r: list[dict[str, Any]] = []
        batch_d: list[dict[str, Any]] = []
        times = sorted(t0 + timedelta(seconds=rng.random() * span) for _ in range(min(CHUNK, rows - pk)))
        for created in times:
            pk += 1
            ins = rng.choice(INSPECTIONS)
            numbers[ins] += 1
            scope, cat = rng.choice(_KINDS)
            confidence = round(rng.uniform(0.3, 1.0), 2)
            decision = Decision(id=str(pk), scope=scope, category=cat, confidence=confidence)
            batch_r.append(
                {
                    "pk": pk,
                    "inspection_id": ins,
                    "tracking_number": f"{ins.upper()}-{numbers[ins]:07d}",
                    "number": numbers[ins],
                    "state": rng.choice(_STATES),
                    "channel": rng.choice(_CHANNELS),
                    "sender": None,
                    "scope": scope.value,
                    "category": cat.value,
                    "confidence": confidence,
                    "priority": queue_priority(decision),
                    "created_at": created,
                    "updated_at": created,
                }
            )
            batch_d.append(
                {
                    "report_id": pk,
                    "kind": "suggested",
                    "body": {**bodies[(scope, cat)], "id": str(pk), "confidence": confidence},
                    "actor": "system",
                    "created_at": created,
                }
            )
        async with engine.begin() as conn:
            await conn.execute(reports.insert(), batch_r)
            await conn.execute(decisions.insert(), batch_d)
    async with engine.begin() as conn:
        for ins, n in numbers.items():
            await conn.execute(inspections.update().where(inspections.c.id == ins).values(next_number=n + 1))
    # What autovacuum (PostgreSQL) or `PRAGMA optimize` (SQLite) would have done by now.
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("ANALYZE"))
    return time.perf_counter() - start


async def time_queries(store: Any, repeats: int) -> dict[str, LoadResult]:
    """Each desk query `repeats` times, round robin over the inspections, after one warm-up pass."""
    results: dict[str, LoadResult] = {}
    for name, query in desk_queries().items():
        for ins in INSPECTIONS:
            await query(store, ins)
        result = LoadResult()
        start = time.perf_counter()
        for k in range(repeats):
            t = time.perf_counter()
            await query(store, INSPECTIONS[k % len(INSPECTIONS)])
            result.latencies_ms.append((time.perf_counter() - t) * 1000)
            result.ok += 1
        result.seconds = time.perf_counter() - start
        results[name] = result
    return results
