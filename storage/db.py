"""`Db`: what every repository of `storage/` shares — the engine, the sealing codec and the way in.

One `Db` per open database: the repositories (messages, reports, outbox, audit, ...) each hold it,
so they write through the same one-writer gate and seal with the same codec.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from typing import Any, Final, Protocol, TypeVar

from sqlalchemy import Connection, Engine, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import Insert

from intake.errors import StorageError
from storage.engine import IMMEDIATE, at_once_sqlite_engine, file_problem, make_engine
from storage.groupcommit import WriteTurns
from storage.migrate import migrate_engine

log = logging.getLogger(__name__)

T = TypeVar("T")

PING_TIMEOUT_S: Final = 5.0

# How often a SQLite database's write-ahead log is copied back into the file (`Db._checkpoint`).
CHECKPOINT_EVERY_S: Final = 1.0

# Failures of the database or the connection to it; a bug in our own SQL or values is not among them.
DB_ERRORS: Final = (DBAPIError, PoolTimeoutError, DisconnectionError, OSError)

# A message's raw payload (the provider's form or update) holds the sender and the text too, so it
# is stored sealed as one JSON text under this key.
SEALED_PAYLOAD_KEY: Final = "sealed"


class TextCodec(Protocol):
    """Turns a personal text field into what is stored, and back (`storage.crypto.SealingCodec`)."""

    def seal(self, value: str) -> str:
        """What to store for `value`."""
        ...

    def unseal(self, stored: str) -> str:
        """The value behind a stored text."""
        ...

    def lookup(self, value: str) -> str:
        """A hash of `value` to find equal values by (keyed: a database copy cannot test guesses)."""
        ...


class PlainText:
    """The codec that stores text as it is."""

    def seal(self, value: str) -> str:
        """Return `value` unchanged."""
        return value

    def unseal(self, stored: str) -> str:
        """Return `stored` unchanged."""
        return stored

    def lookup(self, value: str) -> str:
        """An unkeyed SHA-256: this codec protects nothing, it only keeps the columns filled."""
        return hashlib.sha256(value.encode("utf-8")).hexdigest()


def insert_ignoring_conflict(conn: AsyncConnection, table: Table, *index_elements: str) -> Insert:
    """INSERT ... ON CONFLICT (index_elements) DO NOTHING in the connection's dialect."""
    return insert_ignoring(conn.dialect.name, table, *index_elements)


def insert_ignoring(name: str, table: Table, *index_elements: str) -> Insert:
    """INSERT ... ON CONFLICT (index_elements) DO NOTHING in the dialect called `name`."""
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    raise StorageError(f"unsupported database dialect {name!r}")


async def open_engine(url: str, **engine_kwargs: Any) -> AsyncEngine:
    """Connect to `url` and migrate the schema to the newest revision."""
    engine = make_engine(url, **engine_kwargs)
    try:
        await migrate_engine(engine)
    except DB_ERRORS as exc:
        await engine.dispose()
        raise StorageError(f"could not migrate the database: {exc.__class__.__name__}") from exc
    except BaseException:
        await engine.dispose()
        raise
    return engine


