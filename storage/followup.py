"""Following every transfer to its end (件件有着落): the receiving bodies' replies, loaded and saved.

What a reply does is decided by `intake.transfers.feedback_step`; `SqlFollowup` writes it in one
transaction with its event and audit entry. A body's result and a reply mail's text are sealed
like every other text that may name people.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.transfers import (
    FINISHED_TRANSFER,
    FeedbackKind,
    FeedbackOutcome,
    FollowedTransfer,
    TransferEvent,
    check_feedback_kind,
    feedback_step,
)
from storage.audit_log import insert_audit
from storage.db import Db
from storage.schema import (
    notes,
    reports,
    transfer_events,
    transfers,
)
from storage.transfers import transfer_of


async def _locked_transfer(conn: AsyncConnection, transfer_pk: int) -> tuple[RowMapping, str]:
    """The transfer's row, locked for the reply, and its report's state."""
    locked = select(transfers).where(transfers.c.pk == transfer_pk).with_for_update()
    row = (await conn.execute(locked)).mappings().one_or_none()
    if row is None:
        raise LookupError(f"no transfer with pk {transfer_pk}")
    state = (await conn.execute(select(reports.c.state).where(reports.c.pk == row["report_id"]))).scalar_one()
    return row, str(state)


async def _others_unfinished(conn: AsyncConnection, report_pk: int, transfer_pk: int) -> int:
    """How many other transfers of the report their bodies still work."""
    found = await conn.execute(
        select(func.count()).where(
            transfers.c.report_id == report_pk,
            transfers.c.pk != transfer_pk,
            transfers.c.state.not_in(FINISHED_TRANSFER),
        )
    )
    return int(found.scalar_one())


def followed_of(db: Db, row: RowMapping, tracking_number: str) -> FollowedTransfer:
    """A transfers row with where it stands, unsealed."""
    return FollowedTransfer(
        transfer=transfer_of(db, row),
        tracking_number=tracking_number,
        result=db.unseal(row["result"]),
        feedback_at=row["feedback_at"],
        closed_at=row["closed_at"],
    )


class SqlFollowup:
    """The receiving bodies' replies to transfers, and the documents they sent."""

    def __init__(self, db: Db) -> None:
        self._db = db

    # --- documents -----------------------------------------------------------------------------

    def seal_document(self, data: bytes) -> bytes:
        """A document's bytes as they are kept on disk: sealed when the store's codec seals files."""
        seal_file = getattr(self._db.codec, "seal_file", None)
        return bytes(seal_file(data)) if seal_file is not None else data

    # --- transfers -----------------------------------------------------------------------------

    async def followed_transfer(self, number: str, inspection_ids: Sequence[str]) -> FollowedTransfer | None:
        """A transfer of one of these inspections, with its result."""
        stmt = (
            select(transfers, reports.c.tracking_number)
            .join(reports, reports.c.pk == transfers.c.report_id)
            .where(transfers.c.number == number, transfers.c.inspection_id.in_(inspection_ids))
        )
        async with self._db.read() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return followed_of(self._db, row, row["tracking_number"]) if row else None

    async def transfer_events(self, transfer_pk: int) -> list[TransferEvent]:
        """The replies recorded on a transfer, oldest first."""
        stmt = (
            select(transfer_events)
            .where(transfer_events.c.transfer_id == transfer_pk)
            .order_by(transfer_events.c.pk)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [
            TransferEvent(
                pk=r["pk"],
                transfer_id=r["transfer_id"],
                kind=r["kind"],
                text=self._db.unseal(r["text"]),
                documents=list(r["documents"] or []),
                message_id=r["message_id"],
                actor=r["actor"],
                created_at=r["created_at"],
            )
            for r in rows
        ]

    async def record_feedback(
        self,
        transfer_pk: int,
        kind: FeedbackKind,
        *,
        text: str | None,
        documents: Sequence[dict[str, Any]] = (),
        actor: str,
        now: datetime,
        message_id: int | None = None,
    ) -> FeedbackOutcome:
        """Record a reply of the receiving body and move the transfer's and the report's states
        (`intake.transfers.feedback_step` decides how), with its event and audit entry."""
        check_feedback_kind(kind)
        async with self._db.write() as conn:
            row, report_state = await _locked_transfer(conn, transfer_pk)
            report_pk = row["report_id"]
            others = await _others_unfinished(conn, report_pk, transfer_pk) if kind == "closed" else 0
            step = feedback_step(
                kind,
                transfer_state=row["state"],
                feedback_at=row["feedback_at"],
                report_state=report_state,
                others_unfinished=others,
                text=text,
                now=now,
            )
            # The body's result is sealed like every text that may name people.
            values = {k: self._db.seal(v) if k == "result" else v for k, v in step.transfer.items()}
            if values:
                await conn.execute(update(transfers).where(transfers.c.pk == transfer_pk).values(**values))
            event = {"kind": kind, "text": self._db.seal(text) if text else None, "message_id": message_id}
            await conn.execute(
                transfer_events.insert().values(
                    transfer_id=transfer_pk,
                    report_id=report_pk,
                    documents=list(documents) or None,
                    actor=actor,
                    created_at=now,
                    **event,
                )
            )
            outcome = step.outcome
            if outcome.report_state != report_state:
                await conn.execute(
                    update(reports)
                    .where(reports.c.pk == report_pk)
                    .values(state=outcome.report_state, updated_at=now)
                )
            detail = {
                "number": row["number"],
                "documents": len(documents),
                "transfer_state": outcome.transfer_state,
                "report_state": outcome.report_state,
            }
            await insert_audit(
                conn, actor=actor, action=f"transfer.{kind}", report_id=report_pk, detail=detail, now=now
            )
        return outcome

    async def close_report(self, report_pk: int, *, actor: str, now: datetime, result: str | None) -> None:
        """Close an item the team handled itself (办结); the result goes into a note."""
        async with self._db.write() as conn:
            await conn.execute(
                update(reports).where(reports.c.pk == report_pk).values(state="closed", updated_at=now)
            )
            if result:
                await conn.execute(
                    notes.insert().values(
                        report_id=report_pk, author=actor, text=f"办结：{result}", created_at=now
                    )
                )
            await insert_audit(
                conn,
                actor=actor,
                action="report.closed",
                report_id=report_pk,
                detail={"with_result": bool(result)},
                now=now,
            )
