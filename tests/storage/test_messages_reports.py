"""Raw messages and reports: duplicates, numbering, idempotency, restart, concurrency."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy.exc import StatementError

from intake.errors import StorageError
from intake.models import Category, Channel, Decision, Scope
from storage.engine import make_engine
from storage.schema import decisions
from tests.fakes.store import SqlReportStore
from tests.storage.helpers import NOW, SENDER, TEXT, ack, decision, new_report, save


async def test_duplicate_delivery_returns_the_first_message(store: SqlReportStore) -> None:
    first = await store.save_raw(
        inspection_id="insp-a",
        channel=Channel.SMS,
        provider_id="SM1",
        sender=SENDER,
        text=TEXT,
        subject="主题",
        received_at=NOW,
        payload={"Body": TEXT, "n": [1, 2]},
    )
    again = await store.save_raw(
        inspection_id="insp-a",
        channel=Channel.SMS,
        provider_id="SM1",
        sender="someone else",
        text="a different text",
        subject=None,
        received_at=NOW + timedelta(minutes=5),
        payload=None,
    )
    assert first.duplicate is False
    assert again.duplicate is True
    assert again.message == first.message
    assert first.message.text == TEXT
    assert first.message.sender == SENDER
    assert first.message.subject == "主题"
    assert first.message.payload == {"Body": TEXT, "n": [1, 2]}
    assert first.message.report_id is None

    other_channel = await save(store, "SM1", channel=Channel.TELEGRAM)
    assert other_channel.pk != first.message.pk
    assert [m.pk for m in await store.unprocessed_messages()] == [first.message.pk, other_channel.pk]


async def test_datetimes_come_back_timezone_aware_utc(store: SqlReportStore) -> None:
    beijing = timezone(timedelta(hours=8))
    local = datetime(2026, 3, 1, 16, 30, 15, 123456, tzinfo=beijing)
    saved = await store.save_raw(
        inspection_id="insp-a",
        channel=Channel.SMS,
        provider_id="tz1",
        sender=None,
        text="x",
        subject=None,
        received_at=local,
        payload=None,
    )
    assert saved.message.received_at == local
    assert saved.message.received_at.utcoffset() == timedelta(0)
    report = await store.create_report(
        message_pk=saved.message.pk,
        tracking_prefix="A",
        decision=decision("tz1"),
        state="decided",
        ack=ack(),
        now=local,
    )
    fetched = await store.get_report(report.tracking_number)
    assert fetched is not None
    for value in (fetched.created_at, fetched.updated_at):
        assert value == local
        assert value.tzinfo is not None and value.utcoffset() == timedelta(0)
    [item] = await store.report_acks(report.pk)
    assert item.next_attempt_at == local and item.next_attempt_at.utcoffset() == timedelta(0)
    [entry] = await store.audit_entries(report.pk)
    assert entry.at == local and entry.at.utcoffset() == timedelta(0)


async def test_naive_datetime_is_refused(store: SqlReportStore) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        await store.save_raw(
            inspection_id="insp-a",
            channel=Channel.SMS,
            provider_id="naive",
            sender=None,
            text="x",
            subject=None,
            received_at=datetime(2026, 3, 1, 8, 0),  # naive on purpose
            payload=None,
        )
    assert await store.unprocessed_messages() == []


async def test_numbering_per_inspection(store: SqlReportStore) -> None:
    a1 = await new_report(store, "m1", inspection_id="insp-a", prefix="XS")
    a2 = await new_report(store, "m2", inspection_id="insp-a", prefix="XS")
    b1 = await new_report(store, "m3", inspection_id="insp-b", prefix="XC")
    a3 = await new_report(store, "m4", inspection_id="insp-a", prefix="XS")
    assert [r.tracking_number for r in (a1, a2, b1, a3)] == ["XS-0001", "XS-0002", "XC-0001", "XS-0003"]
    assert (a1.inspection_id, b1.inspection_id) == ("insp-a", "insp-b")
    assert a1.state == "decided"
    assert a1.channel is Channel.SMS
    assert a1.sender == SENDER
    assert a1.decision == decision("m1")

    [linked] = await store.report_messages(a1.pk)
    assert linked.provider_id == "m1" and linked.report_id == a1.pk
    assert await store.unprocessed_messages() == []
    [item] = await store.report_acks(a1.pk)
    assert item.text == "已收到，编号 XS-0001。"
    assert (item.state, item.attempts, item.next_attempt_at) == ("pending", 0, NOW)


async def test_create_report_is_idempotent_per_message(store: SqlReportStore) -> None:
    message = await save(store, "m1")
    first = await store.create_report(
        message_pk=message.pk,
        tracking_prefix="A",
        decision=decision("m1"),
        state="decided",
        ack=ack(),
        now=NOW,
    )
    other = Decision(id="m1", scope=Scope.OUT_OF_SCOPE, category=Category.APPEAL, confidence=0.3)
    second = await store.create_report(
        message_pk=message.pk, tracking_prefix="A", decision=other, state="received", ack=ack(), now=NOW
    )
    assert second == first
    assert len(await store.report_acks(first.pk)) == 1
    assert len(await store.audit_entries(first.pk)) == 1
    nxt = await new_report(store, "m2")
    assert nxt.tracking_number == "A-0002"


async def test_create_report_for_unknown_message(store: SqlReportStore) -> None:
    with pytest.raises(LookupError):
        await store.create_report(
            message_pk=999_999,
            tracking_prefix="A",
            decision=decision("x"),
            state="decided",
            ack=None,
            now=NOW,
        )


async def test_restart_keeps_reports_and_numbering(db_url: str) -> None:
    store = await SqlReportStore.open(db_url)
    try:
        first = await new_report(store, "m1")
        pending = await save(store, "m2")
    finally:
        await store.close()

    store = await SqlReportStore.open(db_url)
    try:
        fetched = await store.get_report(first.tracking_number)
        assert fetched == first
        assert [m.pk for m in await store.unprocessed_messages()] == [pending.pk]
        second = await store.create_report(
            message_pk=pending.pk,
            tracking_prefix="A",
            decision=decision("m2"),
            state="decided",
            ack=None,
            now=NOW,
        )
        assert second.tracking_number == "A-0002"
    finally:
        await store.close()


async def test_concurrent_numbering_gives_distinct_numbers(store: SqlReportStore, db_url: str) -> None:
    messages = [await save(store, f"c{i}") for i in range(20)]
    other = await SqlReportStore.open(db_url)
    try:

        async def create(i: int) -> str:
            target = store if i % 2 else other
            report = await target.create_report(
                message_pk=messages[i].pk,
                tracking_prefix="A",
                decision=decision(f"c{i}"),
                state="decided",
                ack=ack(),
                now=NOW,
            )
            return report.tracking_number

        numbers = await asyncio.gather(*(create(i) for i in range(20)))
        # The same message from both engines at once still makes one report.
        twice = await asyncio.gather(
            *(
                s.create_report(
                    message_pk=messages[0].pk,
                    tracking_prefix="A",
                    decision=decision("c0"),
                    state="decided",
                    ack=ack(),
                    now=NOW,
                )
                for s in (store, other)
            )
        )
    finally:
        await other.close()
    assert sorted(numbers) == [f"A-{n:04d}" for n in range(1, 21)]
    assert twice[0] == twice[1]
    assert len(await store.latest_reports("insp-a", limit=100)) == 20


async def test_concurrent_first_delivery_is_saved_once(store: SqlReportStore) -> None:
    results = await asyncio.gather(
        *(
            store.save_raw(
                inspection_id="insp-a",
                channel=Channel.SMS,
                provider_id="same",
                sender=SENDER,
                text=TEXT,
                subject=None,
                received_at=NOW,
                payload=None,
            )
            for _ in range(8)
        )
    )
    assert len({r.message.pk for r in results}) == 1
    assert sorted(r.duplicate for r in results) == [False] + [True] * 7


async def test_latest_reports_newest_first(store: SqlReportStore) -> None:
    r1 = await new_report(store, "m1", now=NOW)
    r2 = await new_report(store, "m2", now=NOW + timedelta(minutes=2))
    b1 = await new_report(store, "m3", inspection_id="insp-b", prefix="B", now=NOW + timedelta(minutes=1))
    assert [r.pk for r in await store.latest_reports("insp-a")] == [r2.pk, r1.pk]
    assert [r.pk for r in await store.latest_reports(None)] == [r2.pk, b1.pk, r1.pk]
    assert [r.pk for r in await store.latest_reports(None, limit=1)] == [r2.pk]
    assert await store.latest_reports("nobody") == []
    assert await store.get_report("A-9999") is None


async def test_current_decision_is_the_newest_row(store: SqlReportStore) -> None:
    report = await new_report(store, "m1")
    confirmed = Decision(id="m1", scope=Scope.OUT_OF_SCOPE, category=Category.APPEAL, confidence=1.0)
    async with store.engine.begin() as conn:
        await conn.execute(
            decisions.insert().values(
                report_id=report.pk,
                kind="confirmed",
                body=confirmed.model_dump(mode="json"),
                actor="officer:li",
                created_at=NOW + timedelta(hours=1),
            )
        )
    fetched = await store.get_report(report.tracking_number)
    assert fetched is not None and fetched.decision == confirmed
    [latest] = await store.latest_reports("insp-a")
    assert latest.decision == confirmed


async def test_mark_message_handled(store: SqlReportStore) -> None:
    report = await new_report(store, "m1")
    status_query = await save(store, "m2", text="查询 A-0001")
    plain = await save(store, "m3")
    await store.mark_message_handled(status_query.pk, report.pk)
    assert [m.pk for m in await store.unprocessed_messages()] == [plain.pk]
    await store.mark_message_handled(plain.pk, None)
    assert await store.unprocessed_messages() == []
    assert [m.provider_id for m in await store.report_messages(report.pk)] == ["m1", "m2"]
    with pytest.raises(LookupError):
        await store.mark_message_handled(999_999, None)


async def test_audit_entries_hold_no_sender_or_text(store: SqlReportStore) -> None:
    report = await new_report(store, "m1")
    await store.audit(
        actor="officer:li", action="report.viewed", report_id=report.pk, detail={"via": "web"}, now=NOW
    )
    entries = await store.audit_entries(report.pk)
    assert [e.action for e in entries] == ["report.viewed", "report.created"]
    created = entries[1]
    assert created.actor == "system"
    assert created.detail == {"tracking_number": "A-0001", "scope": "in_scope", "category": "accusation"}
    dumped = json.dumps([(e.actor, e.action, e.detail) for e in entries], ensure_ascii=False)
    assert SENDER not in dumped
    assert TEXT not in dumped and TEXT[:8] not in dumped
    assert len(await store.audit_entries(None, limit=1)) == 1


async def test_ping(store: SqlReportStore) -> None:
    assert await store.ping() is True


async def test_unreachable_database() -> None:
    store = SqlReportStore.on(make_engine("postgresql://root@127.0.0.1:1/none", connect_args={"timeout": 2}))
    try:
        assert await store.ping() is False
        with pytest.raises(StorageError):
            await save(store, "m1")
    finally:
        await store.close()
