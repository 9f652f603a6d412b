"""Retention: after an inspection's period (plus a configured time), archive its reports, then purge.

The archive is one sealed file (JSON Lines inside, `SealingCodec.seal_file`) written and synced
before anything is deleted; the purge is one transaction that removes every row of the inspection
(reports, their messages, decisions, acknowledgements and every desk table that names a report)
and appends a `retention.purged` entry to the audit log, which itself keeps everything. Nothing
is purged while one of the inspection's transfers is still open.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import Table, delete, select

from storage.audit_log import insert_audit
from storage.messages import message_of
from storage.schema import audit_log, messages, metadata, reports
from storage.stores import Stores

# The transfer states in which the receiving body has finished (web/desk's lifecycle).
CLOSED_TRANSFER_STATES: Final = frozenset({"closed"})
ARCHIVE_SUFFIX: Final = ".jsonl.sealed"


@dataclass
class PurgeResult:
    """What a retention run did for one inspection."""

    inspection_id: str
    blocked_by: list[str] = field(default_factory=list)  # numbers of open transfers
    reports: int = 0
    messages: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    archive: Path | None = None


def _report_tables() -> list[Table]:
    # Every table naming a report, children before parents (transfer_events before transfers);
    # found from the metadata so that a table added later is purged too. The audit log stays.
    return [
        t
        for t in reversed(metadata.sorted_tables)
        if "report_id" in t.c and t is not audit_log and t is not messages
    ]


async def open_transfers(stores: Stores, inspection_id: str) -> list[str]:
    """The numbers of the inspection's transfers that are not closed."""
    transfers = metadata.tables.get("transfers")
    if transfers is None:
        return []
    stmt = select(transfers.c.number).where(
        transfers.c.inspection_id == inspection_id, transfers.c.state.not_in(CLOSED_TRANSFER_STATES)
    )
    async with stores.db.engine.connect() as conn:
        return [str(n) for n in (await conn.execute(stmt)).scalars().all()]


async def _archive_lines(stores: Stores, inspection_id: str) -> tuple[list[dict[str, Any]], int]:
    lines: list[dict[str, Any]] = []
    found = await stores.reports.latest_reports(inspection_id, limit=10**9)
    for report in sorted(found, key=lambda r: r.pk):
        acks = await stores.outbox.report_acks(report.pk)
        lines.append(
            {
                "kind": "report",
                "tracking_number": report.tracking_number,
                "state": report.state,
                "channel": report.channel.value,
                "sender": report.sender,
                "created_at": report.created_at.isoformat(),
                "decision": report.decision.model_dump(mode="json"),
                "messages": [
                    {"received_at": m.received_at.isoformat(), "subject": m.subject, "text": m.text}
                    for m in await stores.messages.report_messages(report.pk)
                ],
                "acknowledgements": [{"kind": a.kind, "state": a.state, "text": a.text} for a in acks],
            }
        )
    stmt = select(messages).where(messages.c.inspection_id == inspection_id, messages.c.report_id.is_(None))
    async with stores.db.engine.connect() as conn:
        loose = (await conn.execute(stmt)).mappings().all()
    for row in loose:
        m = message_of(stores.db, row)
        lines.append(
            {
                "kind": "message",
                "channel": m.channel.value,
                "sender": m.sender,
                "received_at": m.received_at.isoformat(),
                "text": m.text,
            }
        )
    return lines, len(found)


def _write_durably(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


async def purge_inspection(
    stores: Stores,
    inspection_id: str,
    *,
    archive_dir: Path,
    seal_file: Callable[[bytes], bytes],
    now: datetime,
    actor: str = "retention",
    dry_run: bool = False,
) -> PurgeResult:
    """Archive then purge every report and message of one inspection, unless a transfer is open."""
    result = PurgeResult(inspection_id)
    result.blocked_by = await open_transfers(stores, inspection_id)
    if result.blocked_by:
        return result
    lines, result.reports = await _archive_lines(stores, inspection_id)
    result.messages = sum(len(x["messages"]) for x in lines if x["kind"] == "report") + sum(
        1 for x in lines if x["kind"] == "message"
    )
    if dry_run or not lines:
        return result
    body = "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in lines).encode("utf-8")
    sealed = seal_file(body)
    path = archive_dir / f"{inspection_id}-{now:%Y%m%dT%H%M%SZ}{ARCHIVE_SUFFIX}"
    _write_durably(path, sealed)
    result.archive = path

    async with stores.db.write() as conn:
        pks = select(reports.c.pk).where(reports.c.inspection_id == inspection_id).scalar_subquery()
        for table in _report_tables():
            if table is reports:
                continue
            deleted = await conn.execute(delete(table).where(table.c.report_id.in_(pks)))
            result.rows[table.name] = deleted.rowcount
        deleted = await conn.execute(delete(messages).where(messages.c.inspection_id == inspection_id))
        result.rows["messages"] = deleted.rowcount
        deleted = await conn.execute(delete(reports).where(reports.c.inspection_id == inspection_id))
        result.rows["reports"] = deleted.rowcount
        await insert_audit(
            conn,
            actor=actor,
            action="retention.purged",
            report_id=None,
            detail={
                "inspection": inspection_id,
                "rows": dict(result.rows),
                "archive": path.name,
                "archive_sha256": hashlib.sha256(sealed).hexdigest(),
            },
            now=now,
        )
    return result
