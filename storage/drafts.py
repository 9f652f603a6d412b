"""Conversation state of chats (table `conversation_drafts`, migration 0012_conversation_drafts).

The state is an opaque JSON object of the conversation (`intake/drafts.py` says what is in it),
sealed as one text like a message's payload: it holds the citizen's words and contact details.
A chat is found by a keyed hash of its id, so the id is never stored in clear either.

Every write names the version it read: a process that read a chat's state before another process
changed it fails with `DraftConflict` (a `StorageError`: the webhook answers 503, the provider
delivers the update again, and the retry reads the new state) instead of overwriting it.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, Final

from sqlalchemy import and_, delete, insert, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from intake.drafts import StoredChat
from intake.errors import StorageError
from storage.crypto import SealingCodec
from storage.db import TextCodec
from storage.engine import IMMEDIATE
from storage.schema import conversation_drafts

_DB_ERRORS: Final = (DBAPIError, PoolTimeoutError, DisconnectionError, OSError)
_T = conversation_drafts


class DraftConflict(StorageError):
    """Another process changed the chat's state since it was read."""


class SqlConversationDrafts:
    """Chats' conversation state in the service's database, sealed with the service's codec."""

    def __init__(self, engine: AsyncEngine, codec: TextCodec) -> None:
        self._engine = engine
        self._codec = codec

    @asynccontextmanager
    async def _conn(self, *, write: bool) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.connect() as conn:
                if write:
                    await conn.execution_options(**{IMMEDIATE: True})
                async with conn.begin():
                    yield conn
        except IntegrityError as exc:  # two processes created the same chat's row at once
            raise DraftConflict("conversation state written by another process") from exc
        except _DB_ERRORS as exc:
            raise StorageError(f"conversation state: {exc.__class__.__name__}") from exc

    def _stored(self, row: RowMapping) -> StoredChat:
        sealed: dict[str, Any] = json.loads(self._codec.unseal(row["state"]))
        return StoredChat(sealed["chat"], sealed["state"], row["version"])

    async def load(self, bot: str, chat: str) -> StoredChat | None:
        """The chat's state, or None when nothing is kept for it."""
        where = and_(_T.c.bot == bot, _T.c.chat_key == self._codec.lookup(chat))
        async with self._conn(write=False) as conn:
            row = (await conn.execute(select(_T).where(where))).mappings().first()
        return None if row is None else self._stored(row)

    async def save(
        self,
        bot: str,
        chat: str,
        state: dict[str, Any],
        *,
        last_at: datetime | None,
        now: datetime,
        version: int | None,
    ) -> None:
        """Write the chat's state over the `version` read (None: there was no row). `last_at` is the
        time of the open draft's last activity, None when no draft is open."""
        key = self._codec.lookup(chat)
        sealed = self._codec.seal(json.dumps({"chat": chat, "state": state}, ensure_ascii=False))
        values = {"state": sealed, "last_at": last_at, "updated_at": now}
        async with self._conn(write=True) as conn:
            if version is None:
                await conn.execute(insert(_T).values(bot=bot, chat_key=key, version=1, **values))
                return
            result = await conn.execute(
                update(_T)
                .where(_T.c.bot == bot, _T.c.chat_key == key, _T.c.version == version)
                .values(version=version + 1, **values)
            )
        if result.rowcount != 1:
            raise DraftConflict("conversation state changed by another process")

    async def delete(self, bot: str, chat: str, *, version: int) -> None:
        """Forget the chat's state as read at `version`."""
        key = self._codec.lookup(chat)
        async with self._conn(write=True) as conn:
            result = await conn.execute(
                delete(_T).where(_T.c.bot == bot, _T.c.chat_key == key, _T.c.version == version)
            )
        if result.rowcount != 1:
            raise DraftConflict("conversation state changed by another process")

    async def idle(self, bot: str, before: datetime) -> list[StoredChat]:
        """The chats whose open draft saw nothing since `before`, oldest first."""
        stmt = select(_T).where(_T.c.bot == bot, _T.c.last_at < before).order_by(_T.c.last_at)
        async with self._conn(write=False) as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [self._stored(row) for row in rows]

    async def prune(self, bot: str, before: datetime) -> int:
        """Forget the chats without an open draft whose state was last written before `before`."""
        async with self._conn(write=True) as conn:
            result = await conn.execute(
                delete(_T).where(_T.c.bot == bot, _T.c.last_at.is_(None), _T.c.updated_at < before)
            )
        return int(result.rowcount or 0)


async def reseal_drafts(engine: AsyncEngine, codec: SealingCodec) -> tuple[int, int]:
    """Seal every chat's state with the codec's current key and recompute its chat key (the
    lookup key changes with the data key); (rows read, rows rewritten). Drafts are few and short
    lived: one transaction."""
    rewritten = 0
    async with engine.begin() as conn:
        rows = (await conn.execute(select(_T))).mappings().all()
        for row in rows:
            document = codec.unseal(row["state"])
            key = codec.lookup(json.loads(document)["chat"])
            if key == row["chat_key"] and codec.sealed_with_current(row["state"]):
                continue
            await conn.execute(
                update(_T)
                .where(_T.c.bot == row["bot"], _T.c.chat_key == row["chat_key"])
                .values(chat_key=key, state=codec.seal(document))
            )
            rewritten += 1
    return len(rows), rewritten
