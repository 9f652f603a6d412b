"""A batch of committed SMS that fails halfway through its transaction (after the numbers were
taken, before the acknowledgements and the audit) loses nothing and numbers nothing twice: the
transaction rolls back whole, and the messages are taken again one by one (a pipeline failure) or
by the committed-intake job (a database failure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

import storage.reports
from intake.deferred import PolledIntake
from intake.flow import SmsIntake
from intake.ports import RawMessage
from tests.bot.test_deferred import START, _commit, _mengzhou
from tests.fakes.intake import FakeClock
from tests.fakes.store import SqlReportStore

SENDERS = 6


def _fail_acks_once(monkeypatch: pytest.MonkeyPatch, error: Exception) -> list[int]:
    """Make the first acknowledgement insert of a report transaction (after numbering) raise
    `error`; returns the list of calls' sizes. A fault injected into our own code path, so that the
    failure lands exactly between numbering and the outbox (no vendor is faked here)."""
    real = storage.reports.insert_acks
    calls: list[int] = []

    async def failing(db: Any, conn: Any, acks: Sequence[Any], now: Any, **kw: Any) -> Any:
        calls.append(len(acks))
        if len(calls) == 1:
            raise error
        return await real(db, conn, acks, now, **kw)

    monkeypatch.setattr(storage.reports, "insert_acks", failing)
    return calls


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


async def test_a_batch_failing_halfway_is_taken_again_one_by_one(
    store: SqlReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sms, raws = await _committed(store)
    calls = _fail_acks_once(monkeypatch, RuntimeError("a bug between numbering and the outbox"))
    for raw in raws:
        sms.deferred.put(raw)
    await sms.deferred.drain()
    # The whole batch failed once, then each message went through on its own.
    assert calls == [SENDERS] + [1] * SENDERS
    await _assert_each_once(store, raws)
    await sms.deferred.aclose()


async def test_a_batch_losing_the_database_halfway_is_left_to_the_committed_intake_job(
    store: SqlReportStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    sms, raws = await _committed(store)
    lost = OperationalError("INSERT INTO outbox", {}, Exception("the database went away"))
    calls = _fail_acks_once(monkeypatch, lost)
    for raw in raws:
        sms.deferred.put(raw)
    await sms.deferred.drain()
    assert calls == [SENDERS]  # no retry storm against a database that is down
    assert len(await store.unprocessed_messages()) == SENDERS  # committed, nothing half-written
    assert await store.latest_reports(None) == []
    # What the committed-intake job (or the sweep, or the next start) does with them.
    assert await PolledIntake(store, sms.process).run_once() == SENDERS
    await _assert_each_once(store, raws)
    await sms.deferred.aclose()
