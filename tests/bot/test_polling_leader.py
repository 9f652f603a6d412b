"""Telegram polling runs in one process of a deployment: the database lock decides which."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable
from typing import Any, cast

from bot.conversation import TelegramConversation
from bot.registry import TELEGRAM_POLLING_LOCK, Channels
from bot.telegram import TelegramSender
from intake.flow import ChannelIntake
from intake.runner import Runner
from storage.engine import make_engine
from storage.locks import try_singleton_lock


class _Conversation:
    async def sweep(self) -> int:
        return 0


class _Poller:
    """Stands in for TelegramSender.poll: records that it polls, until told to stop."""

    def __init__(self) -> None:
        self.polling = asyncio.Event()
        self.stop = asyncio.Event()

    async def poll(self, handle: Callable[[dict[str, Any]], Awaitable[None]], **_: object) -> None:
        self.polling.set()
        await self.stop.wait()


def _runner(poller: _Poller, engine: Any) -> Runner:
    channels = Channels(
        intake=cast(ChannelIntake, None),
        telegram=cast(TelegramConversation, _Conversation()),
        telegram_sender=cast(TelegramSender, poller),
        polling=True,
    )
    jobs = {job.name: job for job in channels.jobs()}
    assert sorted(jobs) == ["telegram-polling", "telegram-sweeper"]
    assert jobs["telegram-polling"].leader == TELEGRAM_POLLING_LOCK
    assert jobs["telegram-sweeper"].leader is None  # every process files its chats' idle drafts
    return Runner(
        list(jobs.values()), leader_lock=functools.partial(try_singleton_lock, engine), leader_retry_s=0.05
    )


async def test_only_one_process_polls_and_another_takes_over(db_url: str) -> None:
    engines = [make_engine(db_url), make_engine(db_url)]
    pollers = [_Poller(), _Poller()]
    runners = [_runner(p, e) for p, e in zip(pollers, engines, strict=True)]
    try:
        for runner in runners:
            runner.start()
        waits = [asyncio.create_task(p.polling.wait()) for p in pollers]
        await asyncio.wait(waits, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.sleep(0.3)  # several retries of the process that lost
        assert [p.polling.is_set() for p in pollers].count(True) == 1
        leader = 0 if pollers[0].polling.is_set() else 1

        # The polling process stops (shut down, or its connection gone): the other takes over.
        await runners[leader].aclose()
        await asyncio.wait_for(pollers[1 - leader].polling.wait(), 5)
        for w in waits:
            w.cancel()
    finally:
        for runner in runners:
            await runner.aclose()
        for e in engines:
            await e.dispose()
