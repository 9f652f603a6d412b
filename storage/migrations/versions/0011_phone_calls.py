"""The duty phone (issue 17): one row a call, keyed by the provider's CallSid, with its recording.

The revision id names the phone so that it stays unique beside other branches' 0008s; the merge
re-chains it after them.

Revision ID: 0008_phone_calls
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_phone_calls"
down_revision: str | Sequence[str] | None = "0008_transfer_identity"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    """Create calls."""
    op.create_table(
        "calls",
        sa.Column("pk", _PK, autoincrement=True, nullable=False),
        sa.Column("call_sid", sa.String(length=64), nullable=False),
        sa.Column("inspection_id", sa.String(length=100), nullable=False),
        sa.Column("called", sa.String(length=32), nullable=True),
        sa.Column("in_hours", sa.Boolean(), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("duration", sa.Integer(), nullable=True),
        sa.Column("report_id", _PK, nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("recording_sid", sa.String(length=64), nullable=True),
        sa.Column("recording_state", sa.String(length=16), server_default="none", nullable=False),
        sa.Column("recording_seconds", sa.Integer(), nullable=True),
        sa.Column("recording_attempts", sa.Integer(), server_default="0", nullable=False),
        sa.Column("recording_next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recording_error", sa.Text(), nullable=True),
        sa.Column("recording_sha256", sa.String(length=64), nullable=True),
        sa.Column("recording_bytes", sa.Integer(), nullable=True),
        sa.Column("recording_type", sa.String(length=64), nullable=True),
        sa.Column("provider_deleted", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.pk"], name=op.f("fk_calls_report_id_reports")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_calls")),
        sa.UniqueConstraint("call_sid", name=op.f("uq_calls_call_sid")),
    )
    op.create_index("ix_calls_report_id", "calls", ["report_id"], unique=False)
    op.create_index("ix_calls_recording_due", "calls", ["recording_state", "recording_next_at"], unique=False)


def downgrade() -> None:
    """Drop what upgrade created."""
    op.drop_index("ix_calls_recording_due", table_name="calls")
    op.drop_index("ix_calls_report_id", table_name="calls")
    op.drop_table("calls")
