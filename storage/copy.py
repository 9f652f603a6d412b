"""`petition db copy`: move a team's whole database to another backend (SQLite to PostgreSQL, say).

The destination is migrated to the newest schema, then every table of `storage.schema` is copied
in foreign-key order through the same SQLAlchemy Core tables the store uses (so timestamps, JSON
and sealed fields keep their meaning), PostgreSQL sequences are moved past the copied keys, and
each table's row count is checked against the source before the destination commits. The source
is read in one transaction, so the copy is one consistent snapshot even if the service is running;
messages that arrive after it are not in the copy, which is why the docs say to stop intake first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from alembic.script import ScriptDirectory
from sqlalchemy import Table, func, inspect, select, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.engine import make_engine, normalize_url
from storage.migrate import alembic_config, migrate_engine
from storage.schema import metadata

BATCH_ROWS: Final = 5000
_ALEMBIC_TABLE: Final = "alembic_version"
_AUDIT_TABLE: Final = "audit_log"

Progress = Callable[[str, int], None]


class CopyError(Exception):
    """The copy was refused or did not check out; the destination was left as it was."""


@dataclass(frozen=True, slots=True)
class TableCopied:
    """One table's outcome: rows in the source snapshot and in the destination after the copy."""

    name: str
    source_rows: int
    copied_rows: int


def redact(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def _head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _table_names(conn: Connection) -> set[str]:
    return set(inspect(conn).get_table_names())


async def _revision(conn: AsyncConnection) -> str | None:
    if _ALEMBIC_TABLE not in await conn.run_sync(_table_names):
        return None
    return (await conn.execute(text(f"SELECT version_num FROM {_ALEMBIC_TABLE}"))).scalar_one_or_none()


async def _count(conn: AsyncConnection, table: Table) -> int:
    return int((await conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _check_source(conn: AsyncConnection) -> None:
    head = _head_revision()
    revision = await _revision(conn)
    if revision is None:
        raise CopyError("the source has no petition-intake schema (no alembic_version table)")
    if revision != head:
        raise CopyError(
            f"the source is at schema revision {revision}, this version of petition-intake at {head}: "
            "start this version's service on the source once (it migrates), then copy"
        )
    unknown = await conn.run_sync(_table_names) - set(metadata.tables) - {_ALEMBIC_TABLE}
    if unknown:
        raise CopyError(f"the source has tables this version does not know: {', '.join(sorted(unknown))}")


async def _reset_sequences(conn: AsyncConnection, tables: list[Table]) -> None:
    # Rows were inserted with their keys, which does not advance a PostgreSQL sequence: without
    # this, the first new report would collide with a copied one.
    for table in tables:
        column = table.autoincrement_column
        if column is None:
            continue
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f'COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 0) + 1, false)'
            ),
            {"table": table.name, "column": column.name},
        )


async def _copy_table(src: AsyncConnection, dst: AsyncConnection, table: Table, batch: int) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    copied = 0
    result = await src.stream(select(table).order_by(*order))
    async for rows in result.mappings().partitions(batch):
        await dst.execute(table.insert(), [dict(row) for row in rows])
        copied += len(rows)
    return copied


async def copy_engines(
    source: AsyncEngine,
    destination: AsyncEngine,
    *,
    force: bool = False,
    batch: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> list[TableCopied]:
    """Copy every table from `source` to `destination` (migrated first); see the module docstring."""
    tables = list(metadata.sorted_tables)
    await migrate_engine(destination)
    async with source.connect() as src:
        if source.dialect.name == "postgresql":
            # One snapshot for every table and every count, while the service may be writing.
            src = await src.execution_options(isolation_level="REPEATABLE READ")
        async with src.begin():
            await _check_source(src)
            expected = {t.name: await _count(src, t) for t in tables}
            async with destination.begin() as dst:
                present = {t.name: n for t in tables if (n := await _count(dst, t))}
                listed = ", ".join(f"{name} ({n})" for name, n in present.items())
                if present and not force:
                    raise CopyError(f"the destination is not empty: {listed}; use --force to replace it")
                if _AUDIT_TABLE in present:
                    # The audit log refuses DELETE by design (migration 0003); the copy does not
                    # get around that: replacing an audit trail is for the operator to do knowingly.
                    raise CopyError(
                        f"the destination is not empty: {listed}, and its audit log is append-only: "
                        "drop and recreate the destination database (or schema), then copy again"
                    )
                for table in reversed(tables):
                    await dst.execute(table.delete())
                for table in tables:
                    copied = await _copy_table(src, dst, table, batch)
                    if progress is not None:
                        progress(table.name, copied)
                if destination.dialect.name == "postgresql":
                    await _reset_sequences(dst, tables)
                outcome = [TableCopied(t.name, expected[t.name], await _count(dst, t)) for t in tables]
                wrong = [o for o in outcome if o.copied_rows != o.source_rows]
                if wrong:
                    # Raising inside the transaction rolls the destination back to what it was.
                    listed = ", ".join(f"{o.name}: {o.source_rows} -> {o.copied_rows}" for o in wrong)
                    raise CopyError(f"row counts differ after the copy ({listed}); nothing was committed")
    return outcome


async def copy_database(
    source_url: str,
    destination_url: str,
    *,
    force: bool = False,
    batch: int = BATCH_ROWS,
    progress: Progress | None = None,
) -> list[TableCopied]:
    """Copy the database at `source_url` into `destination_url`; returns each table's counts."""
    if normalize_url(source_url).set(password=None) == normalize_url(destination_url).set(password=None):
        raise CopyError("source and destination are the same database")
    source = make_engine(source_url)
    destination = make_engine(destination_url)
    try:
        return await copy_engines(source, destination, force=force, batch=batch, progress=progress)
    finally:
        await source.dispose()
        await destination.dispose()
