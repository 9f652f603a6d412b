"""On SQLite, the search index without its rowid: one B-tree keyed by (term, report_id) (issue 16).

A rowid table with a composite primary key keeps two B-trees: the rows in rowid order and the key's
index. A batch's ~3,500 term rows land all over the key's index and were most of the report batch's
write-lock hold; WITHOUT ROWID stores the rows in the key's tree only. SQLite cannot alter that in
place, so the table is rebuilt (create, copy, drop, rename). PostgreSQL has no rowid: a no-op there.

Revision ID: 0013_search_terms_without_rowid
Revises: 0012_conversation_drafts
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0013_search_terms_without_rowid"
down_revision: str | Sequence[str] | None = "0012_conversation_drafts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild(*, without_rowid: bool) -> None:
    """Rebuild search_terms with or without its rowid, rows kept (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    suffix = " WITHOUT ROWID" if without_rowid else ""
    op.execute(
        "CREATE TABLE search_terms_new (term BIGINT NOT NULL, report_id INTEGER NOT NULL, "
        f"CONSTRAINT pk_search_terms PRIMARY KEY (term, report_id)){suffix}"
    )
    op.execute("INSERT INTO search_terms_new (term, report_id) SELECT term, report_id FROM search_terms")
    op.execute("DROP TABLE search_terms")
    op.execute("ALTER TABLE search_terms_new RENAME TO search_terms")


def upgrade() -> None:
    """SQLite: search_terms becomes a WITHOUT ROWID table."""
    _rebuild(without_rowid=True)


def downgrade() -> None:
    """SQLite: search_terms back to a rowid table."""
    _rebuild(without_rowid=False)
