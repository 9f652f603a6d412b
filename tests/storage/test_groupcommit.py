"""Webhooks' raw messages arriving together are committed together, each answered with its own row."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from intake.models import Channel
from storage.groupcommit import GroupCommit
from storage.store import SqlReportStore
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
