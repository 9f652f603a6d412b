"""The blind search index over sealed report texts (storage/search.py).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the term table; (term, report_id) is both the key and the lookup path."""
    op.create_table(
        "search_terms",
        sa.Column("term", sa.BigInteger(), nullable=False),
        sa.Column("report_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint("term", "report_id", name=op.f("pk_search_terms")),
    )


def downgrade() -> None:
    """Drop the term table."""
    op.drop_table("search_terms")
