"""Sign-in throttle per (name, address) instead of the account lockout, and server-side desk sessions.

Revision ID: 0008_auth
Revises: 0007
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_auth"
down_revision: str | Sequence[str] | None = "0008_telegram_updates"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _pk() -> sa.types.TypeEngine[int]:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _ts() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add sign_in_throttle and desk_sessions; drop the per-account lockout columns of users."""
    op.create_table(
        "sign_in_throttle",
        sa.Column("pk", _pk(), autoincrement=True, nullable=False),
        sa.Column("name_hash", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("blocked_until", _ts(), nullable=True),
        sa.Column("last_attempt", _ts(), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_sign_in_throttle")),
        sa.UniqueConstraint("name_hash", "client", name=op.f("uq_sign_in_throttle_name_hash_client")),
    )
    op.create_index("ix_sign_in_throttle_last_attempt", "sign_in_throttle", ["last_attempt"], unique=False)
    op.create_table(
        "desk_sessions",
        sa.Column("pk", _pk(), autoincrement=True, nullable=False),
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", _pk(), nullable=False),
        sa.Column("created_at", _ts(), nullable=False),
        sa.Column("expires_at", _ts(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.pk"], name=op.f("fk_desk_sessions_user_id_users")),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_desk_sessions")),
        sa.UniqueConstraint("session_hash", name=op.f("uq_desk_sessions_session_hash")),
    )
    op.create_index("ix_desk_sessions_user_id", "desk_sessions", ["user_id"], unique=False)
    op.create_index("ix_desk_sessions_expires_at", "desk_sessions", ["expires_at"], unique=False)
    with op.batch_alter_table("users") as batch:
        batch.drop_column("last_failure")
        batch.drop_column("failures")


def downgrade() -> None:
    """Drop what upgrade added and restore the lockout columns (empty)."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failures", sa.Integer(), server_default="0", nullable=False))
        batch.add_column(sa.Column("last_failure", _ts(), nullable=True))
    op.drop_index("ix_desk_sessions_expires_at", table_name="desk_sessions")
    op.drop_index("ix_desk_sessions_user_id", table_name="desk_sessions")
    op.drop_table("desk_sessions")
    op.drop_index("ix_sign_in_throttle_last_attempt", table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")
