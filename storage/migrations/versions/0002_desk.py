"""The duty officers' desk: users, API tokens, notes, transfers, the directory, report desk columns.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pk() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add the desk's tables and the report columns it needs."""
    op.create_table(
        "users",
        sa.Column("pk", _pk(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_failure", _ts(), nullable=True),
        sa.Column("disabled", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("inspections", sa.Text(), server_default="*", nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("pk", _pk(), autoincrement=True, nullable=False),
        sa.Column("user_id", _pk(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("last_used_at", _ts(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.pk"], name=op.f("fk_api_tokens_user_id_users")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.add_column("reports", sa.Column("assignee", sa.String(length=100), nullable=True))
    op.add_column("reports", sa.Column("merged_into", _pk(), nullable=True))
    op.add_column("reports", sa.Column("priority", sa.Integer(), server_default="2", nullable=False))
    op.create_index(
        "ix_reports_queue", "reports", ["inspection_id", "priority", "created_at", "pk"], unique=False
    )
    op.create_index("ix_reports_assignee", "reports", ["assignee"], unique=False)
    op.create_table(
        "notes",
        sa.Column("pk", _pk(), autoincrement=True, nullable=False),
        sa.Column("report_id", _pk(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.pk"], name=op.f("fk_notes_report_id_reports")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_notes")),
    )
    op.create_index("ix_notes_report_id", "notes", ["report_id"], unique=False)
    op.create_table(
        "transfers",
        sa.Column("pk", _pk(), autoincrement=True, nullable=False),
        sa.Column("report_id", _pk(), nullable=False),
        sa.Column("inspection_id", sa.String(length=100), nullable=False),
        sa.Column("number", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("body_name", sa.String(length=200), nullable=False),
        sa.Column("body_email", sa.String(length=320), nullable=True),
        sa.Column("matter", sa.Text(), nullable=False),
        sa.Column("identity_released", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("deadline", _ts(), nullable=False),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.ForeignKeyConstraint(["report_id"], ["reports.pk"], name=op.f("fk_transfers_report_id_reports")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_transfers")),
        sa.UniqueConstraint("number", name=op.f("uq_transfers_number")),
    )
    op.create_index("ix_transfers_report_id", "transfers", ["report_id"], unique=False)
    op.create_index("ix_transfers_inspection_state", "transfers", ["inspection_id", "state"], unique=False)
    op.create_table(
        "directory",
        sa.Column("pk", _pk(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("region", sa.String(length=6), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("updated_at", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_directory")),
        sa.UniqueConstraint("kind", "region", name=op.f("uq_directory_kind_region")),
    )


def downgrade() -> None:
    """Drop what upgrade added."""
    op.drop_table("directory")
    op.drop_index("ix_transfers_inspection_state", table_name="transfers")
    op.drop_index("ix_transfers_report_id", table_name="transfers")
    op.drop_table("transfers")
    op.drop_index("ix_notes_report_id", table_name="notes")
    op.drop_table("notes")
    op.drop_index("ix_reports_assignee", table_name="reports")
    op.drop_index("ix_reports_queue", table_name="reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("priority")
        batch.drop_column("merged_into")
        batch.drop_column("assignee")
    op.drop_table("api_tokens")
    op.drop_table("users")
