"""A cheap probe of the database for `petition serve`'s start (web/starting.py): does it answer?

Kept to the standard library and, for PostgreSQL, asyncpg imported on use, so that a starting
process can answer /healthz before SQLAlchemy, the app and the model are loaded.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from pathlib import Path
from urllib.parse import unquote, urlsplit

log = logging.getLogger(__name__)

PROBE_TIMEOUT_S = 3.0


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL (`sqlite+aiosqlite:////abs/path`), None for an in-memory one."""
    rest = url.split("://", 1)[1].split("?", 1)[0] if "://" in url else ""
    path = unquote(rest[1:]) if rest.startswith("/") else ""
    return Path(path) if path and path != ":memory:" else None


def _sqlite_answers(path: Path) -> bool:
    # Read-only: a probe must not create the database file that the app's migration will.
    if not path.is_file():
        return False
    conn = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=PROBE_TIMEOUT_S)
    try:
        return bool(conn.execute("SELECT 1").fetchone() == (1,))
    finally:
        conn.close()


async def database_answers(url: str) -> bool:
    """Whether the database at `url` answers `SELECT 1` within a few seconds (any failure: no)."""
    try:
        if url.startswith("sqlite"):
            path = sqlite_file(url)
            return path is not None and await asyncio.to_thread(_sqlite_answers, path)
        import asyncpg  # type: ignore[import-untyped]  # only when PostgreSQL is probed

        parts = urlsplit(url)
        dsn = parts._replace(scheme="postgresql").geturl()
        conn = await asyncpg.connect(dsn, timeout=PROBE_TIMEOUT_S)
        try:
            return bool(await conn.fetchval("SELECT 1", timeout=PROBE_TIMEOUT_S) == 1)
        finally:
            await conn.close(timeout=PROBE_TIMEOUT_S)
    except Exception:  # a probe that fails for any reason says "not usable"
        log.debug("start-time database probe failed", exc_info=True)
        return False
