"""URL handling and SQLite connection settings."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import Db
from storage.engine import make_engine, normalize_url, sqlite_url


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u@h:5432/db", "postgresql+asyncpg"),
        ("postgres://u@h/db", "postgresql+asyncpg"),
        ("postgresql+asyncpg://u@h/db", "postgresql+asyncpg"),
        ("sqlite:////tmp/x.sqlite3", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:////tmp/x.sqlite3", "sqlite+aiosqlite"),
    ],
)
def test_normalize_url_picks_the_async_driver(given: str, driver: str) -> None:
    url = normalize_url(given)
    assert url.drivername == driver
    assert url.database == make_url(given).database


def test_normalize_url_refuses_other_databases() -> None:
    with pytest.raises(ValueError, match="unsupported"):
        normalize_url("mysql://u@h/db")


def test_sqlite_url_is_in_the_data_dir(tmp_path: Path) -> None:
    assert sqlite_url(tmp_path) == f"sqlite+aiosqlite:///{tmp_path.as_posix()}/petition.sqlite3"


async def test_sqlite_engine_creates_the_directory_and_sets_pragmas(tmp_path: Path) -> None:
    data_dir = tmp_path / "nested" / "data"
    engine = make_engine(sqlite_url(data_dir).replace("sqlite+aiosqlite", "sqlite", 1))
    try:
        async with engine.connect() as conn:
            pragmas = {
                name: (await conn.execute(text(f"PRAGMA {name}"))).scalar_one()
                for name in (
                    "journal_mode",
                    "synchronous",
                    "foreign_keys",
                    "busy_timeout",
                    "wal_autocheckpoint",
                )
            }
    finally:
        await engine.dispose()
    assert (data_dir / "petition.sqlite3").exists()
    # synchronous=NORMAL is 1.
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 1,
        "foreign_keys": 1,
        "busy_timeout": 5000,
        # Out of the commits' way: storage.db.Db copies the log in the background.
        "wal_autocheckpoint": 10000,
    }


async def test_the_log_is_copied_into_the_file_in_the_background(tmp_path: Path) -> None:
    path = tmp_path / "data" / "petition.sqlite3"
    db = Db(make_engine(sqlite_url(tmp_path / "data")))
    try:
        async with db.write() as conn:
            await conn.execute(text("CREATE TABLE t (x TEXT)"))
            await conn.execute(text("INSERT INTO t VALUES (:x)"), [{"x": "文本" * 200} for _ in range(500)])
        # The commit went to the log (far below SQLite's own threshold); only the background
        # checkpoint, on a connection of its own while the database stays open, fills the file.
        for _ in range(200):
            if path.stat().st_size > 200_000:
                break
            await asyncio.sleep(0.01)
        assert path.stat().st_size > 200_000
        async with db.read() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 500
    finally:
        await db.close()


async def test_a_write_ending_once_the_database_closes_starts_no_checkpoint(tmp_path: Path) -> None:
    # A checkpoint started by a write that ends during or after close() would open its connection after
    # dispose() and never close it: a ResourceWarning at some later garbage collection, in whatever test
    # then runs (seen as a flaky failure of an unrelated web test).
    db = Db(make_engine(sqlite_url(tmp_path / "data")))
    async with db.write() as conn:
        await conn.execute(text("CREATE TABLE t (x TEXT)"))
    first = db._checkpointing
    assert first is not None  # a write starts one
    await db.close()
    db._checkpointed = float("-inf")  # whatever the clock says
    db._start_checkpoint()  # what the end of a write in flight does
    assert db._checkpointing is first  # none started after close


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_postgres_search_path_selects_the_schema(db_url: str) -> None:
    schema = make_url(db_url).query.get("search_path")
    assert isinstance(schema, str) and schema.startswith("test_")
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("SELECT current_schema()"))).scalar_one() == schema
    finally:
        await engine.dispose()


def test_pool_sizes_travel_in_the_postgres_url() -> None:
    engine = make_engine(
        "postgresql://u@127.0.0.1/db?pool_size=3&max_overflow=1&pool_timeout=2.5&search_path=s"
    )
    try:
        assert engine.pool.size() == 3  # type: ignore[attr-defined]
        assert engine.pool._max_overflow == 1  # type: ignore[attr-defined]
        assert engine.pool._timeout == 2.5  # type: ignore[attr-defined]
        assert "pool_size" not in engine.url.query and "search_path" not in engine.url.query
    finally:
        engine.sync_engine.dispose()


async def test_a_failed_statement_does_not_quote_its_parameters(tmp_path: Path) -> None:
    """The error of a failed write (which the service logs) names the statement, not the values:
    they are a reporter's sealed number and text."""
    import sqlalchemy.exc

    engine = make_engine(sqlite_url(tmp_path))
    try:
        async with engine.begin() as conn:
            await conn.execute(text("CREATE TABLE t (x TEXT)"))
            await conn.execute(
                text("CREATE TRIGGER refuse BEFORE INSERT ON t BEGIN SELECT RAISE(ABORT, 'refused'); END")
            )
        with pytest.raises(sqlalchemy.exc.IntegrityError) as caught:
            async with engine.begin() as conn:
                await conn.execute(text("INSERT INTO t (x) VALUES (:x)"), {"x": "13755501234"})
        assert "refused" in str(caught.value)
        assert "13755501234" not in str(caught.value)
    finally:
        await engine.dispose()
