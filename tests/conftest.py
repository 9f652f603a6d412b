"""Shared pytest fixtures; each section belongs to one package's tests."""

from __future__ import annotations

# --- database fixtures ---
# `db_url`: a fresh, empty database per test, once on SQLite (a file under tmp_path) and once on
# PostgreSQL (a throw-away schema, selected through the URL's `search_path`). `store`: a migrated
# `SqlReportStore` on it. PostgreSQL comes from PETITION_TEST_POSTGRES_URL; when it cannot be
# reached the postgres cases are skipped, or fail when PETITION_REQUIRE_POSTGRES=1.
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text as sql_text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from storage.engine import make_engine, sqlite_url
from tests.fakes.store import SqlReportStore

DEFAULT_TEST_POSTGRES_URL = "postgresql+asyncpg://root@127.0.0.1:5432/test"


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("PETITION_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL required but unavailable: {reason}")
    pytest.skip(f"PostgreSQL unavailable: {reason}")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """URL of a fresh empty database: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "db")
        return
    base = os.environ.get("PETITION_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)
    schema = f"test_{uuid.uuid4().hex[:16]}"
    admin = make_engine(base, connect_args={"timeout": 5})
    try:
        try:
            async with admin.begin() as conn:
                await conn.execute(sql_text(f'CREATE SCHEMA "{schema}"'))
        except (SQLAlchemyError, OSError) as exc:
            _postgres_unavailable(f"{exc.__class__.__name__}: {exc}")
        url = make_url(base).update_query_dict({"search_path": schema})
        yield url.render_as_string(hide_password=False)
        async with admin.begin() as conn:
            await conn.execute(sql_text(f'DROP SCHEMA "{schema}" CASCADE'))
    finally:
        await admin.dispose()


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[SqlReportStore]:
    """A migrated SqlReportStore on `db_url`, closed after the test."""
    opened = await SqlReportStore.open(db_url)
    try:
        yield opened
    finally:
        await opened.close()


# --- end of database fixtures ---
