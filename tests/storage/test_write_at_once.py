"""`Db.write_at_once`: the webhooks' raw commits, whole in one trip to a database thread."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select
from sqlalchemy.engine import Engine

from intake.errors import StorageError
from storage.db import Db, open_engine
from storage.engine import SQLITE_FILENAME, sqlite_url
from storage.schema import inspections, messages
from tests.fakes.store import SqlReportStore
from tests.storage.helpers import NOW, new_report, save


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Db]:
    opened = Db(await open_engine(db_url))
    try:
        yield opened
    finally:
        await opened.close()


def _add_inspection(name: str) -> Any:
    def work(conn: Connection) -> str:
        conn.execute(inspections.insert().values(id=name, next_number=1, created_at=NOW))
        return name

    return work


def _count_inspections(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(inspections)).scalar_one())


async def test_a_raw_commit_runs_in_the_dbs_own_thread_and_is_committed_on_return(tmp_path: Path) -> None:
    threads: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO MESSAGES"):
            threads.append(threading.current_thread().name)

    store = await SqlReportStore.open(sqlite_url(tmp_path))
    event.listen(Engine, "before_cursor_execute", note)
    try:
        raw = await save(store, "SM-once")
    finally:
        event.remove(Engine, "before_cursor_execute", note)
        await store.close()
    # Not aiosqlite's thread, not the event loop's: the whole transaction in the Db's one thread.
    assert threads and all(name.startswith("sqlite-at-once") for name in threads)
    # Committed: another connection, opened after the store is closed, reads it.
    with sqlite3.connect(tmp_path / SQLITE_FILENAME) as conn:
        assert conn.execute("SELECT pk, provider_id FROM messages").fetchall() == [(raw.pk, "SM-once")]


async def test_the_outbox_claims_and_marks_in_the_dbs_own_thread(tmp_path: Path) -> None:
    threads: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE OUTBOX"):
            threads.append(threading.current_thread().name)

    store = await SqlReportStore.open(sqlite_url(tmp_path))
    try:
        await new_report(store, "SM-ack")
        event.listen(Engine, "before_cursor_execute", note)
        try:
            [item] = await store.claim_outbox(NOW)
            await store.mark_sent_many([(item.pk, "SMout")], NOW)
        finally:
            event.remove(Engine, "before_cursor_execute", note)
        assert item.text and item.recipient  # unsealed after the trip
        assert await store.claim_outbox(NOW) == []  # sent: not claimed again
    finally:
        await store.close()
    assert len(threads) == 2 and all(name.startswith("sqlite-at-once") for name in threads)


async def test_a_report_batch_is_written_in_the_dbs_own_thread_in_one_transaction(tmp_path: Path) -> None:
    threads: dict[str, set[str]] = {}

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        words = statement.split()
        table = words[2].upper() if words[0].upper() == "INSERT" else ""
        threads.setdefault(table, set()).add(threading.current_thread().name.split("_")[0])

    store = await SqlReportStore.open(sqlite_url(tmp_path))
    try:
        event.listen(Engine, "before_cursor_execute", note)
        try:
            report = await new_report(store, "SM-batch")
        finally:
            event.remove(Engine, "before_cursor_execute", note)
        assert report.tracking_number == "A-0001"
        assert (await store.verify_audit_chain()).ok
        assert len(await store.report_acks(report.pk)) == 1
    finally:
        await store.close()
    for table in ("REPORTS", "DECISIONS", "SEARCH_TERMS", "OUTBOX", "AUDIT_LOG"):
        assert threads[table] == {"sqlite-at-once"}, table


async def test_the_result_comes_back_and_is_committed_on_every_backend(db: Db) -> None:
    assert await db.write_at_once(_add_inspection("insp-a")) == "insp-a"
    async with db.read() as conn:
        assert await conn.run_sync(_count_inspections) == 1


async def test_a_failed_write_is_rolled_back_whole_and_raised_as_a_storage_error(db: Db) -> None:
    def twice(conn: Connection) -> None:
        _add_inspection("insp-b")(conn)
        _add_inspection("insp-b")(conn)  # the same primary key

    with pytest.raises(StorageError):
        await db.write_at_once(twice)
    async with db.read() as conn:
        assert await conn.run_sync(_count_inspections) == 0


async def test_a_caller_that_goes_away_keeps_the_turn_until_the_transaction_ends(tmp_path: Path) -> None:
    db = Db(await open_engine(sqlite_url(tmp_path)))
    started, release = threading.Event(), threading.Event()

    def slow(conn: Connection) -> None:
        started.set()
        release.wait(10)
        _add_inspection("insp-c")(conn)

    entered: list[int] = []

    async def next_writer() -> None:
        async with db.write() as conn:
            entered.append(await conn.run_sync(_count_inspections))

    try:
        first = asyncio.create_task(db.write_at_once(slow))
        assert await asyncio.to_thread(started.wait, 10)
        first.cancel()
        second = asyncio.create_task(next_writer())
        await asyncio.sleep(0.2)
        assert entered == [] and not first.done()  # the thread still holds the transaction
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await first
        await second
        # The next writer came after the commit, and saw it: nothing was left half done.
        assert entered == [1]
    finally:
        release.set()
        await db.close()


async def test_a_message_committed_at_once_is_read_back_through_the_async_engine(
    store: SqlReportStore,
) -> None:
    raw = await save(store, "SM-read")
    [found] = await store.unprocessed_messages()
    assert (found.pk, found.provider_id, found.received_at, found.payload) == (
        raw.pk,
        "SM-read",
        NOW,
        {"raw": "SM-read"},
    )
    async with store.db.read() as conn:
        stored = (await conn.execute(select(messages.c.sender_hash))).scalar_one()
    assert stored is not None
