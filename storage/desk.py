"""What the duty officers' desk reads and writes: accounts, the queue, actions, transfers, directory.

`SqlDesk` writes in the same transactions as the other repositories (one `storage.db.Db`), so an
officer's action and its audit entry always commit together.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Select, and_, exists, func, or_, select, tuple_, update

from intake.accounts import AuditScope
from intake.models import Decision
from intake.ports import AuditEntry, OutboxItem, RawMessage, Report
from intake.transfers import Transfer
from storage.audit_log import SqlAuditLog, insert_audit
from storage.db import Db
from storage.messages import SqlMessages
from storage.outbox import SqlOutbox
from storage.reports import LOW_CONFIDENCE, current_decisions, one_report, record_decision, report_of
from storage.schema import (
    audit_log,
    decisions,
    directory,
    messages,
    notes,
    reports,
    search_terms,
    transfers,
)
from storage.search import query_terms
from storage.transfers import transfer_of

Sort = Literal["priority", "newest", "oldest", "confidence"]
NEEDS_DECISION = ("received", "decided")


@dataclass(frozen=True, slots=True)
class QueueFilter:
    """The officer's filters; empty fields do not filter."""

    inspection_ids: tuple[str, ...]
    states: tuple[str, ...] = NEEDS_DECISION
    scope: str | None = None
    category: str | None = None
    channel: str | None = None
    low_confidence: bool = False
    assignee: str | None = None
    overdue_before: datetime | None = None  # transfers whose deadline passed before this time
    text: str | None = None
    sort: Sort = "priority"


@dataclass(frozen=True, slots=True)
class QueuePage:
    rows: list[Report]
    assignees: dict[int, str | None]
    next_cursor: str | None


@dataclass(frozen=True, slots=True)
class Note:
    pk: int
    author: str
    text: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    kind: str
    region: str
    name: str
    email: str | None


@dataclass(frozen=True, slots=True)
class ReportDetail:
    report: Report
    assignee: str | None
    merged_into: str | None
    messages: Sequence[RawMessage]
    acks: Sequence[OutboxItem]
    notes: list[Note]
    transfers: list[Transfer]
    history: Sequence[AuditEntry]
    decisions: list[tuple[str, str, datetime, Decision]] = field(default_factory=list)


def _sort_columns(sort: Sort) -> tuple[list[Any], bool]:
    """The keyset columns of a sort order, and whether it runs descending."""
    if sort == "newest":
        return [reports.c.created_at, reports.c.pk], True
    if sort == "oldest":
        return [reports.c.created_at, reports.c.pk], False
    if sort == "confidence":
        return [reports.c.confidence, reports.c.pk], False
    return [reports.c.priority, reports.c.created_at, reports.c.pk], False


