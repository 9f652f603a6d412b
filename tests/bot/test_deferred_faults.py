"""A batch of committed SMS that fails halfway through its transaction (after the numbers were
taken, before the acknowledgements and the audit) loses nothing and numbers nothing twice: the
transaction rolls back whole, and the messages are taken again one by one (a pipeline failure) or
by the committed-intake job (a database failure).

The faults are injected below our code, on the test's own database: a trigger that refuses every
insert into the outbox (the database failing halfway), and, for a failure that is not the
database's (a bug), an exception raised from SQLAlchemy's `before_cursor_execute` event on the
first outbox insert: a trigger can only raise a database error, which the flow rightly does not
retry message by message. The same event counts the outbox inserts."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from intake.deferred import PolledIntake
from intake.flow import SmsIntake
from intake.ports import RawMessage
from tests.bot.test_deferred import START, _commit, _mengzhou
from tests.fakes.faults import inserts_refused
from tests.fakes.intake import FakeClock
from tests.fakes.store import SqlReportStore

SENDERS = 6


@contextmanager
def _outbox_inserts(store: SqlReportStore, *, fail_first: Exception | None = None) -> Iterator[list[str]]:
    """The outbox inserts the database is sent, as they happen (one per transaction that queues
    acknowledgements); the first raises `fail_first` instead, when given."""
    seen: list[str] = []

    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX"):
            seen.append(statement)
            if fail_first is not None and len(seen) == 1:
                raise fail_first

    for engine in store.sync_engines:
        event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        for engine in store.sync_engines:
            event.remove(engine, "before_cursor_execute", before)


async def _committed(store: SqlReportStore) -> tuple[SmsIntake, list[RawMessage]]:
    _service, intake = _mengzhou(store, FakeClock(START))
    raws = [
        await _commit(intake, f"SMf{i}", f"+86139000300{i:02d}", f"西虢镇第{i}村村主任侵占集体土地。")
        for i in range(SENDERS)
    ]
    return SmsIntake(intake, linger=0), raws


async def _assert_each_once(store: SqlReportStore, raws: Sequence[RawMessage]) -> None:
    """Every message has a report, numbered 1..n without gaps or repeats, one acknowledgement each."""
    assert await store.unprocessed_messages() == []
    reports = await store.latest_reports(None, limit=100)
    assert sorted(r.tracking_number for r in reports) == [f"MZ1-{n:04d}" for n in range(1, len(raws) + 1)]
    for report in reports:
        assert len(await store.report_messages(report.pk)) == 1
        [ack] = await store.report_acks(report.pk)
        assert report.tracking_number in ack.text
    assert (await store.verify_audit_chain()).ok


async def test_a_batch_failing_halfway_is_taken_again_one_by_one(store: SqlReportStore) -> None:
    sms, raws = await _committed(store)
    with _outbox_inserts(store, fail_first=RuntimeError("a bug between numbering and the outbox")) as seen:
        for raw in raws:
            sms.deferred.put(raw)
        await sms.deferred.drain()
    # The whole batch failed once, then each message went through on its own.
    assert len(seen) == 1 + SENDERS
    await _assert_each_once(store, raws)
    await sms.deferred.aclose()


async def test_a_batch_losing_the_database_halfway_is_left_to_the_committed_intake_job(
    store: SqlReportStore,
) -> None:
    sms, raws = await _committed(store)
    async with inserts_refused(store.engine, "outbox"):
        with _outbox_inserts(store) as seen:
            for raw in raws:
                sms.deferred.put(raw)
            await sms.deferred.drain()
        assert len(seen) == 1  # no retry storm against a database that fails
        assert len(await store.unprocessed_messages()) == SENDERS  # committed, nothing half-written
        assert await store.latest_reports(None) == []
    # The database is back: what the committed-intake job (or the sweep, or the next start) does.
    assert await PolledIntake(store, sms.process).run_once() == SENDERS
    await _assert_each_once(store, raws)
    await sms.deferred.aclose()
