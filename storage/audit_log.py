"""The audit log in the database: entries appended to the hash chain of `storage/audit.py`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.ports import AuditEntry
from storage.audit import GENESIS, ChainReport, ChainRow, entry_hash, verify_chain
from storage.db import Db
from storage.schema import audit_log

# Arbitrary constant key of the PostgreSQL advisory lock that makes audit appends one at a time, so
# that the hash chain stays a chain (SQLite's BEGIN IMMEDIATE already does that).
_PG_AUDIT_LOCK: Final = 7_305_100_002


@dataclass(frozen=True, slots=True)
class AuditRow:
    """An audit entry to append (the time and the hashes are added when it is written)."""

    actor: str
    action: str
    report_id: int | None
    detail: dict[str, Any]


async def insert_audit(
    conn: AsyncConnection,
    *,
    actor: str,
    action: str,
    report_id: int | None,
    detail: dict[str, Any],
    now: datetime,
) -> None:
    """Append one entry inside the caller's transaction."""
    await insert_audits(conn, [AuditRow(actor, action, report_id, detail)], now)


async def insert_audits(conn: AsyncConnection, entries: Sequence[AuditRow], now: datetime) -> None:
    """`append_audits` on an async connection."""
    await conn.run_sync(append_audits, entries, now)


def append_audits(conn: Connection, entries: Sequence[AuditRow], now: datetime) -> None:
    """Append entries to the audit log's hash chain, in order, in one statement."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
    last = conn.execute(
        select(audit_log.c.entry_hash).order_by(audit_log.c.pk.desc()).limit(1)
    ).scalar_one_or_none()
    prev = last or GENESIS
    rows = []
    for entry in entries:
        # What is hashed must be what is read back: JSON round-trips the detail the same on both
        # backends.
        detail = json.loads(json.dumps(entry.detail))
        digest = entry_hash(
            prev, at=now, actor=entry.actor, action=entry.action, report_id=entry.report_id, detail=detail
        )
        rows.append(
            {
                "at": now,
                "actor": entry.actor,
                "action": entry.action,
                "report_id": entry.report_id,
                "detail": detail,
                "prev_hash": prev,
                "entry_hash": digest,
            }
        )
        prev = digest
    # One executemany: the rows are inserted one after another in list order, so the pks (and
    # `audit verify`, which follows them) see the chain in its order.
    conn.execute(audit_log.insert(), rows)


def _chain_row(r: Any) -> ChainRow:
    return ChainRow(
        pk=r["pk"],
        at=r["at"],
        actor=r["actor"],
        action=r["action"],
        report_id=r["report_id"],
        detail=dict(r["detail"] or {}),
        prev_hash=r["prev_hash"],
        entry_hash=r["entry_hash"],
    )


class SqlAuditLog:
    """Appends to and reads the audit log (`intake.ports.AuditLog`)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def audit(
        self, *, actor: str, action: str, report_id: int | None, detail: dict[str, Any], now: datetime
    ) -> None:
        """Append an entry to the audit log."""
        async with self._db.write() as conn:
            await insert_audit(conn, actor=actor, action=action, report_id=report_id, detail=detail, now=now)

    async def audit_entries(self, report_id: int | None = None, limit: int = 100) -> Sequence[AuditEntry]:
        """Audit entries of one report (or all when None), newest first."""
        stmt = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.pk.desc()).limit(limit)
        if report_id is not None:
            stmt = stmt.where(audit_log.c.report_id == report_id)
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [
            AuditEntry(
                pk=row["pk"],
                at=row["at"],
                actor=row["actor"],
                action=row["action"],
                report_id=row["report_id"],
                detail=dict(row["detail"] or {}),
            )
            for row in rows
        ]

    async def verify_audit_chain(self, batch: int = 1000) -> ChainReport:
        """Walk the whole audit log in insertion order and check its hash chain."""
        found: list[ChainRow] = []
        after = 0
        async with self._db.read() as conn:
            while True:
                stmt = select(audit_log).where(audit_log.c.pk > after).order_by(audit_log.c.pk).limit(batch)
                chunk = (await conn.execute(stmt)).mappings().all()
                if not chunk:
                    break
                found.extend(_chain_row(r) for r in chunk)
                after = chunk[-1]["pk"]
        return verify_chain(found)
