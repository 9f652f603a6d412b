"""Telegram update ids already taken, so a redelivered button press or /start acts once.

Revision ID: 0008_telegram_updates
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_telegram_updates"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create telegram_updates (bot, update_id, seen_at) with an index for pruning."""
    op.create_table(
        "telegram_updates",
        sa.Column("bot", sa.String(length=32), nullable=False),
        sa.Column("update_id", sa.BigInteger(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("bot", "update_id", name=op.f("pk_telegram_updates")),
    )
    op.create_index("ix_telegram_updates_seen_at", "telegram_updates", ["seen_at"], unique=False)


def downgrade() -> None:
    """Drop what upgrade created."""
    op.drop_index("ix_telegram_updates_seen_at", table_name="telegram_updates")
    op.drop_table("telegram_updates")
