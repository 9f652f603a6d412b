"""The alembic migrations build exactly `storage.schema.metadata`, on both backends."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from storage.engine import make_engine
from storage.migrate import alembic_config, migrate
from storage.schema import metadata


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
    assert revision == _head() == "0001"
    assert tables == sorted([*metadata.tables, "alembic_version"])


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
