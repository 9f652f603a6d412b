"""Group commit: rows that webhooks hand in at the same moment are committed in one transaction.

Every webhook must have its raw message committed before it answers. Done one by one, each pays a
whole transaction (connection, BEGIN IMMEDIATE, INSERT, COMMIT, the file check, several hops to
the database thread) and, on SQLite, waits for the one write lock in turn. Here the first caller
starts a writer task; whoever arrives while it writes waits for the next batch, which takes them
all at once. A quiet hour commits each row at once; a burst commits dozens per transaction. Each
caller still returns only after the commit that holds its row, or raises what that commit raised.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Final, Generic, TypeVar

In = TypeVar("In")
Out = TypeVar("Out")

# A larger batch keeps the write lock longer, which the other writers wait for.
MAX_BATCH: Final = 64


class GroupCommit(Generic[In, Out]):
    """Calls `write(batch)` (one transaction, results in the batch's order) for waiting items."""

    def __init__(
        self, write: Callable[[Sequence[In]], Awaitable[Sequence[Out]]], *, max_batch: int = MAX_BATCH
    ):
        self._write = write
        self._max_batch = max_batch
        self._pending: list[tuple[In, asyncio.Future[Out]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: In) -> Out:
        """Commit `item` with whatever else is waiting; its result once committed."""
        future: asyncio.Future[Out] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._drain(), name="group-commit")
        # shield: a caller that goes away (the provider hung up) does not cancel the others' batch.
        return await asyncio.shield(future)

    async def _drain(self) -> None:
        while self._pending:
            batch = self._pending[: self._max_batch]
            del self._pending[: self._max_batch]
            try:
                results = await self._write([item for item, _ in batch])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)


class WriteTurns:
    """One writer at a time (SQLite's one write lock, taken in this process without its busy
    handler's sleeps), and `urgent` writers first: a webhook's raw commit, which its answer waits
    for, goes before the report batches and outbox updates queued ahead of it. Within each class,
    first come first served; a batch waits at most for the urgent commits queued meanwhile."""

    def __init__(self) -> None:
        self._held = False
        self._urgent: deque[asyncio.Future[None]] = deque()
        self._other: deque[asyncio.Future[None]] = deque()

    @contextlib.asynccontextmanager
    async def turn(self, *, urgent: bool = False) -> AsyncIterator[None]:
        """Hold the write turn for the block."""
        if self._held or self._urgent or self._other:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            queue = self._urgent if urgent else self._other
            queue.append(waiter)
            try:
                await waiter
            except asyncio.CancelledError:
                if waiter.done() and not waiter.cancelled():
                    self._pass_on()  # handed the turn just as the caller went away
                else:
                    queue.remove(waiter)
                raise
        else:
            self._held = True
        try:
            yield
        finally:
            self._pass_on()

    def _pass_on(self) -> None:
        for queue in (self._urgent, self._other):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the turn goes straight to it: still held
                    return
        self._held = False
