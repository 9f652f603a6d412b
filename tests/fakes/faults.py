"""Faults injected in the test's own database, below our code: a trigger that refuses every insert
into one table, as a database failing halfway through a transaction would (on SQLite and on
PostgreSQL). The error reaches our code as the driver raises it, so it takes the real path."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import text as sql_text
from sqlalchemy.ext.asyncio import AsyncEngine


def _refuse(table: str) -> dict[str, list[str]]:
    name = f"refuse_{table}"
    return {
        "sqlite": [
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} "
            f"BEGIN SELECT RAISE(ABORT, 'fault injected: {table} refused'); END"
        ],
        "postgresql": [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION 'fault injected: {table} refused'; END $$",
            f"CREATE TRIGGER {name} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION {name}()",
        ],
    }


def _allow(table: str) -> dict[str, list[str]]:
    name = f"refuse_{table}"
    return {
        "sqlite": [f"DROP TRIGGER {name}"],
        "postgresql": [f"DROP TRIGGER {name} ON {table}", f"DROP FUNCTION {name}()"],
    }


async def _run(engine: AsyncEngine, statements: dict[str, list[str]]) -> None:
    async with engine.begin() as conn:
        for statement in statements[engine.dialect.name]:
            await conn.execute(sql_text(statement))


@asynccontextmanager
async def inserts_refused(engine: AsyncEngine, table: str) -> AsyncIterator[None]:
    """Every INSERT into `table` fails inside the block (the database is back after it)."""
    await _run(engine, _refuse(table))
    try:
        yield
    finally:
        await _run(engine, _allow(table))
