"""Messages a webhook has committed, processed moments later and in batches.

The webhook answers the provider as soon as the raw message is committed (that commit is what
its 200 promises). Deciding, numbering and queueing the acknowledgement follow here, for every
message that arrived in the meantime at once: one transaction with a dozen statements per batch
instead of a dozen per message. That is what lets one process keep up with a burst, and keeps
the provider's wait (Twilio gives up after 15 s) short whatever the database is doing.

Nothing is lost if the process dies in between: a committed message without a report is taken
by the next start's recovery or by the running service's sweep (`IntakeService.sweep`), and every
step after the commit is idempotent per message, so a message taken twice opens one report.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Final

from intake.errors import StorageError
from intake.models import Channel
from intake.ports import MessageStore, RawMessage

log = logging.getLogger(__name__)

# A batch larger than this is split: one transaction stays short, and the locks with it (on
# SQLite the whole database's write lock, which the webhooks wait for).
MAX_BATCH: Final = 50

# On shutdown, how long what is queued may still be processed before the rest is left to recovery.
CLOSE_WAIT_S: Final = 10.0

# How long a batch that is not full may wait for more messages before it is processed (SmsIntake's
# setting). A batch has a fixed cost (some 70 hops to the database thread) whatever its size: measured
# by bench.process_cost, 14.1 ms of CPU a message in batches of one, 5.5 in fives, 2.0 in fifties;
# at a steady 100 messages/s batches were of one or two. The report is opened this much later; the
# webhook's answer does not wait for it.
LINGER_S: Final = 0.1

# Backpressure: a webhook whose message leaves more than this many committed messages waiting here
# is answered once the queue is below it again, at most `ROOM_WAIT_S` later. Its answer waits for
# the processing to catch up, its message is committed already. Without it, on SQLite the webhooks
# (their commit is one trip to a database thread) were answered at 800/s while one core processed
# 200/s, and the queue grew without bound: memory, and reports opened minutes late.
MAX_PENDING: Final = 10 * MAX_BATCH
ROOM_WAIT_S: Final = 10.0  # Twilio gives up on an answer after 15 s

ProcessBatch = Callable[[Sequence[RawMessage]], Awaitable[object]]


class DeferredIntake:
    """An in-process queue of committed messages and the one task that processes it.

    Batches form by themselves: while one is being written, the next arrivals wait and are taken
    together, so a quiet hour processes each message at once and a burst in large batches. With
    `linger`, a batch that is not full waits that long for more first (`LINGER_S`)."""

    def __init__(
        self,
        process: ProcessBatch,
        *,
        max_batch: int = MAX_BATCH,
        linger: float = 0.0,
        max_pending: int = MAX_PENDING,
    ) -> None:
        self._process = process
        self._max_batch = max_batch
        self._linger = linger
        self._max_pending = max_pending
        self._room = asyncio.Event()
        self._room.set()
        self._full = asyncio.Event()
        self._pending: list[RawMessage] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._task: asyncio.Task[None] | None = None

    @property
    def pending(self) -> int:
        """How many committed messages wait to be processed in this process."""
        return len(self._pending)

    def put(self, raw: RawMessage) -> None:
        """Queue a committed message; the processing task starts on first use, in the caller's loop."""
        self._pending.append(raw)
        self._idle.clear()
        self._wake.set()
        if len(self._pending) >= self._max_batch:
            self._full.set()
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run(), name="deferred-intake")

    async def room(self) -> None:
        """Wait while `max_pending` or more messages are queued (at most `ROOM_WAIT_S`)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(ROOM_WAIT_S):
                while len(self._pending) >= self._max_pending:
                    self._room.clear()
                    await self._room.wait()

    async def drain(self) -> None:
        """Wait until everything queued so far has been processed (or given up on)."""
        await self._idle.wait()

    async def aclose(self) -> None:
        """Process what is queued (for at most `CLOSE_WAIT_S`), then stop the task. What is left
        stays committed and is recovered at the next start."""
        if self._task is None:
            return
        # What lingers is taken now, without waiting for company; nobody waits for room.
        self._linger = 0.0
        self._max_pending = sys.maxsize
        self._room.set()
        self._full.set()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_WAIT_S):
                await self.drain()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        if self._pending:
            log.warning("%d committed messages left for recovery at the next start", len(self._pending))

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                if self._linger > 0 and len(self._pending) < self._max_batch:
                    await self._fill()
                batch = self._pending[: self._max_batch]
                del self._pending[: self._max_batch]
                if len(self._pending) < self._max_pending:
                    self._room.set()
                await self._take(batch)
            self._idle.set()

    async def _fill(self) -> None:
        """Wait up to `linger` for the batch to fill."""
        self._full.clear()
        if len(self._pending) >= self._max_batch:
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._linger):
                await self._full.wait()

    async def _take(self, batch: list[RawMessage]) -> None:
        try:
            await process_isolating_failures(self._process, batch)
        except StorageError as exc:
            # The messages stay committed without a report: the sweep takes them when the database
            # is back. Nothing personal in the line: provider ids are the providers' own.
            log.warning("%d committed messages not processed (%s); left for the sweep", len(batch), exc)


async def process_isolating_failures(process: ProcessBatch, batch: Sequence[RawMessage]) -> list[RawMessage]:
    """Process `batch` at once; if the pipeline fails on it, one message at a time, so that one
    message it cannot take does not hold back the others. Returns the messages that failed on
    their own (logged). A database failure (StorageError) is raised: it would fail them all."""
    try:
        await process(batch)
        return []
    except StorageError:
        raise
    except Exception:
        if len(batch) == 1:
            log.exception("committed message %d could not be processed", batch[0].pk)
            return list(batch)
    failed: list[RawMessage] = []
    for raw in batch:
        failed += await process_isolating_failures(process, [raw])
    return failed


# How often a worker looks for committed messages when the last look found none.
POLL_INTERVAL_S: Final = 0.2


class PolledIntake:
    """The worker-side alternative to `DeferredIntake` (`PETITION_INTAKE_PROCESSING=worker`): the
    serving processes only commit, and this takes committed messages of `channel` from the
    database, oldest first, in batches. One worker at a time holds the job (a deployment-wide
    lock), so two never take the same batch."""

    def __init__(
        self,
        messages: MessageStore,
        process: ProcessBatch,
        *,
        channel: Channel = Channel.SMS,
        max_batch: int = MAX_BATCH,
        interval: float = POLL_INTERVAL_S,
    ) -> None:
        self._messages = messages
        self._process = process
        self._channel = channel
        self._max_batch = max_batch
        self._interval = interval
        # Messages the pipeline failed on: skipped from then on (the sweep tries them again, and
        # logs them), so that they cannot fill every batch and hold back the messages behind them.
        self._failed: set[int] = set()

    async def _batch(self) -> list[RawMessage]:
        found = await self._messages.unprocessed_messages(
            limit=self._max_batch + len(self._failed), channels={self._channel}
        )
        return [raw for raw in found if raw.pk not in self._failed][: self._max_batch]

    async def run_once(self) -> int:
        """Process one batch of committed messages; returns how many were taken."""
        batch = await self._batch()
        if batch:
            failed = await process_isolating_failures(self._process, batch)
            self._failed.update(raw.pk for raw in failed)
        return len(batch)

    async def run_forever(self) -> None:
        """Take batches until cancelled; wait `interval` whenever there is nothing to take."""
        while True:
            try:
                taken = await self.run_once()
            except StorageError as exc:
                log.warning("committed messages not processed (%s); trying again", exc)
                taken = 0
            if not taken:
                await asyncio.sleep(self._interval)
