"""Durable SMS opt-outs, the outbox's provider-id index and the daily digest's run per day.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create opt_outs and digest_runs; index outbox.provider_id."""
    op.create_table(
        "opt_outs",
        sa.Column(
            "pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False
        ),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("sender_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_opt_outs")),
        sa.UniqueConstraint("channel", "sender_hash", name=op.f("uq_opt_outs_channel_sender_hash")),
    )
    op.create_index("ix_outbox_provider_id", "outbox", ["provider_id"], unique=False)
    op.create_table(
        "digest_runs",
        sa.Column("inspection_id", sa.String(length=100), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("inspection_id", "day", name=op.f("pk_digest_runs")),
    )


def downgrade() -> None:
    """Drop what upgrade created."""
    op.drop_table("digest_runs")
    op.drop_index("ix_outbox_provider_id", table_name="outbox")
    op.drop_table("opt_outs")
