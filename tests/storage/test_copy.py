"""`db copy`: a SQLite database moved to the test's backend, every row and the numbering intact."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from cli.main import main
from storage.copy import CopyError, copy_database
from storage.engine import make_engine, sqlite_url
from storage.schema import metadata
from tests.fakes.store import SqlReportStore
from tests.storage.helpers import NOW, new_report, save


async def _source(tmp_path: Path, n: int = 30) -> str:
    """A SQLite database with reports in two inspections, a sent ack and a message without a report."""
    url = sqlite_url(tmp_path / "source")
    store = await SqlReportStore.open(url)
    try:
        for i in range(n):
            second = i % 3 == 0
            await new_report(
                store, f"m{i}", inspection_id="insp-b" if second else "insp-a", prefix="B" if second else "A"
            )
        claimed = await store.claim_outbox(NOW, limit=1)
        await store.mark_sent(claimed[0].pk, "SM1", NOW)
        await save(store, "waiting")
    finally:
        await store.close()
    return url


async def _counts(url: str) -> dict[str, int]:
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            return {
                t.name: int((await conn.execute(select(func.count()).select_from(t))).scalar_one())
                for t in metadata.sorted_tables
            }
    finally:
        await engine.dispose()


async def test_copy_moves_every_row_and_numbering_goes_on(tmp_path: Path, db_url: str) -> None:
    source = await _source(tmp_path)
    seen: list[tuple[str, int]] = []
    result = await copy_database(source, db_url, progress=lambda name, n: seen.append((name, n)))

    by_name = {r.name: r for r in result}
    assert by_name["reports"].source_rows == by_name["reports"].copied_rows == 30
    assert by_name["messages"].copied_rows == 31
    assert all(r.source_rows == r.copied_rows for r in result)
    assert [name for name, _ in seen] == [t.name for t in metadata.sorted_tables]
    assert await _counts(db_url) == await _counts(source)

    before = await SqlReportStore.open(source)
    after = await SqlReportStore.open(db_url)
    try:
        old = await before.latest_reports(None, limit=100)
        new = await after.latest_reports(None, limit=100)
        assert [(r.tracking_number, r.decision, r.created_at, r.sender) for r in new] == [
            (r.tracking_number, r.decision, r.created_at, r.sender) for r in old
        ]
        assert [a.state for a in await after.report_acks(new[-1].pk)] == ["sent"]
        assert [m.provider_id for m in await after.unprocessed_messages()] == ["waiting"]
        # Numbering and keys continue past the copied rows (on PostgreSQL: sequences were reset).
        report = await new_report(after, "after-copy", inspection_id="insp-a", prefix="A")
        assert report.tracking_number == "A-0021"
        assert report.pk == max(r.pk for r in new) + 1
    finally:
        await before.close()
        await after.close()


async def test_non_empty_destination_is_refused_unless_forced(tmp_path: Path, db_url: str) -> None:
    source = await _source(tmp_path, n=3)
    dest = await SqlReportStore.open(db_url)
    try:
        await save(dest, "already-here")
    finally:
        await dest.close()

    with pytest.raises(CopyError, match=r"not empty: messages \(1\); use --force"):
        await copy_database(source, db_url)
    assert (await _counts(db_url))["messages"] == 1  # untouched

    await copy_database(source, db_url, force=True)
    assert await _counts(db_url) == await _counts(source)


async def test_an_audit_trail_is_never_overwritten(tmp_path: Path, db_url: str) -> None:
    source = await _source(tmp_path, n=2)
    dest = await SqlReportStore.open(db_url)
    try:
        await new_report(dest, "already-here", prefix="Z")
    finally:
        await dest.close()
    before = await _counts(db_url)
    with pytest.raises(CopyError, match="append-only"):
        await copy_database(source, db_url, force=True)
    assert await _counts(db_url) == before


async def test_source_without_schema_and_same_database_are_refused(tmp_path: Path, db_url: str) -> None:
    empty = sqlite_url(tmp_path / "empty")
    with pytest.raises(CopyError, match="no petition-intake schema"):
        await copy_database(empty, db_url)
    source = await _source(tmp_path, n=1)
    with pytest.raises(CopyError, match="same database"):
        await copy_database(source, source.replace("sqlite+aiosqlite", "sqlite"))


def test_cli_db_copy_prints_counts(tmp_path: Path) -> None:
    source = asyncio.run(_source(tmp_path, n=4))
    target = sqlite_url(tmp_path / "target").replace("sqlite+aiosqlite", "sqlite")
    runner = CliRunner()
    result = runner.invoke(main, ["db", "copy", "--from", source, "--to", target])
    assert result.exit_code == 0, result.output
    assert "reports" in result.output and "4" in result.output
    assert "counts checked" in result.output
    again = runner.invoke(main, ["db", "copy", "--from", source, "--to", target])
    assert again.exit_code == 1
    assert "not empty" in again.output
    assert asyncio.run(_counts(target)) == asyncio.run(_counts(source))
