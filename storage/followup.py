"""Following every item to its end (件件有着落): the receiving bodies' replies, and the rows behind the
digest, the ledger and the statistics.

`FollowupStore` extends the desk store on the same engine: a reply, the states it moves and its
audit entry commit together. A body's result and a reply mail's text are sealed like every other
text that may name people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

from sqlalchemy import func, select, update
from sqlalchemy.engine import RowMapping

from intake.ports import NewAck, Report
from storage.audit_log import insert_audit
from storage.db import insert_ignoring_conflict
from storage.desk import NEEDS_DECISION, SqlDeskStore
from storage.messages import message_of
from storage.outbox import insert_acks
from storage.reports import current_decisions, report_of
from storage.schema import (
    decisions,
    digest_runs,
    messages,
    notes,
    outbox,
    reports,
    transfer_events,
    transfers,
)
from storage.transfers import FINISHED_TRANSFER, Transfer

FeedbackKind = Literal["accepted", "objected", "handled", "closed", "mail"]
FEEDBACK_KINDS: Final[tuple[str, ...]] = ("accepted", "objected", "handled", "closed", "mail")
# A transfer in one of these states still waits for the receiving body.
OPEN_TRANSFER: Final = ("open",)
# Transfers in FINISHED_TRANSFER's states (storage/transfers.py: closed, returned, withdrawn) are
# finished; a report whose transfers are all finished can be closed.


class FeedbackRefused(ValueError):
    """A reply that does not fit the transfer's state (a reply to a closed transfer, say)."""


@dataclass(frozen=True, slots=True)
class TransferEvent:
    """One thing the receiving body said or sent about a transfer."""

    pk: int
    transfer_id: int
    kind: str
    text: str | None
    documents: list[dict[str, Any]]
    message_id: int | None
    actor: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FollowedTransfer:
    """A transfer with where it stands: the body's result and when it came back or was closed."""

    transfer: Transfer
    tracking_number: str
    result: str | None
    feedback_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class FeedbackOutcome:
    """What recording a reply did."""

    transfer_state: str
    report_state: str
    report_closed: bool


@dataclass(frozen=True, slots=True)
class FailedAck:
    """An acknowledgement that could not be delivered, for the officers to follow up by other means."""

    pk: int
    tracking_number: str | None
    channel: str
    kind: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One report as the ledger (台账) lists it."""

    report: Report
    real_name: str | None
    decided_at: datetime | None
    decided_by: str | None
    transfers: list[FollowedTransfer] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Pending:
    """A report still waiting for an officer's decision."""

    tracking_number: str
    inspection_id: str
    created_at: datetime
    real_name: bool
    assignee: str | None


