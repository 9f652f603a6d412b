"""The daily digest on its schedule: once a day per inspection at the local hour, whatever the number
of processes, with an injected clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, time

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from intake.models import Channel
from storage.outbox import outbox_item
from storage.schema import digest_runs, outbox
from tests.fakes.store import FollowupStore, whole
from web.app import background_jobs, build_runtime
from web.runtime import Runtime
from web.schedule import DigestScheduler
from web.settings import Settings


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


async def _digest_mails(rt: Runtime) -> list[str]:
    store = whole(rt)
    assert isinstance(store, FollowupStore)
    async with store.engine.connect() as conn:
        rows = (await conn.execute(select(outbox).where(outbox.c.kind == "digest"))).mappings().all()
    return sorted(outbox_item(store.db, r).recipient for r in rows)


async def _runs(rt: Runtime) -> int:
    store = whole(rt)
    assert isinstance(store, FollowupStore)
    async with store.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(digest_runs))).scalar_one())


async def test_digest_is_queued_once_a_day_at_the_local_hour_by_one_of_two_processes(
    settings: Settings,
) -> None:
    # 23:59 UTC on 30 June is 07:59 on 1 July in Beijing, the bundled inspections' time zone.
    clock = Clock(datetime(2025, 6, 30, 23, 59, tzinfo=UTC))
    first = await build_runtime(settings, clock=clock)
    second = await build_runtime(settings, clock=clock)  # another process on the same database
    try:
        ids = sorted(first.inspections)
        at = time(8, 0)
        a, b = DigestScheduler(first, at, clock), DigestScheduler(second, at, clock)
        assert await a.run_due() == [] and await b.run_due() == []

        clock.moment = datetime(2025, 7, 1, 0, 0, tzinfo=UTC)  # 08:00 in Beijing
        queued = await asyncio.gather(a.run_due(), b.run_due())
        assert sorted(queued[0] + queued[1]) == ids  # each inspection once, by either process
        # The inspections whose file names a team address get the mail; the others only the record.
        assert await _digest_mails(first) == ["mzxc1@example.org", "sw1zxs@example.org"]
        assert await _runs(first) == len(ids)

        clock.moment = datetime(2025, 7, 1, 9, 0, tzinfo=UTC)  # 17:00: later the same day
        assert await a.run_due() == [] and await b.run_due() == []
        clock.moment = datetime(2025, 7, 1, 23, 30, tzinfo=UTC)  # 07:30 on 2 July: not yet
        assert await a.run_due() == []
        clock.moment = datetime(2025, 7, 2, 4, 0, tzinfo=UTC)  # 12:00 on 2 July: started late, sent now
        assert sorted(await b.run_due()) == ids
        assert await a.run_due() == []
        assert len(await _digest_mails(first)) == 4
        entries = [e for e in await whole(first).audit_entries(limit=50) if e.action == "digest.queued"]
        assert sorted((e.detail["inspection"], e.detail["day"]) for e in entries) == sorted(
            (i, d) for i in ids for d in ("2025-07-01", "2025-07-02")
        )
        # The mail carries tracking numbers and counts, never a reporter: here it says there is nothing.
        store = whole(first)
        assert isinstance(store, FollowupStore)
        [mail, *_] = [i for i in await store.claim_outbox(clock.now(), 10) if i.kind == "digest"]
        assert mail.channel is Channel.EMAIL and "每日提醒" in mail.text
    finally:
        await first.stores.close()
        await second.stores.close()


async def test_digest_hour_setting(settings: Settings) -> None:
    assert settings.digest_time() == time(8, 0)
    assert Settings(digest_at="18:30", _env_file=None).digest_time() == time(18, 30)  # type: ignore[call-arg]
    assert Settings(digest_at="off", _env_file=None).digest_time() is None  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Settings(digest_at="25:00", _env_file=None)  # type: ignore[call-arg]
    mail = {"smtp_url": "smtp://127.0.0.1:2525", "mail_from": "xuncha@example.org"}
    rt = await build_runtime(settings.model_copy(update=mail))
    try:
        for update, expected in (
            ({}, ["digest", "outbox", "sweep"]),
            ({"digest_at": "off"}, ["outbox", "sweep"]),
            # Without outbound mail nobody would receive it: not scheduled.
            ({"smtp_url": None}, ["outbox", "sweep"]),
        ):
            rt.settings = settings.model_copy(update={**mail, **update})
            jobs = background_jobs(rt)
            assert sorted(job.name for job in jobs) == expected, update
    finally:
        await rt.stores.close()
