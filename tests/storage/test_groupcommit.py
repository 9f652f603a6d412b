"""Webhooks' raw messages arriving together are committed together, each answered with its own row."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from intake.models import Channel
from storage.groupcommit import GroupCommit, WriteTurns
from tests.fakes.store import SqlReportStore
from tests.storage.helpers import NOW, SENDER, TEXT


async def test_waiting_items_go_in_one_batch_in_order() -> None:
    batches: list[list[int]] = []

    async def write(batch: Sequence[int]) -> list[int]:
        batches.append(list(batch))
        await asyncio.sleep(0)
        return [i * 10 for i in batch]

    commits = GroupCommit(write)
    assert await asyncio.gather(*(commits.submit(i) for i in range(10))) == [i * 10 for i in range(10)]
    assert batches == [list(range(10))]
    assert await commits.submit(11) == 110  # a quiet moment: committed on its own
    assert batches[-1] == [11]


async def test_a_failed_commit_fails_every_caller_of_its_batch() -> None:
    async def write(batch: Sequence[int]) -> list[int]:
        raise OSError("disk gone")

    commits = GroupCommit(write)
    results = await asyncio.gather(*(commits.submit(i) for i in range(3)), return_exceptions=True)
    assert all(isinstance(r, OSError) for r in results)


async def test_concurrent_deliveries_and_redeliveries_in_one_transaction(store: SqlReportStore) -> None:
    async def deliver(provider_id: str) -> tuple[int, bool]:
        saved = await store.save_raw(
            inspection_id="insp-a",
            channel=Channel.SMS,
            provider_id=provider_id,
            sender=SENDER,
            text=TEXT,
            subject=None,
            received_at=NOW,
            payload={"raw": provider_id},
        )
        assert saved.message.provider_id == provider_id and saved.message.sender == SENDER
        return saved.message.pk, saved.duplicate

    [(first_pk, first_dup)] = await asyncio.gather(deliver("SM-old"))
    ids = [f"SM{i}" for i in range(8)] + ["SM3", "SM-old"]
    results = await asyncio.gather(*(deliver(p) for p in ids))
    fresh = [pk for pk, dup in results if not dup]
    assert len(fresh) == len(set(fresh)) == 8
    assert results[8] == (results[3][0], True)  # delivered twice at once: one row, the second a duplicate
    assert results[9] == (first_pk, True) and not first_dup


async def test_urgent_writers_go_before_those_queued_ahead_of_them() -> None:
    turns = WriteTurns()
    order: list[str] = []
    release = asyncio.Event()

    async def write(name: str, *, urgent: bool = False, hold: asyncio.Event | None = None) -> None:
        async with turns.turn(urgent=urgent):
            order.append(name)
            if hold is not None:
                await hold.wait()

    first = asyncio.create_task(write("batch 1", hold=release))
    await asyncio.sleep(0)  # batch 1 holds the turn
    queued = [
        asyncio.create_task(write("batch 2")),
        asyncio.create_task(write("raw a", urgent=True)),
        asyncio.create_task(write("batch 3")),
        asyncio.create_task(write("raw b", urgent=True)),
    ]
    await asyncio.sleep(0)
    assert order == ["batch 1"]  # one writer at a time
    release.set()
    await asyncio.gather(first, *queued)
    assert order == ["batch 1", "raw a", "raw b", "batch 2", "batch 3"]


async def test_a_writer_that_goes_away_does_not_keep_the_turn() -> None:
    turns = WriteTurns()
    release = asyncio.Event()
    done: list[str] = []

    async def write(name: str, *, urgent: bool = False) -> None:
        async with turns.turn(urgent=urgent):
            done.append(name)

    async def holder() -> None:
        async with turns.turn():
            await release.wait()
        # The turn was just handed to `handed`, which has not run yet: it goes away now.
        handed.cancel()

    holding = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiting = asyncio.create_task(write("gone while waiting", urgent=True))
    handed = asyncio.create_task(write("gone when handed the turn"))
    last = asyncio.create_task(write("last"))
    await asyncio.sleep(0)
    waiting.cancel()
    await asyncio.sleep(0)
    release.set()
    await holding
    await asyncio.gather(waiting, handed, return_exceptions=True)
    assert waiting.cancelled() and handed.cancelled()
    await asyncio.wait_for(last, 60)
    assert done == ["last"]
    async with turns.turn():  # free again
        pass
