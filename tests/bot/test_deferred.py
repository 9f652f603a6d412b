"""The SMS webhook answers on the commit; reports follow in batches (intake/deferred.py).

The batch path must give the same result as taking the messages one by one: one report per
matter, parts of one SMS joined, numbers in arrival order without gaps, one acknowledgement each,
an audit chain that verifies; and a failure in the batch loses nothing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intake.deferred import DeferredIntake, PolledIntake
from intake.errors import StorageError
from intake.flow import ChannelIntake, SmsIntake
from intake.inspection import bundled_inspections, load_inspection
from intake.models import Channel, InboundMessage
from intake.pipeline import decide
from intake.ports import RawMessage
from intake.service import IntakeService
from tests.bot.test_hooks import sms_form, sms_post
from tests.fakes.intake import FakeClock
from tests.fakes.store import SqlReportStore, records_of, whole
from tests.trust.harness import running, settings_for

START = datetime(2021, 4, 1, 2, 0, tzinfo=UTC)  # inside the Mengzhou inspection's period


def _raw(pk: int) -> RawMessage:
    return RawMessage(
        pk=pk, inspection_id="x", channel=Channel.SMS, provider_id=f"SM{pk}", sender=None, text="",
        subject=None, received_at=START, report_id=None, payload=None, handled=False,
    )  # fmt: skip


async def test_batches_form_while_one_is_being_written() -> None:
    gate = asyncio.Event()
    batches: list[list[int]] = []

    async def process(raws: Sequence[RawMessage]) -> None:
        batches.append([r.pk for r in raws])
        await gate.wait()

    queue = DeferredIntake(process, max_batch=3)
    queue.put(_raw(1))
    await asyncio.sleep(0)  # the task takes the first message alone and blocks on the gate
    for pk in range(2, 7):
        queue.put(_raw(pk))
    assert queue.pending == 5
    gate.set()
    await queue.drain()
    assert batches == [[1], [2, 3, 4], [5, 6]]
    assert queue.pending == 0
    await queue.aclose()


async def test_a_lingering_batch_waits_for_more_until_it_is_full() -> None:
    batches: list[list[int]] = []
    taken = asyncio.Event()

    async def process(raws: Sequence[RawMessage]) -> None:
        batches.append([r.pk for r in raws])
        taken.set()

    # An hour's linger: only a full batch can end the wait within the test.
    queue = DeferredIntake(process, max_batch=3, linger=3600)
    queue.put(_raw(1))
    for _ in range(5):
        await asyncio.sleep(0)
    assert batches == [] and queue.pending == 1  # waiting for company, not processed alone
    queue.put(_raw(2))
    queue.put(_raw(3))  # the batch is full: taken at once
    queue.put(_raw(4))
    await asyncio.wait_for(taken.wait(), 60)
    assert batches == [[1, 2, 3]]
    await queue.aclose()  # 4 lingers alone; closing still processes it
    assert batches == [[1, 2, 3], [4]]


async def test_room_waits_while_the_queue_is_full_and_opens_as_a_batch_is_taken() -> None:
    gate = asyncio.Event()
    batches: list[list[int]] = []

    async def process(raws: Sequence[RawMessage]) -> None:
        batches.append([r.pk for r in raws])
        await gate.wait()

    queue = DeferredIntake(process, max_batch=2, max_pending=3)
    queue.put(_raw(1))
    await asyncio.sleep(0)  # the task takes 1 alone and blocks on the gate
    for pk in (2, 3):
        queue.put(_raw(pk))
    await asyncio.wait_for(queue.room(), 60)  # 2 queued: room for more
    queue.put(_raw(4))
    waiting = asyncio.create_task(queue.room())
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done() and queue.pending == 3  # full: the answer waits
    gate.set()  # 1 is done; [2, 3] taken, which leaves 4 alone
    await asyncio.wait_for(waiting, 60)
    await queue.drain()
    assert batches == [[1], [2, 3], [4]]
    await queue.aclose()


async def test_closing_lets_the_answers_waiting_for_room_go() -> None:
    gate = asyncio.Event()

    async def process(raws: Sequence[RawMessage]) -> None:
        await gate.wait()

    queue = DeferredIntake(process, max_batch=1, max_pending=1)
    queue.put(_raw(1))
    await asyncio.sleep(0)
    queue.put(_raw(2))
    waiting = asyncio.create_task(queue.room())
    await asyncio.sleep(0)
    assert not waiting.done()
    closing = asyncio.create_task(queue.aclose())
    await asyncio.wait_for(waiting, 60)  # answered at once; 2 stays committed for recovery
    gate.set()
    await closing


async def test_one_bad_message_does_not_hold_back_its_batch() -> None:
    done: list[int] = []

    async def process(raws: Sequence[RawMessage]) -> None:
        if any(r.pk == 2 for r in raws):
            raise ValueError("the pipeline cannot take message 2")
        done.extend(r.pk for r in raws)

    queue = DeferredIntake(process)
    for pk in (1, 2, 3):
        queue.put(_raw(pk))
    await queue.drain()
    assert done == [1, 3]  # retried one by one; 2 stays committed for the sweep
    await queue.aclose()


async def test_a_database_failure_leaves_the_batch_to_the_sweep_and_goes_on() -> None:
    calls: list[list[int]] = []

    async def process(raws: Sequence[RawMessage]) -> None:
        calls.append([r.pk for r in raws])
        if len(calls) == 1:
            raise StorageError("database write failed")

    queue = DeferredIntake(process)
    queue.put(_raw(1))
    queue.put(_raw(2))
    await queue.drain()
    queue.put(_raw(3))
    await queue.drain()
    assert calls == [[1, 2], [3]]  # no retry storm against a database that is down
    await queue.aclose()


async def test_closing_processes_what_is_queued() -> None:
    done: list[int] = []

    async def process(raws: Sequence[RawMessage]) -> None:
        await asyncio.sleep(0.01)
        done.extend(r.pk for r in raws)

    queue = DeferredIntake(process)
    for pk in range(1, 4):
        queue.put(_raw(pk))
    await queue.aclose()
    assert sorted(done) == [1, 2, 3]


def _mengzhou(store: SqlReportStore, clock: FakeClock) -> tuple[IntakeService, ChannelIntake]:
    """The intake service and channel intake of the Mengzhou inspection (prefix MZ1) on `store`."""
    inspection = load_inspection(next(p for p in bundled_inspections() if p.stem == "mengzhou-xiguo-2021"))
    service = IntakeService(records_of(store), {inspection.id: inspection}, decide, clock)
    return service, ChannelIntake(service)


async def _commit(intake: ChannelIntake, sid: str, sender: str, text: str) -> RawMessage:
    message = InboundMessage(id=sid, text=text, channel=Channel.SMS, sender=sender)
    return (await intake.commit(message)).message


async def test_a_batch_opens_joins_and_answers_like_one_by_one(store: SqlReportStore) -> None:
    clock = FakeClock(START)
    _service, intake = _mengzhou(store, clock)
    earlier = await _commit(intake, "SM0", "+8613900000009", "反映西虢镇某村党支部书记在低保评定中优亲厚友，")
    [before] = await intake.proceed_many([earlier], join_window=timedelta(minutes=2), redecide_with="")
    assert before.tracking_number == "MZ1-0001"
    clock.advance(seconds=20)

    part1 = "我是西虢镇的村民，想反映我们村里的一些情况，去年村里修路的时候，"
    part2 = "村支书李某把修路的工程款截留了二十多万，还收受包工头的红包。"
    batch = [
        await _commit(intake, "SM1", "+8613900000001", part1),
        await _commit(intake, "SM2", "+8613900000002", "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。"),
        await _commit(intake, "SM3", "+8613900000001", part2),  # the rest of SM1
        await _commit(intake, "SM4", "+8613900000009", "把自家亲属都评上了低保。"),  # continues MZ1-0001
        await _commit(intake, "SM5", "+8613900000003", "查询 MZ1-0001"),  # not the sender's own
        await _commit(intake, "SM6", "+8613900000004", ""),
    ]
    receipts = await intake.proceed_many(batch, join_window=timedelta(minutes=2), redecide_with="")

    numbers = [r.tracking_number for r in receipts]
    assert numbers == ["MZ1-0002", "MZ1-0003", "MZ1-0002", "MZ1-0001", None, "MZ1-0004"]
    joined = await store.get_report("MZ1-0002")
    assert joined is not None
    assert [m.text for m in await store.report_messages(joined.pk)] == [part1, part2]
    # Decided again on the whole text: the accusation is only in the second part.
    assert (joined.decision.scope.value, joined.decision.category.value) == ("in_scope", "accusation")
    first = await store.get_report("MZ1-0001")
    assert first is not None and len(await store.report_messages(first.pk)) == 2
    # One acknowledgement per report, with its own number; the joined parts add none.
    for number in ("MZ1-0001", "MZ1-0002", "MZ1-0003", "MZ1-0004"):
        report = await store.get_report(number)
        assert report is not None
        [ack] = await store.report_acks(report.pk)
        assert ack.kind == "no_content_prompt" if number == "MZ1-0004" else number in ack.text
    assert await store.unprocessed_messages() == []
    assert (await store.verify_audit_chain()).ok
    # Taken again (a sweep racing the process that took them): nothing new.
    again = await intake.proceed_many(batch, join_window=timedelta(minutes=2), redecide_with="")
    assert [r.tracking_number for r in again] == [None] * len(batch)
    assert len(await store.latest_reports(None)) == 4
    answered = await store.recent_acks(channel=Channel.SMS, recipients=["+8613900000003"], since=START)
    assert [kind for kind, _ in answered["+8613900000003"]] == ["status"]  # answered once


async def test_create_reports_is_idempotent_per_message_and_numbers_in_order(store: SqlReportStore) -> None:
    service, intake = _mengzhou(store, FakeClock(START))
    raws = [
        await _commit(intake, f"SMb{i}", f"+86139000100{i:02d}", f"西虢镇第{i}村村主任侵占集体土地。")
        for i in range(30)
    ]
    first = await service.process_many(raws[:10])
    # A batch that overlaps one already written (two processes on one database): those come back as
    # they were, the rest are numbered on.
    second = await service.process_many(raws[5:30])
    assert [r.tracking_number for r in first] == [f"MZ1-{n:04d}" for n in range(1, 11)]
    assert [r.tracking_number for r in second] == [f"MZ1-{n:04d}" for n in range(6, 31)]
    assert len(await store.latest_reports(None, limit=100)) == 30
    outbox_texts = [
        a.text for r in await store.latest_reports(None, limit=100) for a in await store.report_acks(r.pk)
    ]
    assert len(outbox_texts) == 30


async def test_the_webhook_answers_before_the_report_is_written(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        sms = h.app.state.channels.sms
        gate = asyncio.Event()
        real = sms.deferred

        async def held(raws: Sequence[RawMessage]) -> None:
            await gate.wait()
            await sms.intake.proceed_many(raws, join_window=sms.join_window, redecide_with="")

        sms.deferred = DeferredIntake(held)
        try:
            form = sms_form("SMearly", "举报西虢镇党委书记收受工程老板红包。", "+8613911112222")
            response = await h.client.post(**sms_post(form))
            assert response.status_code == 200
            # Stored (what the 200 promises), not yet decided.
            assert len(await whole(h.rt).unprocessed_messages()) == 1
            assert await whole(h.rt).latest_reports(None) == []
            gate.set()
            await sms.drain()
            [report] = await whole(h.rt).latest_reports(None)
            assert await whole(h.rt).unprocessed_messages() == []
            assert len(await whole(h.rt).report_acks(report.pk)) == 1
        finally:
            await sms.deferred.aclose()
            sms.deferred = real


@pytest.mark.parametrize("n", [40])
async def test_a_burst_of_webhooks_gets_one_report_each(tmp_path: Path, n: int) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        sms = h.app.state.channels.sms
        forms = [
            sms_form(f"SMburst{i}", f"举报西虢镇第{i}村支书收受红包。", f"+86139222{i:05d}") for i in range(n)
        ]
        responses = await asyncio.gather(*(h.client.post(**sms_post(f)) for f in forms))
        assert {r.status_code for r in responses} == {200}
        await sms.drain()
        numbers = sorted(r.tracking_number for r in await whole(h.rt).latest_reports(None, limit=n + 1))
        assert numbers == [f"MZ1-{i:04d}" for i in range(1, n + 1)]
        assert await whole(h.rt).unprocessed_messages() == []
        assert (await whole(h.rt).verify_audit_chain()).ok


async def test_in_worker_mode_the_webhook_only_commits_and_a_worker_opens_the_report(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data", intake_processing="worker")) as h:
        forms = [
            sms_form(f"SMw{i}", f"举报西虢镇第{i}村支书收受红包。", f"+86139333{i:05d}") for i in range(3)
        ]
        for form in forms:
            assert (await h.client.post(**sms_post(form))).status_code == 200
        await h.settle()
        assert len(await whole(h.rt).unprocessed_messages()) == 3  # nobody in this process took them
        assert await whole(h.rt).latest_reports(None) == []

        # What `petition worker` runs (web.app.process_committed_forever), one batch of it.
        poller = PolledIntake(whole(h.rt), SmsIntake(ChannelIntake(h.rt.service)).process)
        assert await poller.run_once() == 3
        assert await poller.run_once() == 0
        numbers = sorted(r.tracking_number for r in await whole(h.rt).latest_reports(None))
        assert numbers == ["MZ1-0001", "MZ1-0002", "MZ1-0003"]
        await h.drain()
        assert sorted(m["To"] for m in h.twilio.messages) == sorted(f["From"] for f in forms)


async def test_the_worker_skips_a_message_it_cannot_take_and_goes_on(store: SqlReportStore) -> None:
    _service, intake = _mengzhou(store, FakeClock(START))
    raws = [
        await _commit(intake, f"SMs{i}", f"+86139000200{i:02d}", f"第{i}村村主任侵占集体土地。")
        for i in range(3)
    ]

    async def process(batch: Sequence[RawMessage]) -> None:
        if any(r.provider_id == "SMs0" for r in batch):
            raise ValueError("the pipeline cannot take this one")
        await intake.proceed_many(batch, join_window=timedelta(minutes=2))

    poller = PolledIntake(store, process, max_batch=2)
    assert await poller.run_once() == 2  # SMs0 fails, SMs1 is taken one by one
    assert await poller.run_once() == 1  # SMs0 is skipped from now on: SMs2 comes next
    assert await poller.run_once() == 0
    assert [m.pk for m in await store.unprocessed_messages()] == [raws[0].pk]  # left for the sweep
