"""Creating the async engine for SQLite or PostgreSQL from a URL, with the settings each needs."""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

SQLITE_FILENAME = "petition.sqlite3"

# Execution option that makes the next transaction on SQLite start with BEGIN IMMEDIATE.
IMMEDIATE = "petition_sqlite_immediate"

_SQLITE_PRAGMAS = (
    # First: switching to WAL needs the lock another starting process may hold, and without a
    # busy timeout SQLite answers "database is locked" at once instead of waiting.
    "PRAGMA busy_timeout=5000",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    # The log is copied into the file by `storage.db.Db` in the background, outside the write lock;
    # SQLite's own copy, made by the commit that crosses this many pages (default 1,000), is only
    # the fallback for a log that it lets grow (some 40 MB of pages of 4 KB).
    "PRAGMA wal_autocheckpoint=10000",
    "PRAGMA foreign_keys=ON",
)


_POOL_OPTIONS: dict[str, Callable[[str], Any]] = {
    "pool_size": int,
    "max_overflow": int,
    "pool_timeout": float,
    "pool_recycle": int,
}


class DatabaseFileGone(OSError):
    """The SQLite file this engine opened was deleted or replaced while the service ran."""


class SqliteFileGuard:
    """Notices that the database file was deleted or replaced under a running service.

    The pooled connections still write to the deleted file's inode, and a new connection would
    create a new empty file at the path: either way what is committed next is lost. So every commit
    first checks that the path still names the file first opened (device and inode: one stat, a
    few microseconds), and refuses otherwise; /healthz asks the same."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.identity: tuple[int, int] | None = None

    def remember(self) -> None:
        """Note the file's identity, once: at the first connection, which creates the file."""
        if self.identity is None and self.path.exists():
            st = os.stat(self.path)
            self.identity = (st.st_dev, st.st_ino)

    def problem(self) -> str | None:
        """Why the file is not the one first opened, or None when it is."""
        if self.identity is None:
            return None
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return f"the database file {self.path} was deleted"
        if (st.st_dev, st.st_ino) != self.identity:
            return f"the database file {self.path} was replaced"
        return None

    def check(self) -> None:
        """Raise `DatabaseFileGone` unless the path still names the file first opened."""
        problem = self.problem()
        if problem is not None:
            raise DatabaseFileGone(problem)


_GUARDS: weakref.WeakKeyDictionary[Any, SqliteFileGuard] = weakref.WeakKeyDictionary()


def file_problem(engine: AsyncEngine) -> str | None:
    """For a SQLite file engine: why its file is no longer the one it opened; else None."""
    guard = _GUARDS.get(engine.sync_engine)
    return guard.problem() if guard is not None else None


def sqlite_url(data_dir: Path) -> str:
    """The URL of the SQLite file in the data directory."""
    return f"sqlite+aiosqlite:///{(data_dir / SQLITE_FILENAME).as_posix()}"


def normalize_url(url: str) -> URL:
    """Parse a database URL and pick the async driver: asyncpg for PostgreSQL, aiosqlite for SQLite."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    raise ValueError(f"unsupported database URL scheme {parsed.drivername!r}: use sqlite or postgresql")


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An AsyncEngine for `url`; a `search_path` query parameter on a PostgreSQL URL selects the schema."""
    parsed = normalize_url(url)
    # A failed statement's error names its parameters unless told not to, and the parameters of a
    # message's insert are a reporter's number, sealed fields and the text: never into a log.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "postgresql":
        return _postgres_engine(parsed, kwargs)
    return _sqlite_engine(parsed, kwargs)


def _postgres_engine(parsed: URL, kwargs: dict[str, Any]) -> AsyncEngine:
    search_path = parsed.query.get("search_path")
    if search_path is not None:
        # asyncpg takes no such keyword; it has to travel as a server setting.
        if not isinstance(search_path, str):
            raise ValueError("search_path must be given once")
        parsed = parsed.difference_update_query(["search_path"])
        connect_args = dict(kwargs.pop("connect_args", {}))
        server_settings = dict(connect_args.get("server_settings", {}))
        server_settings["search_path"] = search_path
        connect_args["server_settings"] = server_settings
        kwargs["connect_args"] = connect_args
    # Pool sizes travel in the URL (…?pool_size=5&max_overflow=5), so that PETITION_DATABASE_URL alone
    # sizes each process's share of PostgreSQL's max_connections (docs/deploy.md).
    for name, convert in _POOL_OPTIONS.items():
        value = parsed.query.get(name)
        if value is not None:
            if not isinstance(value, str):
                raise ValueError(f"{name} must be given once")
            kwargs.setdefault(name, convert(value))
            parsed = parsed.difference_update_query([name])
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(parsed, **kwargs)


def _sqlite_engine(parsed: URL, kwargs: dict[str, Any]) -> AsyncEngine:
    database = parsed.database
    guard: SqliteFileGuard | None = None
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        guard = SqliteFileGuard(path.absolute())
    engine = create_async_engine(parsed, **kwargs)
    _sqlite_settings(engine.sync_engine)
    if guard is not None:
        _GUARDS[engine.sync_engine] = guard
        _watch_file(engine.sync_engine, guard)
    return engine


def at_once_sqlite_engine(engine: AsyncEngine) -> Engine | None:
    """For a SQLite file engine: a synchronous engine on the same file, with the same settings and
    file guard, for the writes `storage.db.Db.write_at_once` runs in one trip to a thread of its own;
    None for any other engine (an in-memory database would be another database)."""
    guard = _GUARDS.get(engine.sync_engine)
    if guard is None:
        return None
    sync = create_engine(engine.url.set(drivername="sqlite+pysqlite"), hide_parameters=True)
    _sqlite_settings(sync)
    _watch_file(sync, guard)
    return sync


def _sqlite_settings(engine: Engine) -> None:
    """Every SQLite connection's pragmas, and BEGIN IMMEDIATE when asked for (`IMMEDIATE`)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Python 3.11's sqlite3 would issue its own deferred BEGIN; SQLAlchemy emits BEGIN instead.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            for pragma in _SQLITE_PRAGMAS:
                cursor.execute(pragma)
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # A write transaction that reads first must hold the write lock from the start, or SQLite
        # refuses the later upgrade with "database is locked" instead of waiting.
        if conn.get_execution_options().get(IMMEDIATE):
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        else:
            conn.exec_driver_sql("BEGIN")


def _watch_file(engine: Engine, guard: SqliteFileGuard) -> None:
    @event.listens_for(engine, "connect")
    def _remember(_dbapi_connection: Any, _record: Any) -> None:
        # After the pragmas (listeners run in order): journal_mode=WAL has created the file.
        guard.remember()

    @event.listens_for(engine, "commit")
    def _before_commit(_conn: Connection) -> None:
        # Raised before the COMMIT is sent: the transaction is rolled back and the caller's
        # StorageError answers 503, so the provider delivers again, instead of a 200 for a row
        # written into a deleted file.
        guard.check()