def _encode_cursor(values: list[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _decode_cursor(cursor: str, sort: Sort) -> list[Any] | None:
    """The keyset values in a cursor, or None for a cursor that is not ours (treated as page 1)."""
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        columns, _ = _sort_columns(sort)
        if not isinstance(values, list) or len(values) != len(columns):
            return None
        return [
            datetime.fromisoformat(v) if col.name in ("created_at",) else v
            for v, col in zip(values, columns, strict=True)
        ]
    except (ValueError, TypeError):
        return None


class SqlDesk:
    """The desk's queue, a report's page, the officers' actions and the directory of bodies."""

    def __init__(self, db: Db, messages: SqlMessages, outbox: SqlOutbox, audit_log: SqlAuditLog) -> None:
        self._db = db
        self._messages = messages
        self._outbox = outbox
        self._audit_log = audit_log

    async def first_texts(self, report_ids: Collection[int]) -> dict[int, str]:
        """Each report's first message text (contacts already masked at rest), for the queue."""
        if not report_ids:
            return {}
        stmt = (
            select(messages.c.report_id, messages.c.text)
            .where(messages.c.report_id.in_(list(report_ids)))
            .order_by(messages.c.pk)
        )
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).all()
        found: dict[int, str] = {}
        for report_id, stored in rows:
            if report_id not in found:
                found[report_id] = self._db.codec.unseal(stored)
        return found

    # --- the queue ---------------------------------------------------------------------------

    def _queue_query(self, f: QueueFilter) -> Select[Any]:
        stmt = select(reports).where(reports.c.inspection_id.in_(f.inspection_ids))
        if f.states:
            stmt = stmt.where(reports.c.state.in_(f.states))
        if f.scope:
            stmt = stmt.where(reports.c.scope == f.scope)
        if f.category:
            stmt = stmt.where(reports.c.category == f.category)
        if f.channel:
            stmt = stmt.where(reports.c.channel == f.channel)
        if f.low_confidence:
            stmt = stmt.where(reports.c.confidence < LOW_CONFIDENCE)
        if f.assignee:
            stmt = stmt.where(reports.c.assignee == f.assignee)
        if f.overdue_before is not None:
            stmt = stmt.where(
                exists().where(
                    transfers.c.report_id == reports.c.pk,
                    transfers.c.state == "open",
                    transfers.c.deadline < f.overdue_before,
                )
            )
        if f.text:
            by_number = reports.c.tracking_number == f.text.strip().upper()
            terms = query_terms(f.text, self._db.codec.lookup)
            if terms is None:
                stmt = stmt.where(by_number)
            else:
                # Texts are sealed: search the blind bigram index (storage/search.py), every pair.
                has_all = and_(
                    *[
                        exists().where(search_terms.c.term == term, search_terms.c.report_id == reports.c.pk)
                        for term in sorted(terms)
                    ]
                )
                stmt = stmt.where(or_(by_number, has_all))
        return stmt

    async def queue(self, f: QueueFilter, *, cursor: str | None = None, limit: int = 50) -> QueuePage:
        """One page of the queue in keyset order; `next_cursor` continues after its last row."""
        columns, descending = _sort_columns(f.sort)
        stmt = self._queue_query(f)
        after = _decode_cursor(cursor, f.sort) if cursor else None
        if after is not None:
            key = tuple_(*columns)
            stmt = stmt.where(key < tuple_(*after) if descending else key > tuple_(*after))
        stmt = stmt.order_by(*[c.desc() if descending else c.asc() for c in columns]).limit(limit + 1)
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
            more = len(rows) > limit
            rows = rows[:limit]
            current = await current_decisions(conn, [r["pk"] for r in rows]) if rows else {}
        page = [report_of(self._db, r, current) for r in rows]
        next_cursor = _encode_cursor([rows[-1][c.name] for c in columns]) if more and rows else None
        return QueuePage(page, {r["pk"]: r["assignee"] for r in rows}, next_cursor)

    async def queue_count(self, f: QueueFilter, cap: int = 1000) -> int:
        """How many reports match the filters, counted up to `cap` + 1 (the heading says "1000+"):
        an exact count of a million rows would cost more than the page itself."""
        stmt = select(func.count()).select_from(self._queue_query(f).limit(cap + 1).subquery())
        async with self._db.read() as conn:
            return int((await conn.execute(stmt)).scalar_one())

    # --- one report --------------------------------------------------------------------------

    async def report_pk(self, tracking_number: str, inspection_ids: Sequence[str]) -> int | None:
        """The report's key if it belongs to one of these inspections (no peeking across teams)."""
        async with self._db.read() as conn:
            row = (
                await conn.execute(
                    select(reports.c.pk).where(
                        reports.c.tracking_number == tracking_number,
                        reports.c.inspection_id.in_(inspection_ids),
                    )
                )
            ).first()
        return int(row[0]) if row else None

    async def detail(self, report_pk: int) -> ReportDetail:
        """Everything the report page shows."""
        async with self._db.read() as conn:
            report = await one_report(self._db, conn, reports.c.pk == report_pk)
            extra = (
                await conn.execute(
                    select(reports.c.assignee, reports.c.merged_into).where(reports.c.pk == report_pk)
                )
            ).one()
            merged_into = None
            if extra.merged_into is not None:
                merged_into = (
                    await conn.execute(
                        select(reports.c.tracking_number).where(reports.c.pk == extra.merged_into)
                    )
                ).scalar_one_or_none()
            note_rows = (
                (await conn.execute(select(notes).where(notes.c.report_id == report_pk).order_by(notes.c.pk)))
                .mappings()
                .all()
            )
            transfer_rows = (
                (
                    await conn.execute(
                        select(transfers).where(transfers.c.report_id == report_pk).order_by(transfers.c.pk)
                    )
                )
                .mappings()
                .all()
            )
            decision_rows = (
                (
                    await conn.execute(
                        select(decisions).where(decisions.c.report_id == report_pk).order_by(decisions.c.pk)
                    )
                )
                .mappings()
                .all()
            )
        return ReportDetail(
            report=report,
            assignee=extra.assignee,
            merged_into=merged_into,
            messages=await self._messages.report_messages(report_pk),
            acks=await self._outbox.report_acks(report_pk),
            notes=[
                Note(r["pk"], r["author"], self._db.codec.unseal(r["text"]), r["created_at"])
                for r in note_rows
            ],
            transfers=[transfer_of(self._db, r) for r in transfer_rows],
            history=await self._audit_log.audit_entries(report_pk, limit=200),
            decisions=[
                (r["kind"], r["actor"], r["created_at"], Decision.model_validate(r["body"]))
                for r in decision_rows
            ],
        )

    # --- actions -----------------------------------------------------------------------------

    async def set_decision(
        self, report_pk: int, decision: Decision, *, actor: str, state: str, now: datetime, action: str
    ) -> None:
        """Record an officer's decision (confirmed or changed) and move the report's state."""
        async with self._db.write() as conn:
            await record_decision(
                conn, report_pk, decision, kind="confirmed", actor=actor, state=state, now=now
            )
            await insert_audit(
                conn,
                actor=actor,
                action=action,
                report_id=report_pk,
                detail={
                    "scope": decision.scope.value,
                    "category": decision.category.value,
                    "tier": decision.subject.tier.value
                    if decision.subject and decision.subject.tier
                    else None,
                    "target": decision.target.model_dump() if decision.target else None,
                    "state": state,
                },
                now=now,
            )

    async def assign(self, report_pk: int, assignee: str | None, *, actor: str, now: datetime) -> None:
        async with self._db.write() as conn:
            await conn.execute(
                update(reports).where(reports.c.pk == report_pk).values(assignee=assignee, updated_at=now)
            )
            await insert_audit(
                conn,
                actor=actor,
                action="report.assigned",
                report_id=report_pk,
                detail={"assignee": assignee},
                now=now,
            )

    async def merge(self, report_pk: int, into_pk: int, *, actor: str, now: datetime) -> None:
        """Merge a duplicate into another report: both stay visible, the duplicate's state is merged."""
        if report_pk == into_pk:
            raise ValueError("a report cannot be merged into itself")
        async with self._db.write() as conn:
            target = (
                await conn.execute(
                    select(reports.c.tracking_number, reports.c.merged_into).where(reports.c.pk == into_pk)
                )
            ).one()
            if target.merged_into is not None:
                raise ValueError(
                    f"{target.tracking_number} is itself merged; merge into what it was merged into"
                )
            await conn.execute(
                update(reports)
                .where(reports.c.pk == report_pk)
                .values(state="merged", merged_into=into_pk, updated_at=now)
            )
            await insert_audit(
                conn,
                actor=actor,
                action="report.merged",
                report_id=report_pk,
                detail={"into": target.tracking_number},
                now=now,
            )
            await insert_audit(
                conn,
                actor=actor,
                action="report.merged_in",
                report_id=into_pk,
                detail={"from_pk": report_pk},
                now=now,
            )

    async def add_note(self, report_pk: int, text: str, *, actor: str, now: datetime) -> None:
        async with self._db.write() as conn:
            await conn.execute(
                notes.insert().values(
                    report_id=report_pk, author=actor, text=self._db.codec.seal(text), created_at=now
                )
            )
            await insert_audit(
                conn, actor=actor, action="note.added", report_id=report_pk, detail={}, now=now
            )

    async def audit_action(
        self, report_pk: int | None, action: str, detail: dict[str, Any], *, actor: str, now: datetime
    ) -> None:
        """Record an action that changes nothing else (a view of the reporter's identity, say)."""
        async with self._db.write() as conn:
            await insert_audit(conn, actor=actor, action=action, report_id=report_pk, detail=detail, now=now)

    # --- the directory -------------------------------------------------------------------------

    async def directory_entries(self, search: str | None = None, limit: int = 200) -> list[DirectoryEntry]:
        stmt = select(directory).order_by(directory.c.region, directory.c.kind).limit(limit)
        if search:
            pattern = f"%{search}%"
            stmt = stmt.where(or_(directory.c.name.like(pattern), directory.c.region.like(pattern)))
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [DirectoryEntry(r["kind"], r["region"], r["name"], r["email"]) for r in rows]

    async def directory_entry(self, kind: str, region: str) -> DirectoryEntry | None:
        async with self._db.read() as conn:
            r = (
                (
                    await conn.execute(
                        select(directory).where(and_(directory.c.kind == kind, directory.c.region == region))
                    )
                )
                .mappings()
                .first()
            )
        return DirectoryEntry(r["kind"], r["region"], r["name"], r["email"]) if r else None

    async def put_directory_entry(self, entry: DirectoryEntry, *, actor: str, now: datetime) -> None:
        """Add or replace the body for (kind, region)."""
        async with self._db.write() as conn:
            found = (
                await conn.execute(
                    select(directory.c.pk).where(
                        directory.c.kind == entry.kind, directory.c.region == entry.region
                    )
                )
            ).first()
            values = {"name": entry.name, "email": entry.email, "updated_at": now}
            if found:
                await conn.execute(update(directory).where(directory.c.pk == found[0]).values(**values))
            else:
                await conn.execute(directory.insert().values(kind=entry.kind, region=entry.region, **values))
            await insert_audit(
                conn,
                actor=actor,
                action="directory.updated",
                report_id=None,
                detail={"kind": entry.kind, "region": entry.region, "name": entry.name},
                now=now,
            )

    async def recent_audit(
        self,
        limit: int = 200,
        *,
        action_prefix: str | None = None,
        actor: str | None = None,
        scope: AuditScope | None = None,
    ) -> list[AuditEntry]:
        """The newest audit entries of the whole service, newest first (for leaders); optionally only
        actions starting with `action_prefix` ("identity." answers who saw a reporter), or one actor's.
        With `scope`, only what an account limited to some inspections may see (`AuditScope`)."""
        stmt = select(audit_log).order_by(audit_log.c.pk.desc()).limit(limit)
        if scope is not None:
            theirs = select(reports.c.pk).where(reports.c.inspection_id.in_(scope.inspection_ids))
            stmt = stmt.where(
                or_(
                    audit_log.c.report_id.in_(theirs),
                    and_(audit_log.c.report_id.is_(None), audit_log.c.actor == scope.own_name),
                )
            )
        if action_prefix:
            stmt = stmt.where(audit_log.c.action.startswith(action_prefix, autoescape=True))
        if actor:
            stmt = stmt.where(audit_log.c.actor == actor)
        async with self._db.read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [
            AuditEntry(r["pk"], r["at"], r["actor"], r["action"], r["report_id"], r["detail"]) for r in rows
        ]
