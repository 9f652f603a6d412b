"""Bringing a database up to the newest schema with alembic, without an alembic.ini."""

from __future__ import annotations

import asyncio
import re
import weakref
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import IMMEDIATE, make_engine
from storage.locks import waiting_file_lock

if TYPE_CHECKING:
    from alembic.config import Config

SCRIPT_LOCATION = "storage:migrations"
_VERSIONS = Path(__file__).with_name("migrations") / "versions"
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
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


@cache
def head_revision() -> str | None:
    """The newest revision of the bundled migrations, read from their files without alembic (whose
    import and script loading were a tenth of every start); None when they do not name exactly one
    head, and then alembic decides. tests/storage checks it against alembic's own answer."""
    pattern = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(.+)$", re.MULTILINE)
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in _VERSIONS.glob("*.py"):
        for name, value in pattern.findall(path.read_text(encoding="utf-8")):
            ids = re.findall(r"[\"']([^\"']+)[\"']", value)
            (revisions if name == "revision" else parents).update(ids)
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


async def at_head(engine: AsyncEngine) -> bool:
    """Whether the database's schema is already the newest: one query, no lock."""
    head = head_revision()
    if head is None:
        return False
    try:
        async with engine.connect() as connection:
            stamped = (await connection.execute(text("SELECT version_num FROM alembic_version"))).all()
    except DBAPIError:
        return False  # no version table yet (a new database), or no database: alembic will say
    return [row[0] for row in stamped] == [head]


def _upgrade(connection: Connection) -> None:
    from alembic import command

    # `serve` and `worker` may start together: the second waits here, then finds the schema at head.
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
    command.upgrade(alembic_config(connection), "head")


async def migrate_engine(engine: AsyncEngine) -> None:
    """Upgrade the database behind `engine` to the newest revision."""
    # Every `serve` and `worker` process migrates at start; when several start together they used
    # to queue on the lock below to each find the schema already at head.
    if await at_head(engine):
        return
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