class Db:
    """The engine, the codec, and the transactions every repository writes and reads in."""

    def __init__(self, engine: AsyncEngine, codec: TextCodec | None = None) -> None:
        self.engine = engine
        self.codec: TextCodec = codec or PlainText()
        # SQLite lets one writer in at a time, and a connection that finds the lock taken sleeps in
        # SQLite's busy handler (1, 2, 5 ... 100 ms) before it looks again. Writers of this process
        # queue here (raw commits first) and go in the moment the lock is free; others still meet the
        # busy timeout. PostgreSQL locks rows, not the database, so its writers run side by side.
        self._one_writer = WriteTurns() if engine.dialect.name == "sqlite" else None
        database = engine.url.database or ""
        self._wal = self._one_writer is not None and database not in ("", ":memory:")
        self._checkpointing: asyncio.Task[None] | None = None
        self._checkpointed = float("-inf")
        self._closing = False
        # `write_at_once` on a SQLite file: its own synchronous connection, used by one thread only.
        self._at_once = at_once_sqlite_engine(engine) if self._wal else None
        self._at_once_thread = (
            ThreadPoolExecutor(1, thread_name_prefix="sqlite-at-once") if self._at_once is not None else None
        )

    @property
    def sync_engines(self) -> list[Engine]:
        """Every engine that connects to this database: the async engine's own, and on a SQLite file
        `write_at_once`'s. A hook on connections or statements (a test's fault) goes on each."""
        return [self.engine.sync_engine, *([self._at_once] if self._at_once is not None else [])]

    async def dispose(self) -> None:
        """Close the pooled connections; the next write or read opens new ones."""
        if self._at_once is not None and self._at_once_thread is not None:
            await asyncio.get_running_loop().run_in_executor(self._at_once_thread, self._at_once.dispose)
        await self.engine.dispose()

    async def close(self) -> None:
        """Close every pooled connection (after the checkpoint under way, if any)."""
        # A write that ends while we close must not start a checkpoint: its connection, opened after
        # dispose(), would never be closed (a ResourceWarning at some later garbage collection).
        self._closing = True
        if self._checkpointing is not None:
            await asyncio.gather(self._checkpointing, return_exceptions=True)
        await self.dispose()
        if self._at_once_thread is not None:
            self._at_once_thread.shutdown()

    # --- transactions -------------------------------------------------------------------------

    @asynccontextmanager
    async def write(self, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
        """A write transaction (BEGIN IMMEDIATE on SQLite), committed when the block ends; an `urgent`
        one (a webhook's answer waits for it) goes before the writers queued in this process."""
        async with self._one_writer.turn(urgent=urgent) if self._one_writer else contextlib.nullcontext():
            try:
                async with self.engine.connect() as conn:
                    await conn.execution_options(**{IMMEDIATE: True})
                    async with conn.begin():
                        yield conn
            except DB_ERRORS as exc:
                raise StorageError(f"database write failed: {exc.__class__.__name__}: {exc}") from exc
        if self._wal:
            self._start_checkpoint()

    async def write_at_once(self, work: Callable[[Connection], T], *, urgent: bool = True) -> T:
        """`work(conn)` in a write transaction (see `write`; urgent unless told), committed when it
        returns; `work` is synchronous SQLAlchemy, run whole in one trip to a database thread.

        For the webhooks' raw commits, which their answers wait for, and the writes they would
        otherwise wait behind (a batch of reports, the outbox's claims and marks). Through the async
        engine a transaction is some ten trips between the event loop and aiosqlite's thread
        (connect, BEGIN, each statement's cursor, execute, fetch and close, COMMIT, the pool's
        reset; a batch of reports some 46), and each trip back waits for whatever the loop is running
        then (a decision, a batch of search terms): under load a commit of 2 ms held the write lock
        for up to 80, a batch for up to 70 more than its SQL. On a SQLite file
        `work` runs in a thread of this `Db` on a connection of its own, from BEGIN IMMEDIATE to
        COMMIT without the loop. Elsewhere (PostgreSQL, an in-memory SQLite) through `write`."""
        if self._at_once is None or self._at_once_thread is None:
            async with self.write(urgent=urgent) as conn:
                return await conn.run_sync(work)
        engine = self._at_once

        def transaction() -> T:
            with engine.connect() as conn:
                conn = conn.execution_options(**{IMMEDIATE: True})
                with conn.begin():
                    return work(conn)

        assert self._one_writer is not None  # a SQLite file has one
        async with self._one_writer.turn(urgent=urgent):
            running = asyncio.get_running_loop().run_in_executor(self._at_once_thread, transaction)
            try:
                # Shielded, and the turn kept until the thread is done: a caller that goes away
                # must not let another writer in while this transaction still holds the lock.
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                await asyncio.wait([running])
                raise
            except DB_ERRORS as exc:
                raise StorageError(f"database write failed: {exc.__class__.__name__}: {exc}") from exc
            finally:
                self._start_checkpoint()

    def _start_checkpoint(self) -> None:
        """Start `_checkpoint` in the background, at most once every `CHECKPOINT_EVERY_S`.

        Left to SQLite (storage/engine.py raises its threshold, wal_autocheckpoint, out of the way),
        the commit that crosses the threshold copies the log, inside the write turn: a batch of
        reports dirties a thousand pages or more (its search terms are spread over the index), so
        nearly every batch's commit did, some 25 ms each, and the webhooks' raw commits waited."""
        if self._closing:
            return
        loop = asyncio.get_running_loop()
        busy = self._checkpointing is not None and not self._checkpointing.done()
        if busy or loop.time() - self._checkpointed < CHECKPOINT_EVERY_S:
            return
        self._checkpointed = loop.time()
        self._checkpointing = loop.create_task(self._checkpoint(), name="wal-checkpoint")

    async def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database file on a connection of its own, outside the
        write turn: a passive checkpoint lets writers commit meanwhile (and copies what it can)."""
        try:
            async with self.engine.connect() as conn:
                # The driver's own connection: SQLAlchemy would wrap the pragma in a BEGIN.
                driver: Any = (await conn.get_raw_connection()).driver_connection
                cursor = await driver.execute("PRAGMA wal_checkpoint(PASSIVE)")
                await cursor.close()
        except (SQLAlchemyError, *DB_ERRORS) as exc:
            # SQLite's own threshold still copies the log if this keeps failing.
            log.warning("WAL checkpoint failed: %s", exc.__class__.__name__)

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A connection to read on."""
        try:
            async with self.engine.connect() as conn:
                yield conn
        except DB_ERRORS as exc:
            raise StorageError(f"database read failed: {exc.__class__.__name__}: {exc}") from exc

    # --- personal fields: the one place they are written and read ----------------------------

    def seal(self, value: str | None) -> str | None:
        """The stored form of an optional personal text."""
        return None if value is None else self.codec.seal(value)

    def unseal(self, stored: str | None) -> str | None:
        """An optional personal text as it was given."""
        return None if stored is None else self.codec.unseal(stored)

    def lookup(self, value: str | None) -> str | None:
        """The keyed hash of an optional value, to find equal ones by."""
        return None if value is None else self.codec.lookup(value)

    def seal_payload(self, payload: dict[str, Any] | None) -> dict[str, Any] | None:
        """A raw payload sealed whole as one JSON text."""
        if payload is None:
            return None
        return {SEALED_PAYLOAD_KEY: self.codec.seal(json.dumps(payload, ensure_ascii=False))}

    def unseal_payload(self, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        """A raw payload as it was given."""
        if stored is None or set(stored) != {SEALED_PAYLOAD_KEY}:
            return stored  # stored before payloads were sealed
        loaded: dict[str, Any] = json.loads(self.codec.unseal(stored[SEALED_PAYLOAD_KEY]))
        return loaded

    # --- health -------------------------------------------------------------------------------

    async def ping(self) -> bool:
        """True when the database answers within a few seconds (and, on SQLite, its file is still
        the one opened: a deleted or replaced file would lose every later commit)."""
        if file_problem(self.engine) is not None:
            return False
        try:
            async with asyncio.timeout(PING_TIMEOUT_S), self.engine.connect() as conn:
                await conn.execute(select(1))
        except (SQLAlchemyError, OSError, TimeoutError):
            return False
        return True
