"""The address an outbox item is sent from: the number the citizen wrote to.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add outbox.from_address (NULL: the channel's configured sender)."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("from_address", sa.String(length=320), nullable=True))


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("from_address")
