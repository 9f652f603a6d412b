"""Transfer forms: whether the reporter is protected, fixed at issue; the leader's release; the
category stated; the form that replaced a withdrawn one (issue #13 item 1).

Revision ID: 0008_transfer_identity
Revises: 0007
Create Date: 2026-11-29

Forms issued before this revision are marked protected when any decision of their report, the
system's or an officer's, was an accusation; their category is the report's current one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0008_transfer_identity"
down_revision: str | Sequence[str] | None = "0008_auth"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_transfers = sa.table(
    "transfers",
    sa.column("pk", sa.Integer),
    sa.column("report_id", sa.Integer),
    sa.column("reporter_protected", sa.Boolean),
    sa.column("category", sa.String),
)
_decisions = sa.table("decisions", sa.column("report_id", sa.Integer), sa.column("body", sa.JSON))
_reports = sa.table("reports", sa.column("pk", sa.Integer), sa.column("category", sa.String))


def _category(body: Any) -> Any:
    if isinstance(body, str):
        body = json.loads(body)
    return body.get("category") if isinstance(body, dict) else None


def upgrade() -> None:
    """Add the columns, then fill them for the forms already issued."""
    with op.batch_alter_table("transfers") as batch:
        batch.add_column(
            sa.Column("reporter_protected", sa.Boolean(), server_default=sa.true(), nullable=False)
        )
        batch.add_column(sa.Column("category", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("released_by", sa.String(length=100), nullable=True))
        batch.add_column(sa.Column("released_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("replaced_by", sa.String(length=120), nullable=True))
    bind = op.get_bind()
    forms = bind.execute(
        sa.select(_transfers.c.pk, _transfers.c.report_id, _reports.c.category).join(
            _reports, _reports.c.pk == _transfers.c.report_id
        )
    ).all()
    for pk, report_id, current in forms:
        bodies = bind.execute(sa.select(_decisions.c.body).where(_decisions.c.report_id == report_id))
        protected = current == "accusation" or any(_category(b) == "accusation" for (b,) in bodies)
        bind.execute(
            sa.update(_transfers)
            .where(_transfers.c.pk == pk)
            .values(reporter_protected=protected, category=current)
        )


def downgrade() -> None:
    """Drop what upgrade added."""
    with op.batch_alter_table("transfers") as batch:
        for name in ("replaced_by", "released_at", "released_by", "category", "reporter_protected"):
            batch.drop_column(name)
