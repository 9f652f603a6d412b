"""The blind search index as stored: what a batch of reports writes, how SQLite keys it, and that
search finds the same reports whatever the key (migration 0014, issue 16)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from alembic import command
from sqlalchemy import select

from intake.ports import NewReport
from storage.desk import QueueFilter
from storage.engine import make_engine, sqlite_url
from storage.migrate import alembic_config, migrate
from storage.schema import search_terms
from storage.search import pairs, term_ids
from storage.search_index import PackedTerms
from tests.fakes.store import SqlReportStore
from tests.storage.helpers import NOW, ack, decision, save

TEXTS = {
    "SM1": "举报某县住建局局长王某某收受开发商贿赂，违规审批项目。",
    "SM2": "村支书侵占低保补助款，群众意见很大。",
    "SM3": "某公司拖欠农民工工资半年，请求帮助。",
}


async def _reports(store: SqlReportStore) -> dict[str, str]:
    """One batch of reports, one per text; their tracking numbers by provider id."""
    saved = {pid: await save(store, pid, text=text) for pid, text in TEXTS.items()}
    items = [NewReport(m.pk, "A", decision(pid), "decided", ack()) for pid, m in saved.items()]
    created = await store.create_reports(items, now=NOW)
    return {pid: r.tracking_number for pid, r in zip(saved, created, strict=True)}


async def _found(store: SqlReportStore, text: str) -> set[str]:
    page = await store.queue(QueueFilter(inspection_ids=("insp-a",), text=text))
    return {r.tracking_number for r in page.rows}


async def test_a_batch_is_indexed_and_found_by_any_part_of_its_text(store: SqlReportStore) -> None:
    numbers = await _reports(store)
    assert await _found(store, "住建局局长") == {numbers["SM1"]}
    assert await _found(store, "补助款") == {numbers["SM2"]}
    assert await _found(store, "拖欠农民工工资") == {numbers["SM3"]}
    assert await _found(store, "举报") == {numbers["SM1"]}
    assert await _found(store, "开发商拖欠") == set()  # each pair occurs, not in one report
    # Exactly the distinct pairs of each text, once each, under its own report; keyed hashes only.
    async with store.stores.db.read() as conn:
        rows = (await conn.execute(select(search_terms.c.report_id, search_terms.c.term))).all()
    pk_of = {r.tracking_number: r.pk for r in await store.latest_reports("insp-a")}
    expected = sorted(
        (pk_of[numbers[pid]], term)
        for pid, text in TEXTS.items()
        for term in term_ids(pairs(text), store.stores.db.codec.lookup)
    )
    assert sorted(rows) == expected


async def test_a_joined_later_part_is_found_too(store: SqlReportStore) -> None:
    numbers = await _reports(store)
    report = await store.get_report(numbers["SM2"])
    assert report is not None
    later = await save(store, "SM4", text="还有镇长包庇此事。")
    await store.mark_message_handled(later.pk, report.pk)
    assert await _found(store, "镇长包庇") == {numbers["SM2"]}


def test_packed_terms_are_sorted_and_their_json_gives_back_the_same_integers() -> None:
    terms = {2**60 - 1, 5, 2**59 + 3, 17}
    packed = PackedTerms.of(terms)
    assert packed.ids == (5, 17, 2**59 + 3, 2**60 - 1)
    assert json.loads(packed.packed) == list(packed.ids)
    # What SQLite makes of the array: the same 64-bit integers, in order.
    with sqlite3.connect(":memory:") as conn:
        unpacked = conn.execute("SELECT value, typeof(value) FROM json_each(?)", (packed.packed,)).fetchall()
    assert unpacked == [(t, "integer") for t in packed.ids]


def _key(path: Path) -> tuple[list[str], bool]:
    """The columns of search_terms' primary key in order, and whether the table is WITHOUT ROWID."""
    with sqlite3.connect(path) as conn:
        [(index,)] = conn.execute(
            "SELECT name FROM pragma_index_list('search_terms') WHERE origin = 'pk'"
        ).fetchall()
        columns = [name for _, _, name in conn.execute(f"PRAGMA index_info('{index}')").fetchall()]
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'search_terms'").fetchone()[0]
        return columns, "WITHOUT ROWID" in sql.upper()


def _rows(path: Path) -> list[tuple[int, int]]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute("SELECT term, report_id FROM search_terms").fetchall())


async def _to(url: str, revision: str, *, down: bool) -> None:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            step = command.downgrade if down else command.upgrade
            await conn.run_sync(lambda c: step(alembic_config(c), revision))
            await conn.commit()
    finally:
        await engine.dispose()


async def test_sqlite_keys_the_index_by_report_and_the_migration_keeps_the_rows(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path)
    path = tmp_path / "petition.sqlite3"
    await migrate(url)
    # A new report's rows sit side by side at the end of the tree, not one to a page all over it.
    assert _key(path) == (["report_id", "term"], True)
    await _to(url, "0013_search_terms_without_rowid", down=True)
    assert _key(path) == (["term", "report_id"], True)
    rows = [(-(2**59) + 7, 3), (2**59 - 1, 1), (42, 2), (42, 1), (5, 3)]
    with sqlite3.connect(path) as conn:
        conn.executemany("INSERT INTO search_terms (term, report_id) VALUES (?, ?)", rows)
    await migrate(url)
    assert _key(path) == (["report_id", "term"], True)
    assert _rows(path) == sorted(rows)
    await _to(url, "0013_search_terms_without_rowid", down=True)
    assert _key(path) == (["term", "report_id"], True)
    assert _rows(path) == sorted(rows)
