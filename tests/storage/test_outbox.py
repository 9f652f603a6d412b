"""The outbox: claiming, sending, failing, retrying, crashed workers and concurrent claimers."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from intake.models import Channel
from intake.ports import NewAck
from tests.fakes.store import SqlReportStore
from tests.storage.helpers import NOW, SENDER, ack, new_report


async def test_claim_send_and_fail(store: SqlReportStore) -> None:
    report = await new_report(store, "m1")
    [queued] = await store.report_acks(report.pk)

    [claimed] = await store.claim_outbox(NOW)
    assert claimed.pk == queued.pk
    assert (claimed.state, claimed.attempts) == ("sending", 1)
    assert claimed.recipient == SENDER and claimed.channel is Channel.SMS
    assert await store.claim_outbox(NOW + timedelta(seconds=10)) == []

    retry_at = NOW + timedelta(minutes=5)
    await store.mark_failed(claimed.pk, "HTTP 503", retry_at, NOW + timedelta(seconds=1))
    [after_fail] = await store.report_acks(report.pk)
    assert (after_fail.state, after_fail.last_error, after_fail.next_attempt_at) == (
        "pending",
        "HTTP 503",
        retry_at,
    )
    assert await store.claim_outbox(NOW + timedelta(minutes=4)) == []

    [again] = await store.claim_outbox(retry_at)
    assert (again.pk, again.attempts) == (claimed.pk, 2)
    await store.mark_sent(again.pk, "SMabc", retry_at + timedelta(seconds=2))
    [sent] = await store.report_acks(report.pk)
    assert (sent.state, sent.provider_id, sent.sent_at) == ("sent", "SMabc", retry_at + timedelta(seconds=2))
    assert await store.claim_outbox(NOW + timedelta(days=1)) == []


async def test_failed_for_good_is_never_claimed_again(store: SqlReportStore) -> None:
    report = await new_report(store, "m1")
    [claimed] = await store.claim_outbox(NOW)
    await store.mark_failed(claimed.pk, "x" * 5000, None, NOW)
    [failed] = await store.report_acks(report.pk)
    assert (failed.pk, failed.state, failed.attempts) == (claimed.pk, "failed", 1)
    assert failed.last_error is not None and 0 < len(failed.last_error) <= 2000
    assert await store.claim_outbox(NOW + timedelta(days=1)) == []
    with pytest.raises(LookupError):
        await store.mark_sent(999_999, None, NOW)


async def test_future_items_wait_and_order_is_by_due_time(store: SqlReportStore) -> None:
    later = await store.enqueue_ack(None, ack(text="later"), NOW + timedelta(minutes=10))
    sooner = await store.enqueue_ack(None, ack(text="sooner"), NOW - timedelta(minutes=1))
    now_item = await store.enqueue_ack(None, ack(text="now"), NOW)
    claimed = await store.claim_outbox(NOW)
    assert [i.pk for i in claimed] == [sooner.pk, now_item.pk]
    for item in claimed:
        await store.mark_sent(item.pk, None, NOW)
    assert await store.claim_outbox(NOW + timedelta(minutes=9)) == []
    assert [i.pk for i in await store.claim_outbox(NOW + timedelta(minutes=10))] == [later.pk]


def citizen(i: int) -> str:
    return f"+8613000000{i:03d}"


async def test_claim_respects_limit(store: SqlReportStore) -> None:
    for i in range(5):
        await store.enqueue_ack(None, ack(recipient=citizen(i), text=f"t{i}"), NOW)
    assert len(await store.claim_outbox(NOW, limit=3)) == 3
    assert len(await store.claim_outbox(NOW, limit=3)) == 2
    assert await store.claim_outbox(NOW, limit=3) == []


async def test_a_citizens_later_items_wait_behind_one_out_or_backing_off(store: SqlReportStore) -> None:
    first, second, third = [await store.enqueue_ack(None, ack(text=t), NOW) for t in ("一", "二", "三")]
    other = await store.enqueue_ack(None, ack(recipient=citizen(1), text="别人"), NOW)
    [out] = await store.claim_outbox(NOW, limit=1)
    assert out.pk == first.pk
    # The first is out with a sender: the same citizen's second and third wait, another's goes.
    assert [i.pk for i in await store.claim_outbox(NOW)] == [other.pk]
    await store.mark_sent(other.pk, "SM2", NOW)
    retry_at = NOW + timedelta(minutes=5)
    await store.mark_failed(first.pk, "HTTP 429", retry_at, NOW)
    # Backing off: still nothing of theirs, though the second and third are due.
    assert await store.claim_outbox(NOW + timedelta(minutes=1)) == []
    assert [i.pk for i in await store.claim_outbox(retry_at)] == [first.pk, second.pk, third.pk]


async def test_released_items_are_not_counted_as_tried(store: SqlReportStore) -> None:
    first, second = [await store.enqueue_ack(None, ack(text=t), NOW) for t in ("一", "二")]
    claimed = await store.claim_outbox(NOW)
    await store.release_outbox([second.pk])
    await store.mark_sent_many([(first.pk, "SM1")], NOW)
    assert [(i.pk, i.state) for i in claimed] == [(first.pk, "sending"), (second.pk, "sending")]
    [again] = await store.claim_outbox(NOW)
    assert (again.pk, again.attempts) == (second.pk, 1)


async def test_crashed_claim_is_recovered_after_the_lease(store: SqlReportStore) -> None:
    item = await store.enqueue_ack(None, ack(), NOW)
    [first] = await store.claim_outbox(NOW)
    # The worker dies here without mark_sent or mark_failed.
    assert await store.claim_outbox(NOW + timedelta(seconds=59)) == []
    [recovered] = await store.claim_outbox(NOW + timedelta(seconds=61))
    assert (recovered.pk, recovered.attempts, recovered.state) == (item.pk, 2, "sending")
    assert first.attempts == 1


async def test_concurrent_claimers_never_share_a_row(store: SqlReportStore, db_url: str) -> None:
    expected = {(await store.enqueue_ack(None, ack(citizen(i), f"t{i}"), NOW)).pk for i in range(40)}
    other = await SqlReportStore.open(db_url)
    try:

        async def drain(target: SqlReportStore) -> list[int]:
            taken: list[int] = []
            while batch := await target.claim_outbox(NOW, limit=3):
                taken.extend(item.pk for item in batch)
            return taken

        results = await asyncio.gather(*(drain(s) for s in (store, other, store, other)))
    finally:
        await other.close()
    everything = [pk for taken in results for pk in taken]
    assert len(everything) == len(set(everything)), "an item was claimed twice"
    assert set(everything) == expected


async def test_recent_acks_by_recipient(store: SqlReportStore) -> None:
    other = "+8613000000000"
    await store.enqueue_ack(None, ack(), NOW - timedelta(hours=2))
    await store.enqueue_ack(None, ack(), NOW)
    await store.enqueue_ack(None, NewAck(Channel.SMS, SENDER, "?", "no_content_prompt"), NOW)
    await store.enqueue_ack(None, ack(recipient=other), NOW)
    await store.enqueue_ack(None, NewAck(Channel.TELEGRAM, SENDER, "ok", "in_scope"), NOW)
    since = NOW - timedelta(hours=1)
    found = await store.recent_acks(channel=Channel.SMS, recipients=[SENDER, other, "+861"], since=since)
    assert sorted(found[SENDER]) == [("in_scope", NOW), ("no_content_prompt", NOW)]
    assert found[other] == [("in_scope", NOW)]
    assert found["+861"] == []
    longer = await store.recent_acks(channel=Channel.SMS, recipients=[SENDER], since=NOW - timedelta(hours=3))
    assert len(longer[SENDER]) == 3
    assert await store.recent_acks(channel=Channel.EMAIL, recipients=[SENDER], since=since) == {SENDER: []}
