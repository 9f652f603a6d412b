"""Trust: keyed-hash columns beside sealed personal fields, the audit log's hash chain, append-only.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

Rows written before this revision keep their plain values and have no hashes; `petition keys
rotate` seals them and fills the hashes (it needs the data key, which a migration does not have).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_APPEND_ONLY = "audit log is append-only"


def upgrade() -> None:
    """Add the hash columns, swap the outbox's recipient index, forbid audit UPDATE and DELETE."""
    op.add_column("messages", sa.Column("sender_hash", sa.String(length=64), nullable=True))
    op.add_column("reports", sa.Column("sender_hash", sa.String(length=64), nullable=True))
    op.add_column("outbox", sa.Column("recipient_hash", sa.String(length=64), nullable=True))
    op.drop_index("ix_outbox_recipient_created", table_name="outbox")
    op.create_index("ix_outbox_recipient_hash_created", "outbox", ["recipient_hash", "created_at"])
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("entry_hash", sa.String(length=64), nullable=True))

    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{_APPEND_ONLY}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{_APPEND_ONLY}'); END"
            )


def downgrade() -> None:
    """Remove what upgrade added."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("entry_hash")
        batch.drop_column("prev_hash")
    op.drop_index("ix_outbox_recipient_hash_created", table_name="outbox")
    op.create_index("ix_outbox_recipient_created", "outbox", ["recipient", "created_at"])
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("recipient_hash")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("sender_hash")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("sender_hash")
