"""On SQLite, the search index keyed by (report_id, term) instead of (term, report_id) (issue 16).

Keyed by term, a batch of 20 new reports inserted its ~3,500 rows into as many places all over the
tree (a term is a keyed hash: random), so the batch's commit dirtied a page per row or so, and
wrote them all to the log, under the write lock the webhooks wait for. Keyed by report, a new
report's rows go next to each other at the tree's end: a few pages a batch. Search is untouched:
SQLite looks each report up by both columns (a correlated EXISTS per term, both equal), which
either order of the key answers with one lookup. SQLite cannot alter a key in place, so the table
is rebuilt (create, copy, drop, rename). PostgreSQL keeps its (term, report_id) key: its planner
may start from one term's rows (a hash semi-join) where SQLite cannot.

Revision ID: 0014_search_terms_by_report
Revises: 0013_search_terms_without_rowid
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0014_search_terms_by_report"
down_revision: str | Sequence[str] | None = "0013_search_terms_without_rowid"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _rebuild(key: str) -> None:
    """Rebuild search_terms as a WITHOUT ROWID table keyed by `key`, rows kept (SQLite only)."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE TABLE search_terms_new (term BIGINT NOT NULL, report_id INTEGER NOT NULL, "
        f"CONSTRAINT pk_search_terms PRIMARY KEY ({key})) WITHOUT ROWID"
    )
    # In the new key's order: the copy appends to the tree instead of inserting all over it.
    op.execute(
        "INSERT INTO search_terms_new (term, report_id) "
        f"SELECT term, report_id FROM search_terms ORDER BY {key}"
    )
    op.execute("DROP TABLE search_terms")
    op.execute("ALTER TABLE search_terms_new RENAME TO search_terms")


def upgrade() -> None:
    """SQLite: search_terms keyed by (report_id, term)."""
    _rebuild("report_id, term")


def downgrade() -> None:
    """SQLite: search_terms keyed by (term, report_id) again."""
    _rebuild("term, report_id")
