"""Retention: archive (sealed) then purge an inspection's reports; never while a transfer is open."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import func, insert, select, update

from cli.main import main
from storage.crypto import Keyring, SealingCodec, new_key
from storage.engine import sqlite_url
from storage.retention import purge_inspection
from storage.schema import audit_log, decisions, messages, outbox, reports, transfers
from tests.fakes.store import SqlReportStore
from tests.storage.helpers import NOW, SENDER, TEXT, new_report
from web.app import data_codec
from web.settings import Settings


async def _count(store: SqlReportStore, table: object, *where: object) -> int:
    stmt = select(func.count()).select_from(table)  # type: ignore[arg-type]
    for w in where:
        stmt = stmt.where(w)  # type: ignore[arg-type]
    async with store.engine.connect() as conn:
        return int((await conn.execute(stmt)).scalar_one())


async def test_archive_then_purge_and_open_transfers_block(db_url: str, tmp_path: Path) -> None:
    codec = SealingCodec(Keyring.from_texts([new_key()]))
    store = await SqlReportStore.open(db_url, codec=codec)
    try:
        first = await new_report(store, "a1", inspection_id="old", prefix="OLD")
        await new_report(store, "a2", inspection_id="old", prefix="OLD")
        kept = await new_report(store, "b1", inspection_id="current", prefix="CUR")
        async with store.engine.begin() as conn:
            transfer = {
                "report_id": first.pk, "inspection_id": "old", "number": "ZB-1", "kind": "discipline",
                "region": "410000", "body_name": "某县纪委监委", "matter": "（略）", "state": "open",
                "deadline": NOW + timedelta(days=30), "created_by": "officer", "created_at": NOW,
            }  # fmt: skip
            await conn.execute(insert(transfers).values(transfer))
        archive = tmp_path / "archive"
        args = {"archive_dir": archive, "seal_file": codec.seal_file, "now": NOW + timedelta(days=400)}

        blocked = await purge_inspection(store.stores, "old", **args)  # type: ignore[arg-type]
        assert blocked.blocked_by == ["ZB-1"] and blocked.archive is None
        assert await _count(store, reports, reports.c.inspection_id == "old") == 2

        async with store.engine.begin() as conn:
            await conn.execute(update(transfers).values(state="closed"))
        dry = await purge_inspection(store.stores, "old", dry_run=True, **args)  # type: ignore[arg-type]
        assert (dry.reports, dry.messages, dry.archive) == (2, 2, None)
        assert await _count(store, reports) == 3

        done = await purge_inspection(store.stores, "old", **args)  # type: ignore[arg-type]
        assert done.reports == 2 and done.archive is not None
        assert done.rows["reports"] == 2 and done.rows["messages"] == 2 and done.rows["transfers"] == 1
        # Gone: every row of the inspection; the other inspection and the audit log are untouched.
        assert await _count(store, reports, reports.c.inspection_id == "old") == 0
        assert await _count(store, messages, messages.c.inspection_id == "old") == 0
        assert await _count(store, decisions, decisions.c.report_id == first.pk) == 0
        assert await _count(store, outbox, outbox.c.report_id == first.pk) == 0
        assert await store.get_report(kept.tracking_number) is not None
        [entry] = [e for e in await store.audit_entries() if e.action == "retention.purged"]
        assert entry.detail["rows"]["reports"] == 2 and entry.detail["archive"] == done.archive.name
        assert await _count(store, audit_log, audit_log.c.report_id == first.pk) == 1  # report.created kept
        assert (await store.verify_audit_chain()).ok

        # The archive is sealed on disk and opens with the key.
        sealed = done.archive.read_bytes()
        assert TEXT.encode() not in sealed and SENDER.encode() not in sealed
        lines = [json.loads(x) for x in codec.unseal_file(sealed).decode().splitlines()]
        assert [x["tracking_number"] for x in lines] == ["OLD-0001", "OLD-0002"]
        assert lines[0]["sender"] == SENDER and lines[0]["messages"][0]["text"] == TEXT
    finally:
        await store.close()


async def test_cli_retention_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("PETITION_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PETITION_DATABASE_URL", sqlite_url(data_dir))
    monkeypatch.delenv("PETITION_INSPECTION", raising=False)
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    store = await SqlReportStore.open(settings.resolved_database_url(), codec=data_codec(settings))
    try:
        await new_report(store, "h1", inspection_id="henan-audit-2016", prefix="HN1")
    finally:
        await store.close()

    def cli(*args: str) -> Result:
        return CliRunner().invoke(main, ["retention", "run", *args])

    unset = await asyncio.to_thread(cli)
    assert unset.exit_code == 2  # no retention configured: nothing happens
    monkeypatch.setenv("PETITION_RETENTION_DAYS", "365")
    dry = await asyncio.to_thread(cli, "--dry-run")
    assert dry.exit_code == 0 and "henan-audit-2016: would purge 1 reports" in dry.output
    done = await asyncio.to_thread(cli)
    assert done.exit_code == 0 and "henan-audit-2016: purged 1 reports, 1 messages" in done.output
    assert len(list((data_dir / "archive").glob("henan-audit-2016-*.jsonl.sealed"))) == 1
