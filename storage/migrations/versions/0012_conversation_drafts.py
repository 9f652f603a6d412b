"""Telegram conversation drafts in the database, so any process can continue any chat (issue 14).

Revision ID: 0012_conversation_drafts
Revises: 0008_phone_calls
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_conversation_drafts"
down_revision: str | Sequence[str] | None = "0008_phone_calls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create conversation_drafts (bot, chat_key) with the sealed state, and an index for the sweep."""
    op.create_table(
        "conversation_drafts",
        sa.Column("bot", sa.String(length=32), nullable=False),
        sa.Column("chat_key", sa.String(length=64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("bot", "chat_key", name=op.f("pk_conversation_drafts")),
    )
    op.create_index("ix_conversation_drafts_last_at", "conversation_drafts", ["bot", "last_at"], unique=False)


def downgrade() -> None:
    """Drop what upgrade created."""
    op.drop_index("ix_conversation_drafts_last_at", table_name="conversation_drafts")
    op.drop_table("conversation_drafts")
