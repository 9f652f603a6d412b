"""The running sweep: a message stored long ago without a report gets one; a fresh one is left to
the path that is handling it (a conversation may hold a message back for minutes)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake.inspection import bundled_inspections, load_inspection
from intake.models import Channel
from intake.pipeline import decide
from intake.service import SWEEP_HELD_AGE, SWEEP_MIN_AGE, IntakeService
from tests.fakes.store import SqlReportStore, records_of


class ShiftedClock:
    def __init__(self, shift: timedelta) -> None:
        self.shift = shift

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift


async def test_sweep_processes_only_stale_messages(store: SqlReportStore) -> None:
    inspection = load_inspection(next(p for p in bundled_inspections() if p.stem == "mengzhou-xiguo-2021"))
    clock = ShiftedClock(timedelta(0))
    service = IntakeService(records_of(store), {inspection.id: inspection}, decide, clock)
    saved = await store.save_raw(
        inspection_id=inspection.id, channel=Channel.SMS, provider_id="stuck", sender="+8613900000001",
        text="西虢镇党委书记收受工程老板红包。", subject=None, received_at=clock.now(), payload=None,
    )  # fmt: skip
    assert await service.sweep() == 0  # fresh: someone may still be handling it
    assert [m.pk for m in await store.unprocessed_messages()] == [saved.message.pk]

    clock.shift = SWEEP_MIN_AGE + timedelta(minutes=1)
    assert await service.sweep() == 1
    assert await store.unprocessed_messages() == []
    [report] = await store.latest_reports(inspection.id)
    assert report.tracking_number == "MZ1-0001" and report.decision.scope.value == "in_scope"
    assert await service.sweep() == 0  # and only once


async def test_a_held_telegram_draft_waits_longer_than_an_sms(store: SqlReportStore) -> None:
    inspection = load_inspection(next(p for p in bundled_inspections() if p.stem == "mengzhou-xiguo-2021"))
    clock = ShiftedClock(timedelta(0))
    service = IntakeService(records_of(store), {inspection.id: inspection}, decide, clock)
    stored = {}
    for channel, sender in ((Channel.TELEGRAM, "7100001"), (Channel.SMS, "+8613900000002")):
        saved = await store.save_raw(
            inspection_id=inspection.id, channel=channel, provider_id=f"held-{channel.value}",
            sender=sender, text="西虢镇党委书记收受工程老板红包。", subject=None,
            received_at=clock.now(), payload=None,
        )  # fmt: skip
        stored[channel] = saved.message.pk
    clock.shift = SWEEP_MIN_AGE + timedelta(seconds=30)
    assert await service.sweep() == 1  # the SMS: its processing was lost
    assert [m.pk for m in await store.unprocessed_messages()] == [stored[Channel.TELEGRAM]]
    clock.shift = SWEEP_HELD_AGE + timedelta(minutes=1)
    assert await service.sweep() == 1  # the draft nobody finished
    assert await store.unprocessed_messages() == []
