"""The report search index in the database: the bigram terms of `storage/search.py`, written."""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.db import Db
from storage.schema import search_terms
from storage.search import pairs, term_id


async def add_search_terms(conn: AsyncConnection, report_pk: int, terms: set[int]) -> None:
    """Add `terms` to a report's search index, those it does not hold yet."""
    if not terms:
        return
    known = set(
        (
            await conn.execute(
                select(search_terms.c.term).where(
                    search_terms.c.report_id == report_pk, search_terms.c.term.in_(terms)
                )
            )
        ).scalars()
    )
    await insert_terms(conn, [(t, report_pk) for t in terms - known])


def _by_report(row: tuple[int, int]) -> tuple[int, int]:
    return row[1], row[0]


async def insert_terms(conn: AsyncConnection, rows: Sequence[tuple[int, int]]) -> None:
    """`insert_terms_sync` on an async connection."""
    await conn.run_sync(insert_terms_sync, rows)


def insert_terms_sync(conn: Connection, rows: Sequence[tuple[int, int]]) -> None:
    """Insert (term, report pk) rows, a hundred or more a report: straight to the driver's executemany
    (SQLAlchemy's per-row parameter handling cost more than the database's work), in the order of the
    table's key (the key's neighbours follow each other: 45% less of SQLite's CPU than out of order):
    (report_id, term) on SQLite (migration 0014), (term, report_id) on PostgreSQL."""
    if not rows:
        return
    ordered = sorted(rows, key=_by_report) if conn.dialect.name == "sqlite" else sorted(rows)
    if conn.dialect.paramstyle == "qmark":
        sql = "INSERT INTO search_terms (term, report_id) VALUES (?, ?)"
    else:  # asyncpg through SQLAlchemy: numeric_dollar
        sql = "INSERT INTO search_terms (term, report_id) VALUES ($1, $2)"
    conn.exec_driver_sql(sql, ordered)


@dataclass(frozen=True, slots=True)
class PackedTerms:
    """A text's search terms in ascending order, and the same as a JSON array: worked out before a
    report batch takes the write lock, so that under it SQLite unpacks each report's terms itself."""

    ids: tuple[int, ...]
    packed: str

    @classmethod
    def of(cls, terms: set[int]) -> PackedTerms:
        """`terms`, sorted and packed."""
        ids = tuple(sorted(terms))
        return cls(ids, json.dumps(ids))


def insert_packed_terms(conn: Connection, reports: Sequence[tuple[int, PackedTerms]]) -> None:
    """Add each (report pk, its terms) to the index; the reports have none yet (new reports).

    On SQLite, one row per report, whose JSON array SQLite unpacks (json_each) into that report's
    term rows: building, sorting and handing over 3,500 (term, report) pairs a batch in Python cost
    more of the write lock's hold than SQLite's own work (issue 16). The array is in ascending order,
    so the rows arrive in the order of the table's key (report_id, term). PostgreSQL: `insert_terms`."""
    reports = [(pk, terms) for pk, terms in reports if terms.ids]
    if not reports:
        return
    if conn.dialect.name != "sqlite":
        insert_terms_sync(conn, [(term, pk) for pk, terms in reports for term in terms.ids])
        return
    conn.exec_driver_sql(
        "INSERT INTO search_terms (term, report_id) SELECT value, ? FROM json_each(?)",
        [(pk, terms.packed) for pk, terms in reports],
    )


class SearchIndex:
    """Works out a text's search terms and adds them to a report's."""

    def __init__(self, db: Db) -> None:
        lookup = db.codec.lookup
        # Bigram -> search term id, bounded: some 13 MB at most. On the shared real messages two
        # lookups in three hit it.
        self._term_id = functools.lru_cache(maxsize=1 << 16)(lambda gram: term_id(gram, lookup))

    def terms(self, text: str) -> set[int]:
        """The search terms of a text (storage/search.py), each bigram's hash computed once per
        process: a few thousand bigrams make up most texts, and a report has a hundred or more."""
        return {self._term_id(gram) for gram in pairs(text)}

    async def index_text(self, conn: AsyncConnection, report_pk: int, text: str) -> None:
        """Add the text's search terms to the report's."""
        await add_search_terms(conn, report_pk, self.terms(text))
