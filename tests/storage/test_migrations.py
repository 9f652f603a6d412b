"""The alembic migrations build exactly `storage.schema.metadata`, on both backends."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.engine import make_engine
from storage.migrate import alembic_config, head_revision, migrate
from storage.schema import metadata

REPO_ROOT = Path(__file__).resolve().parents[2]


def _diff(connection: Connection) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


def _state(connection: Connection) -> tuple[str | None, list[str]]:
    revision = MigrationContext.configure(connection).get_current_revision()
    return revision, sorted(inspect(connection).get_table_names())


def _head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


async def test_migrated_schema_matches_metadata(db_url: str) -> None:
    await migrate(db_url)
    await migrate(db_url)  # a second run is a no-op
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            revision, tables = await conn.run_sync(_state)
    finally:
        await engine.dispose()
    assert revision == _head()
    assert tables == sorted([*metadata.tables, "alembic_version"])


async def test_concurrent_migrations_do_not_collide(db_url: str) -> None:
    # As when `petition serve` and `petition worker` start together: separate processes...
    code = "import asyncio, sys; from storage.migrate import migrate; asyncio.run(migrate(sys.argv[1]))"
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", code, db_url, stderr=asyncio.subprocess.PIPE, cwd=REPO_ROOT
        )
        for _ in range(3)
    ]
    outcomes = [((await p.communicate())[1].decode(), p.returncode) for p in procs]
    assert outcomes == [("", 0)] * 3
    # ...and tasks in one process.
    await asyncio.gather(*(migrate(db_url) for _ in range(3)))
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


async def test_empty_database_differs_from_metadata(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            diff = await conn.run_sync(_diff)
    finally:
        await engine.dispose()
    added = sorted(entry[1].name for entry in diff if entry[0] == "add_table")
    assert added == sorted(metadata.tables)


async def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    await migrate(db_url)
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            await conn.run_sync(lambda c: command.downgrade(alembic_config(c), "base"))
            await conn.commit()
            assert await conn.run_sync(_state) == (None, ["alembic_version"])
    finally:
        await engine.dispose()
    await migrate(db_url)
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
    finally:
        await engine.dispose()


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert head_revision() is not None
    assert head_revision() == _head()


async def test_a_database_at_head_is_opened_without_alembic(db_url: str) -> None:
    await migrate(db_url)
    # A start after the first: one query finds the schema at head; alembic is neither run nor imported.
    code = (
        "import asyncio, sys; from storage.migrate import migrate; asyncio.run(migrate(sys.argv[1])); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", code, db_url, stdout=asyncio.subprocess.PIPE, cwd=REPO_ROOT
    )
    out, _ = await proc.communicate()
    assert (proc.returncode, out.decode().strip()) == (0, "[]")
