"""Singleton locks: one process of a deployment does a job that must not run twice (Telegram polling).

On PostgreSQL a session-level advisory lock is held on a dedicated connection for as long as the
job runs; if the process dies the server drops the connection and the lock with it, so another
process can take over. On SQLite every process on the same host shares the database file, so an
exclusive `flock` on a file beside it does the same job; an in-memory database is private anyway.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


def lock_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for `name` (PostgreSQL's key type is bigint)."""
    digest = hashlib.blake2b(f"petition-intake:{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextlib.asynccontextmanager
async def try_singleton_lock(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    """Try once to take the deployment-wide lock `name`; yields whether this process holds it.

    The lock is held until the block exits. It never waits: a process that gets False should do
    without the job, or try again later.
    """
    if engine.dialect.name == "postgresql":
        async with _pg_lock(engine, name) as held:
            yield held
    else:
        with _file_lock(engine, name) as held:
            yield held


@contextlib.asynccontextmanager
async def _pg_lock(engine: AsyncEngine, name: str) -> AsyncIterator[bool]:
    # AUTOCOMMIT: a session lock needs no transaction, and an open one would pin a snapshot for hours.
    async with engine.connect() as conn:
        conn = await conn.execution_options(isolation_level="AUTOCOMMIT")
        # Advisory locks are per database: the schema is part of the name, so that deployments in
        # separate schemas of one database (and parallel test runs) do not block each other.
        schema = (await conn.execute(text("SELECT current_schema()"))).scalar_one()
        key = lock_key(f"{schema}:{name}")
        held = bool((await conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key})).scalar_one())
        try:
            yield held
        finally:
            if held:
                # The connection goes back to the pool, so the lock must not stay with it.
                with contextlib.suppress(Exception):
                    await conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})


def _lock_path(engine: AsyncEngine, name: str) -> Path | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    db = Path(database).expanduser()
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return db.with_name(f"{db.name}.{safe}.lock")


@contextlib.contextmanager
def _file_lock(engine: AsyncEngine, name: str) -> Iterator[bool]:
    path = _lock_path(engine, name)
    if path is None:
        yield True
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


@contextlib.asynccontextmanager
async def waiting_file_lock(engine: AsyncEngine, name: str) -> AsyncIterator[None]:
    """Hold the exclusive lock `name` beside the engine's SQLite file, waiting for it (in a thread,
    so the event loop runs on); nothing to hold for other databases or an in-memory one."""
    path = _lock_path(engine, name) if engine.dialect.name == "sqlite" else None
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        await asyncio.to_thread(fcntl.flock, fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
