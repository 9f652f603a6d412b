"""Bringing a database up to the newest schema with alembic, without an alembic.ini."""

from __future__ import annotations

import asyncio
import weakref

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import IMMEDIATE, make_engine
from storage.locks import waiting_file_lock

SCRIPT_LOCATION = "storage:migrations"
# Arbitrary constant key of the PostgreSQL advisory lock held while migrating.
_PG_MIGRATION_LOCK = 7_305_100_001

# alembic keeps its running context in a module global, so two upgrades in one process must not
# interleave; one lock per event loop, since an asyncio.Lock belongs to the loop it first waits on.
_IN_PROCESS_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)


def _in_process_lock() -> asyncio.Lock:
    loop = asyncio.get_running_loop()
    lock = _IN_PROCESS_LOCKS.get(loop)
    if lock is None:
        lock = _IN_PROCESS_LOCKS[loop] = asyncio.Lock()
    return lock


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic Config for the bundled migrations, optionally bound to an open connection."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    # `serve` and `worker` may start together: the second waits here, then finds the schema at head.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    command.upgrade(alembic_config(connection), "head")


async def migrate_engine(engine: AsyncEngine) -> None:
    """Upgrade the database behind `engine` to the newest revision."""
    # Across processes on SQLite a lock file serialises the whole upgrade: alembic's SQLite DDL is
    # not one transaction, so the database's own write lock alone let two processes both run a
    # revision (seen as "duplicate column name" when `serve` processes started together).
    async with _in_process_lock(), waiting_file_lock(engine, "migrate"), engine.connect() as connection:
        # On SQLite the write lock is taken up front as well.
        await connection.execution_options(**{IMMEDIATE: True})
        await connection.run_sync(_upgrade)
        await connection.commit()


async def migrate(url: str) -> None:
    """Upgrade the database at `url` to the newest revision."""
    engine = make_engine(url)
    try:
        await migrate_engine(engine)
    finally:
        await engine.dispose()
