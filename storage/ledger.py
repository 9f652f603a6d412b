"""The rows behind the daily digest, the ledger (台账) and the statistics, read across reports,
transfers and the outbox; the digest's queueing, once a day per inspection."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from intake.ledger import FailedAck, LedgerRow, Pending
from intake.ports import NewAck
from intake.transfers import FINISHED_TRANSFER, FollowedTransfer
from storage.audit_log import insert_audit
from storage.db import Db, insert_ignoring_conflict
from storage.desk import NEEDS_DECISION
from storage.followup import followed_of
from storage.messages import message_of
from storage.outbox import insert_acks
from storage.reports import current_decisions, report_of
from storage.schema import decisions, digest_runs, messages, outbox, reports, transfers


async def _first_confirmations(conn: Any, pks: list[int]) -> dict[int, tuple[datetime, str]]:
    """When and by whom each report's decision was first confirmed."""
    decided: dict[int, tuple[datetime, str]] = {}
    for d in (
        await conn.execute(
            select(decisions.c.report_id, decisions.c.created_at, decisions.c.actor)
            .where(decisions.c.report_id.in_(pks), decisions.c.kind == "confirmed")
            .order_by(decisions.c.report_id, decisions.c.created_at, decisions.c.pk)
        )
    ).all():
        decided.setdefault(d.report_id, (d.created_at, d.actor))
    return decided


class SqlLedger:
    """The digest, the ledger and the lists of what is still open or failed."""

    def __init__(self, db: Db) -> None:
        self._db = db

    # --- the digest ----------------------------------------------------------------------------

    async def open_transfers(self, inspection_ids: Sequence[str]) -> list[FollowedTransfer]:
        """Transfers still waiting for the receiving body or for the team to close them."""
        stmt = (
            select(transfers, reports.c.tracking_number)
            .join(reports, reports.c.pk == transfers.c.report_id)
            .where(
                transfers.c.inspection_id.in_(inspection_ids),
                transfers.c.state.not_in(FINISHED_TRANSFER),
            )
            .order_by(transfers.c.deadline, transfers.c.pk)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [followed_of(self._db, r, r["tracking_number"]) for r in rows]

    async def pending_decisions(self, inspection_ids: Sequence[str]) -> list[Pending]:
        """Reports without an officer's decision, oldest first."""
        stmt = (
            select(
                reports.c.pk,
                reports.c.tracking_number,
                reports.c.inspection_id,
                reports.c.created_at,
                reports.c.assignee,
            )
            .where(reports.c.inspection_id.in_(inspection_ids), reports.c.state.in_(NEEDS_DECISION))
            .order_by(reports.c.created_at, reports.c.pk)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
            named = await self._real_names(conn, [r["pk"] for r in rows])
        return [
            Pending(
                r["tracking_number"],
                r["inspection_id"],
                r["created_at"],
                bool(named.get(r["pk"])),
                r["assignee"],
            )
            for r in rows
        ]

    async def digest_queued_on(self, inspection_id: str, day: str) -> bool:
        """True when the inspection's scheduled digest of `day` (YYYY-MM-DD, local) was queued."""
        stmt = select(digest_runs.c.day).where(
            digest_runs.c.inspection_id == inspection_id, digest_runs.c.day == day
        )
        async with self._db.read() as conn:
            return (await conn.execute(stmt)).first() is not None

    async def queue_digest_once(
        self, inspection_id: str, day: str, ack: NewAck | None, *, items: int, now: datetime
    ) -> bool:
        """Queue the inspection's digest of `day` unless some process already did; True if this did.

        The day's row, the outbox item and the audit entry commit together: the primary key
        (inspection, day) lets one transaction in, and a crash leaves either all three or none.
        """
        async with self._db.write() as conn:
            claimed = (
                await conn.execute(
                    insert_ignoring_conflict(conn, digest_runs, "inspection_id", "day")
                    .values(inspection_id=inspection_id, day=day, items=items, created_at=now)
                    .returning(digest_runs.c.day)
                )
            ).scalar_one_or_none()
            if claimed is None:
                return False
            if ack is not None:
                await insert_acks(self._db, conn, [(None, ack)], now)
            await insert_audit(
                conn,
                actor="system",
                action="digest.queued",
                report_id=None,
                detail={"inspection": inspection_id, "day": day, "items": items, "mailed": ack is not None},
                now=now,
            )
        return True

    async def failed_acks(self, inspection_ids: Sequence[str], limit: int = 200) -> list[FailedAck]:
        """Messages to citizens or bodies that failed for good (newest first)."""
        stmt = (
            select(
                outbox.c.pk,
                outbox.c.channel,
                outbox.c.kind,
                outbox.c.attempts,
                outbox.c.created_at,
                reports.c.tracking_number,
                reports.c.inspection_id,
            )
            .outerjoin(reports, reports.c.pk == outbox.c.report_id)
            .where(outbox.c.state == "failed")
            .order_by(outbox.c.pk.desc())
            .limit(limit)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [
            FailedAck(r["pk"], r["tracking_number"], r["channel"], r["kind"], r["attempts"], r["created_at"])
            for r in rows
            # A failure without a report (a refused status query) belongs to no team in particular.
            if r["inspection_id"] is None or r["inspection_id"] in inspection_ids
        ]

    # --- the ledger and the statistics ---------------------------------------------------------

    async def _real_names(self, conn: Any, report_pks: list[int]) -> dict[int, str | None]:
        """The real name entered with each report's first message, if any."""
        if not report_pks:
            return {}
        stmt = (
            select(messages)
            .where(messages.c.report_id.in_(report_pks))
            .order_by(messages.c.report_id, messages.c.pk)
        )
        names: dict[int, str | None] = {}
        for row in (await conn.execute(stmt)).mappings().all():
            if row["report_id"] in names:
                continue
            payload = message_of(self._db, row).payload or {}
            name = payload.get("real_name")
            names[row["report_id"]] = str(name) if name else None
        return names

    async def ledger(self, inspection_ids: Sequence[str], start: datetime, end: datetime) -> list[LedgerRow]:
        """Every report received in [start, end) with its decision, transfers and results."""
        async with self._db.read() as conn:
            rows = (
                (
                    await conn.execute(
                        select(reports)
                        .where(
                            reports.c.inspection_id.in_(inspection_ids),
                            reports.c.created_at >= start,
                            reports.c.created_at < end,
                        )
                        .order_by(reports.c.created_at, reports.c.pk)
                    )
                )
                .mappings()
                .all()
            )
            pks = [r["pk"] for r in rows]
            if not pks:
                return []
            current = await current_decisions(conn, pks)
            names = await self._real_names(conn, pks)
            decided = await _first_confirmations(conn, pks)
            by_report: dict[int, list[FollowedTransfer]] = {}
            for t in (
                (
                    await conn.execute(
                        select(transfers).where(transfers.c.report_id.in_(pks)).order_by(transfers.c.pk)
                    )
                )
                .mappings()
                .all()
            ):
                by_report.setdefault(t["report_id"], []).append(followed_of(self._db, t, ""))
        out: list[LedgerRow] = []
        for r in rows:
            report = report_of(self._db, r, current)
            when = decided.get(r["pk"])
            followed = [
                FollowedTransfer(f.transfer, report.tracking_number, f.result, f.feedback_at, f.closed_at)
                for f in by_report.get(r["pk"], [])
            ]
            out.append(
                LedgerRow(
                    report=report,
                    real_name=names.get(r["pk"]),
                    decided_at=when[0] if when else None,
                    decided_by=when[1] if when else None,
                    transfers=followed,
                )
            )
        return out
