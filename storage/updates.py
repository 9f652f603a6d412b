"""Telegram updates taken: a redelivered update is claimed once, by one process."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from storage.db import Db, insert_ignoring_conflict
from storage.schema import telegram_updates


class SqlTelegramUpdates:
    """Which Telegram updates were claimed for handling (`intake.ports.UpdateClaims`)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def claim_update(self, bot: str, update_id: int, now: datetime) -> bool:
        """Claim a Telegram update for handling; False when it was claimed before (a redelivery)."""
        async with self._db.write() as conn:
            stmt = (
                insert_ignoring_conflict(conn, telegram_updates, "bot", "update_id")
                .values(bot=bot, update_id=update_id, seen_at=now)
                .returning(telegram_updates.c.update_id)
            )
            return (await conn.execute(stmt)).first() is not None

    async def release_update(self, bot: str, update_id: int) -> None:
        """Forget a claim whose handling failed, so that Telegram's redelivery is handled."""
        async with self._db.write() as conn:
            await conn.execute(
                delete(telegram_updates).where(
                    telegram_updates.c.bot == bot, telegram_updates.c.update_id == update_id
                )
            )

    async def prune_updates(self, before: datetime) -> int:
        """Drop claims older than `before` (Telegram redelivers for a day at most); how many."""
        async with self._db.write() as conn:
            result = await conn.execute(delete(telegram_updates).where(telegram_updates.c.seen_at < before))
        return int(result.rowcount or 0)
