"""The background runner: backoff and recovery, shutdown, and leader-only jobs across processes."""

from __future__ import annotations

import asyncio
import functools
import logging

import pytest

from intake.runner import MAX_BACKOFF_S, Job, Runner, backoff
from storage.engine import make_engine
from storage.locks import try_singleton_lock


def test_backoff_doubles_from_the_interval_up_to_the_cap() -> None:
    assert [backoff(2.0, n) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    # A job polled five times a second does not retry a broken database at that pace.
    assert backoff(0.2, 1) == 1.0
    assert backoff(60.0, 30) == MAX_BACKOFF_S


async def test_a_failing_job_backs_off_then_recovers(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def recorded_sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    monkeypatch.setattr("intake.runner.asyncio.sleep", recorded_sleep)
    rounds: list[str] = []
    done = asyncio.Event()

    async def step() -> bool:
        rounds.append("round")
        if len(rounds) <= 3:
            raise ConnectionError("告发 张三 13912345678")  # text that must not reach the log
        if len(rounds) == 5:
            done.set()
        return False

    runner = Runner([Job("sweep", step, interval=2.0)])
    with caplog.at_level(logging.INFO, logger="intake.runner"):
        runner.start()
        await asyncio.wait_for(done.wait(), 5)
        await runner.aclose()
    # Three failures: 2, 4, 8 s; then the success waits its plain interval again.
    assert waits[:4] == [2.0, 4.0, 8.0, 2.0]
    assert "job sweep recovered after 3 failures" in caplog.text
    assert "ConnectionError" in caplog.text
    assert "张三" not in caplog.text and "13912345678" not in caplog.text


async def test_a_long_round_that_fails_starts_the_count_again(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    real_sleep = asyncio.sleep

    async def recorded_sleep(seconds: float) -> None:
        waits.append(seconds)
        await real_sleep(0)

    ticks = iter(range(0, 10**6, 400))  # every round "lasts" 400 s: a connection that held
    monkeypatch.setattr("intake.runner.asyncio.sleep", recorded_sleep)
    monkeypatch.setattr("intake.runner.monotonic", lambda: float(next(ticks)))
    rounds = 0
    done = asyncio.Event()

    async def session() -> None:
        nonlocal rounds
        rounds += 1
        if rounds == 4:
            done.set()
        raise ConnectionResetError

    runner = Runner([Job("imap", session, interval=30.0)])
    runner.start()
    await asyncio.wait_for(done.wait(), 5)
    await runner.aclose()
    assert waits[:3] == [30.0, 30.0, 30.0]


async def test_more_work_runs_the_next_round_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[str] = []
    real_sleep = asyncio.sleep

    async def recorded_sleep(seconds: float) -> None:
        events.append(f"wait {seconds:g}")
        await real_sleep(0)

    monkeypatch.setattr("intake.runner.asyncio.sleep", recorded_sleep)
    batches = [50, 50, 3, 0]
    done = asyncio.Event()

    async def step() -> bool:
        if not batches:
            done.set()
            return False
        taken = batches.pop(0)
        events.append(f"took {taken}")
        # A full batch says more may be waiting; a count alone is not taken for "more".
        return taken == 50

    runner = Runner([Job("outbox", step, interval=1.0)])
    runner.start()
    await asyncio.wait_for(done.wait(), 5)
    await runner.aclose()
    assert events[:6] == ["took 50", "took 50", "took 3", "wait 1", "took 0", "wait 1"]


async def test_shutdown_cancels_every_job(caplog: pytest.LogCaptureFixture) -> None:
    started = [asyncio.Event() for _ in range(3)]
    cancelled: list[str] = []

    def forever(i: int) -> Job:
        async def step() -> None:
            started[i].set()
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                cancelled.append(f"job{i}")
                raise

        return Job(f"job{i}", step, interval=1.0)

    runner = Runner([forever(i) for i in range(3)])
    with caplog.at_level(logging.INFO, logger="intake.runner"):
        runner.start()
    assert "background jobs: job0 (every 1 s); job1 (every 1 s); job2 (every 1 s)" in caplog.text
    for event in started:
        await asyncio.wait_for(event.wait(), 5)
    await asyncio.wait_for(runner.aclose(), 5)
    assert sorted(cancelled) == ["job0", "job1", "job2"]
    assert all(task.done() for task in asyncio.all_tasks() if task.get_name().startswith("job"))


def test_job_names_must_differ() -> None:
    async def step() -> None: ...

    with pytest.raises(ValueError):
        Runner([Job("sweep", step, 1.0), Job("sweep", step, 1.0)])


async def test_a_leader_job_runs_in_one_of_two_runners_and_the_other_takes_over(db_url: str) -> None:
    engines = [make_engine(db_url), make_engine(db_url)]
    running = [asyncio.Event(), asyncio.Event()]
    rounds = [0, 0]

    def job(i: int) -> Job:
        async def step() -> bool:
            running[i].set()
            rounds[i] += 1
            return False

        return Job("polling", step, interval=0.01, leader="test-runner-polling")

    runners = [
        Runner([job(i)], leader_lock=functools.partial(try_singleton_lock, e), leader_retry_s=0.05)
        for i, e in enumerate(engines)
    ]
    try:
        for runner in runners:
            runner.start()
        waits = [asyncio.create_task(r.wait()) for r in running]
        await asyncio.wait(waits, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        await asyncio.sleep(0.3)  # several retries of the runner without the lock
        assert [r.is_set() for r in running].count(True) == 1
        leader = 0 if running[0].is_set() else 1
        assert rounds[leader] > 1 and rounds[1 - leader] == 0

        # The leading process stops: the other takes the lock and runs the job.
        await runners[leader].aclose()
        await asyncio.wait_for(running[1 - leader].wait(), 5)
        for w in waits:
            w.cancel()
    finally:
        for runner in runners:
            await runner.aclose()
        for e in engines:
            await e.dispose()
