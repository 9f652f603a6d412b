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
from collections.abc import Awaitable, Callable, Sequence
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
