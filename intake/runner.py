"""The background runner: every periodic job of a process under one policy.

A job is a name and one round of work (`step`). The runner repeats the round: at once while it
reports more work waiting (the outbox sent something), else after `interval` or as soon as its
`wake` event is set. A round that raises is retried after a delay that doubles with each failure
in a row, up to `MAX_BACKOFF_S`, and is back to `interval` after the first success (or after a
round that ran that long before failing: a connection that held for a while); the log says
the job and the error's class only, never the error's text, which may quote a citizen's message.
A `leader` job runs in one process of the deployment at a time: the one holding the lock of that
name (storage/locks.py, passed in as `leader_lock`); the others look again every `leader_retry_s`
and take over when the holder goes. `aclose()` cancels every job and waits for them to end.

No I/O here: the jobs bring theirs, so bot/ (the channels' jobs) and web/ (the rest) share it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from time import monotonic
from typing import Final

log = logging.getLogger(__name__)

# `async with leader_lock(name) as held`: a deployment-wide lock, held for as long as the block runs.
LeaderLock = Callable[[str], AbstractAsyncContextManager[bool]]

# The longest wait after failures in a row (a database that is down is tried again this often).
MAX_BACKOFF_S: Final = 300.0
# The first wait after a failure of a job whose interval is shorter (a job polled every 0.2 s must
# not retry a broken database five times a second).
MIN_BACKOFF_S: Final = 1.0
# How often a process without a leader job's lock checks whether the holder has gone.
LEADER_RETRY_S: Final = 15.0


@dataclass(frozen=True, slots=True)
class Job:
    """One named background job.

    `step` does one round and returns True when more work is waiting (the next round starts at
    once); anything else it returns (None, a count) means "wait for the next interval".
    `first_after` waits one interval before the first round (a sweep need not run while the
    start's recovery just did its work).
    A step that runs for as long as it can (a long poll, an IMAP session) is a round too: when it
    ends or raises, the policy decides when it is started again."""

    name: str
    step: Callable[[], Awaitable[object]]
    interval: float
    leader: str | None = None
    first_after: bool = False
    wake: asyncio.Event | None = None

    def describe(self) -> str:
        """The job in the start-up list: name, interval, and the lock if leader-only."""
        every = f"every {self.interval:g} s"
        return f"{self.name} ({every}, one process at a time)" if self.leader else f"{self.name} ({every})"


def backoff(interval: float, failures: int) -> float:
    """The wait after `failures` (>= 1) failed rounds in a row."""
    base = max(interval, MIN_BACKOFF_S)
    return float(min(base * 2 ** (failures - 1), MAX_BACKOFF_S))


class Runner:
    """Runs named jobs until closed."""

    def __init__(
        self,
        jobs: Sequence[Job],
        *,
        leader_lock: LeaderLock | None = None,
        leader_retry_s: float = LEADER_RETRY_S,
    ) -> None:
        names = [job.name for job in jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"job names must differ: {names}")
        self.jobs = list(jobs)
        self._leader_lock = leader_lock
        self._leader_retry_s = leader_retry_s
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start every job in the running loop, and say which."""
        listed = "; ".join(job.describe() for job in self.jobs) or "none"
        log.info("background jobs: %s", listed)
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(self._run(job), name=job.name))

    async def wait(self) -> None:
        """Run until cancelled (`petition worker`); the jobs end with this."""
        try:
            await asyncio.gather(*self._tasks)
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Cancel every job and wait until each has ended."""
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self, job: Job) -> None:
        if job.leader is None or self._leader_lock is None:
            await self._repeat(job)
            return
        while True:
            async with self._leader_lock(job.leader) as held:
                if held:
                    log.info("job %s: this process runs it", job.name)
                    await self._repeat(job)
            await asyncio.sleep(self._leader_retry_s)

    async def _repeat(self, job: Job) -> None:
        """Run `job`'s rounds under the policy until cancelled."""
        failures = 0
        if job.first_after:
            await self._pause(job, job.interval)
        while True:
            started = monotonic()
            try:
                more = await job.step() is True
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if monotonic() - started >= MAX_BACKOFF_S:
                    # A long round (an IMAP session, a long poll) that worked for a while before it
                    # failed starts the count again: its failures are not in a row.
                    failures = 0
                failures += 1
                delay = backoff(job.interval, failures)
                log.warning(
                    "job %s failed (%s, %d in a row); next try in %g s",
                    job.name,
                    exc.__class__.__name__,
                    failures,
                    delay,
                )
                # The traceback for debugging only: an error's text may quote what it was handling.
                log.debug("job %s failure", job.name, exc_info=True)
                await asyncio.sleep(delay)
                continue
            if failures:
                log.info("job %s recovered after %d failures", job.name, failures)
                failures = 0
            if not more:
                await self._pause(job, job.interval)

    @staticmethod
    async def _pause(job: Job, seconds: float) -> None:
        if job.wake is None:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(job.wake.wait(), timeout=seconds)
        job.wake.clear()
