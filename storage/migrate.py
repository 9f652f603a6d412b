"""Bringing a database up to the newest schema with alembic, without an alembic.ini."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine

SCRIPT_LOCATION = "storage:migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    """An alembic Config for the bundled migrations, optionally bound to an open connection."""
    cfg = Config()
    cfg.set_main_option("script_location", SCRIPT_LOCATION)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def _upgrade(connection: Connection) -> None:
    command.upgrade(alembic_config(connection), "head")


async def migrate_engine(engine: AsyncEngine) -> None:
    """Upgrade the database behind `engine` to the newest revision."""
    async with engine.connect() as connection:
        await connection.run_sync(_upgrade)
        await connection.commit()


async def migrate(url: str) -> None:
    """Upgrade the database at `url` to the newest revision."""
    engine = make_engine(url)
    try:
        await migrate_engine(engine)
    finally:
        await engine.dispose()
