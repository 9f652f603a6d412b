"""The audit log is append-only and hash-chained: edits and deletions are refused, and detected."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import text as sql_text
from sqlalchemy.exc import DBAPIError

from cli.main import main
from tests.fakes.store import SqlReportStore

T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


async def _fill(store: SqlReportStore, n: int) -> None:
    for i in range(n):
        await store.audit(
            actor=f"officer{i % 3}",
            action="identity.viewed" if i % 2 else "decision.changed",
            report_id=i,
            detail={"tracking_number": f"HN1-{i:04d}", "from": "203.0.113.9", "中文": "确认"},
            now=T0 + timedelta(seconds=i, microseconds=i * 7),
        )


async def _tamper(store: SqlReportStore, statement: str) -> None:
    # An attacker with the database may drop the guard; the chain still tells.
    dialect = store.engine.dialect.name
    async with store.engine.begin() as conn:
        if dialect == "postgresql":
            await conn.execute(sql_text("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"))
        else:
            await conn.execute(sql_text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            await conn.execute(sql_text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
        await conn.execute(sql_text(statement))


async def test_chain_verifies_and_guards_refuse_changes(store: SqlReportStore) -> None:
    await _fill(store, 6)
    found = await store.verify_audit_chain(batch=4)  # across batch boundaries
    assert found.ok and found.entries == 6 and found.unchained == 0
    for statement in ("UPDATE audit_log SET actor = 'x' WHERE pk = 2", "DELETE FROM audit_log WHERE pk = 3"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with store.engine.begin() as conn:
                await conn.execute(sql_text(statement))
    assert (await store.verify_audit_chain()).ok


async def test_an_edited_entry_is_found(store: SqlReportStore) -> None:
    await _fill(store, 5)
    await _tamper(store, "UPDATE audit_log SET actor = 'nobody' WHERE pk = 3")
    found = await store.verify_audit_chain()
    assert not found.ok
    assert found.problems == ["entry 3: content does not match its hash (edited)"]


async def test_a_deleted_entry_is_found(store: SqlReportStore) -> None:
    await _fill(store, 5)
    head_before = (await store.verify_audit_chain()).head
    await _tamper(store, "DELETE FROM audit_log WHERE pk = 2")
    found = await store.verify_audit_chain()
    assert found.problems == ["entry 3: does not link to the entry before it (deleted or reordered)"]
    assert found.head == head_before  # only the recorded head catches a cut at the end
    await _tamper(store, "DELETE FROM audit_log WHERE pk = 5")
    assert (await store.verify_audit_chain()).head != head_before


async def test_reports_are_chained_too(store: SqlReportStore) -> None:
    from tests.storage.helpers import new_report

    await new_report(store, "p1")
    await _fill(store, 2)
    await new_report(store, "p2")
    found = await store.verify_audit_chain()
    assert found.ok and found.entries == 4


async def test_cli_audit_verify(store: SqlReportStore, db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    await _fill(store, 3)
    monkeypatch.setenv("PETITION_DATABASE_URL", db_url)
    ok = await asyncio.to_thread(CliRunner().invoke, main, ["audit", "verify"])  # its own loop
    assert ok.exit_code == 0, ok.output
    assert "3 entries" in ok.output and "head: " in ok.output
    await _tamper(store, "UPDATE audit_log SET detail = '{}' WHERE pk = 1")
    broken = await asyncio.to_thread(CliRunner().invoke, main, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "BROKEN entry 1" in broken.output
