"""Following transfers to their end: the body's replies (transfer_events) and the result columns.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pk() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the transfer's result columns, the deadline index and the events table."""
    op.add_column("transfers", sa.Column("result", sa.Text(), nullable=True))
    op.add_column("transfers", sa.Column("feedback_at", _ts(), nullable=True))
    op.add_column("transfers", sa.Column("closed_at", _ts(), nullable=True))
    op.create_index("ix_transfers_deadline", "transfers", ["state", "deadline"], unique=False)
    op.create_table(
        "transfer_events",
        sa.Column("pk", _pk(), autoincrement=True, nullable=False),
        sa.Column("transfer_id", _pk(), nullable=False),
        sa.Column("report_id", _pk(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("documents", sa.JSON(), nullable=True),
        sa.Column("message_id", _pk(), nullable=True),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.ForeignKeyConstraint(
            ["transfer_id"], ["transfers.pk"], name=op.f("fk_transfer_events_transfer_id_transfers")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.pk"], name=op.f("fk_transfer_events_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_transfer_events")),
    )
    op.create_index("ix_transfer_events_transfer_id", "transfer_events", ["transfer_id"], unique=False)


def downgrade() -> None:
    """Drop the events table, the index and the result columns."""
    op.drop_index("ix_transfer_events_transfer_id", table_name="transfer_events")
    op.drop_table("transfer_events")
    op.drop_index("ix_transfers_deadline", table_name="transfers")
    with op.batch_alter_table("transfers") as batch:
        batch.drop_column("closed_at")
        batch.drop_column("feedback_at")
        batch.drop_column("result")
