"""Fault test (a): SIGKILL the server under webhook load; every 200 is stored once and acknowledged once.

The full-size run is `bench/fault_kill.py` (README, docs/security.md); this is the bounded one.
"""

from __future__ import annotations

from pathlib import Path

from bench.fault_kill import run
from storage.engine import sqlite_url


async def test_kill_9_under_load_loses_nothing(tmp_path: Path) -> None:
    # SQLite only here (two server starts cost ~10 s); the bench runs the same on PostgreSQL.
    url = sqlite_url(tmp_path)
    figures = await run(requests=60, concurrency=8, kill_after=30, database_url=url)
    print(f"\nkill -9: {figures}")
    assert figures["killed_with_sigkill"]
    assert figures["answered_200"] >= 30
    assert figures["lost"] == 0
    assert figures["stored_twice"] == 0
    assert figures["acknowledged_200"] == figures["answered_200"]
    assert figures["duplicate_acks"] == 0
    # Deliveries committed but never answered (killed in between) are kept and acknowledged too.
    assert figures["unacknowledged_stored"] == 0
    assert figures["stored"] >= figures["answered_200"]