class FollowupStore(SqlDeskStore):
    """The desk store plus transfer follow-up and the reporting queries."""

    # --- documents -----------------------------------------------------------------------------

    def seal_document(self, data: bytes) -> bytes:
        """A document's bytes as they are kept on disk: sealed when the store's codec seals files."""
        seal_file = getattr(self._db.codec, "seal_file", None)
        return bytes(seal_file(data)) if seal_file is not None else data

    # --- transfers -----------------------------------------------------------------------------

    def _followed(self, row: RowMapping, tracking_number: str) -> FollowedTransfer:
        return FollowedTransfer(
            transfer=self._transfer(row),
            tracking_number=tracking_number,
            result=self._db.unseal(row["result"]),
            feedback_at=row["feedback_at"],
            closed_at=row["closed_at"],
        )

    async def followed_transfer(self, number: str, inspection_ids: Sequence[str]) -> FollowedTransfer | None:
        """A transfer of one of these inspections, with its result."""
        stmt = (
            select(transfers, reports.c.tracking_number)
            .join(reports, reports.c.pk == transfers.c.report_id)
            .where(transfers.c.number == number, transfers.c.inspection_id.in_(inspection_ids))
        )
        async with self._db.read() as conn:
            row = (await conn.execute(stmt)).mappings().first()
        return self._followed(row, row["tracking_number"]) if row else None

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
        """Record a reply of the receiving body and move the transfer's and the report's states.

        accepted: the body took the matter on (the transfer stays open); objected: it returned the
        matter, which goes back to the queue for a new decision; handled: it reported its result;
        closed: the officer closes the transfer, and the report when all its transfers are finished;
        mail: a reply mail attached to the thread, no state change.
        """
        if kind not in FEEDBACK_KINDS:
            raise FeedbackRefused(f"unknown reply kind {kind!r}")
        async with self._db.write() as conn:
            row = (
                (await conn.execute(select(transfers).where(transfers.c.pk == transfer_pk).with_for_update()))
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise LookupError(f"no transfer with pk {transfer_pk}")
            report_pk = row["report_id"]
            report_state = (
                await conn.execute(select(reports.c.state).where(reports.c.pk == report_pk))
            ).scalar_one()
            state = row["state"]
            if kind != "mail" and state in FINISHED_TRANSFER:
                done = {"closed": "办结", "returned": "退回", "withdrawn": "作废"}.get(state, "办结")
                raise FeedbackRefused(f"转办单已{done}，不能再登记反馈")
            if kind == "objected" and state != "open":
                raise FeedbackRefused("承办单位已反馈办理结果，不能再退回")
            values: dict[str, Any] = {}
            new_report_state = report_state
            if kind == "objected":
                values["state"] = "returned"
                # Back to the queue: the team decides again (another body, or its own handling).
                new_report_state = "decided"
            elif kind == "handled":
                values.update(state="feedback_received", result=self._db.seal(text), feedback_at=now)
                new_report_state = "feedback_received"
            elif kind == "closed":
                values.update(state="closed", closed_at=now)
                if text:
                    values["result"] = self._db.seal(text)
                if row["feedback_at"] is None:
                    values["feedback_at"] = now
            if values:
                await conn.execute(update(transfers).where(transfers.c.pk == transfer_pk).values(**values))
            await conn.execute(
                transfer_events.insert().values(
                    transfer_id=transfer_pk,
                    report_id=report_pk,
                    kind=kind,
                    text=self._db.seal(text) if text else None,
                    documents=list(documents) or None,
                    message_id=message_id,
                    actor=actor,
                    created_at=now,
                )
            )
            if kind == "closed":
                others = (
                    await conn.execute(
                        select(func.count()).where(
                            transfers.c.report_id == report_pk,
                            transfers.c.pk != transfer_pk,
                            transfers.c.state.not_in(FINISHED_TRANSFER),
                        )
                    )
                ).scalar_one()
                if not others:
                    new_report_state = "closed"
            if new_report_state != report_state:
                await conn.execute(
                    update(reports)
                    .where(reports.c.pk == report_pk)
                    .values(state=new_report_state, updated_at=now)
                )
            await insert_audit(
                conn,
                actor=actor,
                action=f"transfer.{kind}",
                report_id=report_pk,
                detail={
                    "number": row["number"],
                    "documents": len(documents),
                    "transfer_state": values.get("state", state),
                    "report_state": new_report_state,
                },
                now=now,
            )
        return FeedbackOutcome(
            transfer_state=str(values.get("state", state)),
            report_state=new_report_state,
            report_closed=new_report_state == "closed" and report_state != "closed",
        )

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
        return [self._followed(r, r["tracking_number"]) for r in rows]

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
            decided: dict[int, tuple[datetime, str]] = {}
            for d in (
                await conn.execute(
                    select(decisions.c.report_id, decisions.c.created_at, decisions.c.actor)
                    .where(decisions.c.report_id.in_(pks), decisions.c.kind == "confirmed")
                    .order_by(decisions.c.report_id, decisions.c.created_at, decisions.c.pk)
                )
            ).all():
                decided.setdefault(d.report_id, (d.created_at, d.actor))
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
                by_report.setdefault(t["report_id"], []).append(self._followed(t, ""))
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
