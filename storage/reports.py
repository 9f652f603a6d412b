"""Reports and their decisions: numbering, the machine's suggestions, and reading them back."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any, Final, cast, get_args

from sqlalchemy import Connection, and_, bindparam, select, update
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from intake.errors import StorageError
from intake.models import Channel, Decision, ReportState
from intake.ports import NewAck, NewReport, Report
from storage.audit_log import AuditRow, append_audits, insert_audit
from storage.db import Db, insert_ignoring
from storage.messages import SqlMessages
from storage.outbox import queue_acks
from storage.schema import decisions, inspections, messages, reports
from storage.search_index import PackedTerms, SearchIndex, insert_packed_terms

TRACKING_PLACEHOLDER: Final = "{tracking_number}"

_REPORT_STATES: Final = frozenset(get_args(ReportState))


# Below this confidence a decision goes to the top of the officers' "check" list.
LOW_CONFIDENCE = 0.6


def queue_priority(decision: Decision) -> int:
    """The report's place in the default queue: 0 low confidence, 1 in scope, 2 the rest."""
    if decision.confidence < LOW_CONFIDENCE:
        return 0
    return 1 if decision.scope.value == "in_scope" else 2


async def one_report(db: Db, conn: AsyncConnection, where: Any) -> Report:
    found = await load_reports(db, conn, where, limit=1)
    if not found:
        raise StorageError("report vanished inside its own transaction")
    return found[0]


async def load_reports(db: Db, conn: AsyncConnection, where: Any, *, limit: int) -> list[Report]:
    return await conn.run_sync(lambda sync: reports_where(db, sync, where, limit=limit))


def reports_where(db: Db, conn: Connection, where: Any, *, limit: int) -> list[Report]:
    """The newest `limit` reports matching `where`, with their current decisions."""
    stmt = select(reports).order_by(reports.c.created_at.desc(), reports.c.pk.desc()).limit(limit)
    if where is not None:
        stmt = stmt.where(where)
    rows = conn.execute(stmt).mappings().all()
    if not rows:
        return []
    current = decisions_of(conn, [row["pk"] for row in rows])
    return [report_of(db, row, current) for row in rows]


async def current_decisions(conn: AsyncConnection, report_pks: list[int]) -> dict[int, Decision]:
    return await conn.run_sync(decisions_of, report_pks)


def decisions_of(conn: Connection, report_pks: list[int]) -> dict[int, Decision]:
    """Each report's current decision."""
    # The newest row wins, whatever its kind: a later suggestion (after new evidence) replaces
    # an older confirmation only if someone wrote it later.
    stmt = (
        select(decisions.c.report_id, decisions.c.body)
        .where(decisions.c.report_id.in_(report_pks))
        .order_by(decisions.c.report_id, decisions.c.created_at.desc(), decisions.c.pk.desc())
    )
    current: dict[int, Decision] = {}
    for report_id, body in conn.execute(stmt).all():
        if report_id not in current:
            current[report_id] = Decision.model_validate(body)
    return current


def report_of(db: Db, row: RowMapping, current: Mapping[int, Decision]) -> Report:
    state = row["state"]
    if state not in _REPORT_STATES:
        raise StorageError(f"report {row['pk']} has unknown state {state!r}")
    decision = current.get(row["pk"])
    if decision is None:
        raise StorageError(f"report {row['pk']} has no decision")
    return Report(
        pk=row["pk"],
        inspection_id=row["inspection_id"],
        tracking_number=row["tracking_number"],
        state=cast(ReportState, state),
        channel=Channel(row["channel"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        decision=decision,
        sender=db.unseal(row["sender"]),
    )


async def insert_decision(
    conn: AsyncConnection, report_pk: int, decision: Decision, *, kind: str, actor: str, now: datetime
) -> None:
    await conn.execute(
        decisions.insert().values(
            report_id=report_pk,
            kind=kind,
            body=decision.model_dump(mode="json"),
            actor=actor,
            created_at=now,
        )
    )


async def record_decision(
    conn: AsyncConnection,
    report_pk: int,
    decision: Decision,
    *,
    kind: str,
    actor: str,
    state: str,
    now: datetime,
) -> None:
    """A new decision of the report (suggested or confirmed) and the report's columns that follow it."""
    await insert_decision(conn, report_pk, decision, kind=kind, actor=actor, now=now)
    await conn.execute(
        update(reports)
        .where(reports.c.pk == report_pk)
        .values(
            scope=decision.scope.value,
            category=decision.category.value,
            confidence=decision.confidence,
            priority=queue_priority(decision),
            state=state,
            updated_at=now,
        )
    )


def allocate_numbers(conn: Connection, inspection_ids: Sequence[str], now: datetime) -> list[int]:
    """The next tracking numbers, one per entry of `inspection_ids`, in order, each inspection
    counting on from its own last number."""
    wanted: dict[str, int] = {}
    for inspection_id in inspection_ids:
        wanted[inspection_id] = wanted.get(inspection_id, 0) + 1
    first: dict[str, int] = {}
    for inspection_id, count in sorted(wanted.items()):
        conn.execute(
            insert_ignoring(conn.dialect.name, inspections, "id").values(
                id=inspection_id, next_number=1, created_at=now
            )
        )
        # The row lock of this UPDATE serialises numbering per inspection on PostgreSQL; on
        # SQLite the transaction already holds the database's write lock.
        after = conn.execute(
            update(inspections)
            .where(inspections.c.id == inspection_id)
            .values(next_number=inspections.c.next_number + count)
            .returning(inspections.c.next_number)
        ).scalar_one()
        first[inspection_id] = int(after) - count
    numbers = []
    for inspection_id in inspection_ids:
        numbers.append(first[inspection_id])
        first[inspection_id] += 1
    return numbers


# A report being created: what was asked, its pk, and the row inserted.
_Created = tuple[NewReport, int, dict[str, Any]]


def _report_row(item: NewReport, msg: RowMapping, number: int, now: datetime) -> dict[str, Any]:
    """The reports row of a new report numbered `number`, opened from the stored message `msg`."""
    return {
        "inspection_id": msg["inspection_id"],
        "tracking_number": f"{item.tracking_prefix}-{number:04d}",
        "number": number,
        "state": item.state,
        "channel": msg["channel"],
        "sender": msg["sender"],  # already sealed: copied as stored
        "sender_hash": msg["sender_hash"],
        "scope": item.decision.scope.value,
        "category": item.decision.category.value,
        "confidence": item.decision.confidence,
        "priority": queue_priority(item.decision),
        "created_at": now,
        "updated_at": now,
    }


def _link_messages(conn: Connection, created: Sequence[_Created], terms: Mapping[int, PackedTerms]) -> None:
    """Link each message to its new report and index the report by the message's terms."""
    conn.execute(
        update(messages)
        .where(messages.c.pk == bindparam("m_pk"))
        .values(report_id=bindparam("r_pk"), handled=True),
        [{"m_pk": item.message_pk, "r_pk": pk} for item, pk, _ in created],
    )
    insert_packed_terms(
        conn, [(pk, terms[item.message_pk]) for item, pk, _ in created if item.message_pk in terms]
    )


def _insert_suggestions(conn: Connection, created: Sequence[_Created], now: datetime) -> None:
    """The machine's suggested decision of each new report."""
    conn.execute(
        decisions.insert(),
        [
            {
                "report_id": pk,
                "kind": "suggested",
                "body": item.decision.model_dump(mode="json"),
                "actor": "system",
                "created_at": now,
            }
            for item, pk, _ in created
        ],
    )


def _created_entry(item: NewReport, pk: int, row: dict[str, Any]) -> AuditRow:
    return AuditRow(
        actor="system",
        action="report.created",
        report_id=pk,
        detail={
            "tracking_number": row["tracking_number"],
            "scope": item.decision.scope.value,
            "category": item.decision.category.value,
        },
    )


def _create_in(
    db: Db, items: Sequence[NewReport], terms: Mapping[int, PackedTerms], now: datetime, conn: Connection
) -> list[Report]:
    """`SqlReports.create_reports`' transaction (synchronous: run in one trip to the database)."""
    # FOR UPDATE (in pk order, so two batches cannot deadlock) makes a concurrent batch for
    # the same messages wait, then see their reports.
    rows = (
        conn.execute(
            select(messages)
            .where(messages.c.pk.in_([i.message_pk for i in items]))
            .order_by(messages.c.pk)
            .with_for_update()
        )
        .mappings()
        .all()
    )
    by_pk = {row["pk"]: row for row in rows}
    missing = [i.message_pk for i in items if i.message_pk not in by_pk]
    if missing:
        raise LookupError(f"no message with pk {missing[0]}")
    done = {row["report_id"] for row in rows if row["report_id"] is not None}
    fresh = [i for i in items if by_pk[i.message_pk]["report_id"] is None]
    created = _insert_reports(db, conn, fresh, by_pk, terms, now) if fresh else {}
    existing = {}
    if done:
        existing = {r.pk: r for r in reports_where(db, conn, reports.c.pk.in_(done), limit=len(done))}
    return [
        created[i.message_pk] if i.message_pk in created else existing[by_pk[i.message_pk]["report_id"]]
        for i in items
    ]


def _insert_reports(
    db: Db,
    conn: Connection,
    items: Sequence[NewReport],
    by_pk: Mapping[int, RowMapping],
    terms: Mapping[int, PackedTerms],
    now: datetime,
) -> dict[int, Report]:
    """Number and insert the reports of `items` (messages without one) with everything that goes
    with them; returns them by message pk."""
    numbers = allocate_numbers(conn, [by_pk[i.message_pk]["inspection_id"] for i in items], now)
    rows = [
        _report_row(item, by_pk[item.message_pk], number, now)
        for item, number in zip(items, numbers, strict=True)
    ]
    # Plain executemany (no RETURNING: with it SQLite would be sent one INSERT per row to keep
    # the order), then the new pks by their tracking numbers, which are unique.
    conn.execute(reports.insert(), rows)
    numbered = [row["tracking_number"] for row in rows]
    found = conn.execute(
        select(reports.c.tracking_number, reports.c.pk).where(reports.c.tracking_number.in_(numbered))
    )
    pk_of: dict[str, int] = {number: pk for number, pk in found.all()}
    created = [(item, pk_of[row["tracking_number"]], row) for item, row in zip(items, rows, strict=True)]
    _link_messages(conn, created, terms)
    _insert_suggestions(conn, created, now)
    acks = [
        # Plain replace, not str.format: the text may hold other braces.
        (pk, replace(item.ack, text=item.ack.text.replace(TRACKING_PLACEHOLDER, row["tracking_number"])))
        for item, pk, row in created
        if item.ack is not None
    ]
    if acks:
        queue_acks(db, conn, acks, now, returning=False)
    append_audits(conn, [_created_entry(item, pk, row) for item, pk, row in created], now)
    return {
        item.message_pk: Report(
            pk=pk,
            inspection_id=row["inspection_id"],
            tracking_number=row["tracking_number"],
            state=item.state,
            channel=Channel(row["channel"]),
            created_at=now,
            updated_at=now,
            decision=item.decision,
            sender=db.unseal(row["sender"]),
        )
        for item, pk, row in created
    }


class SqlReports:
    """Reports and decisions (`intake.ports.ReportRecords`)."""

    def __init__(self, db: Db, messages: SqlMessages, search: SearchIndex) -> None:
        self._db = db
        self._messages = messages
        self._search = search

    async def create_report(
        self,
        *,
        message_pk: int,
        tracking_prefix: str,
        decision: Decision,
        state: ReportState,
        ack: NewAck | None,
        now: datetime,
    ) -> Report:
        """In one transaction: number and insert the report, link the message, store the suggested
        decision, queue the acknowledgement and write the audit entry. Idempotent per message.

        `{tracking_number}` in the acknowledgement's text becomes the number allocated here."""
        item = NewReport(message_pk, tracking_prefix, decision, state, ack)
        [report] = await self.create_reports([item], now=now)
        return report

    async def create_reports(self, items: Sequence[NewReport], *, now: datetime) -> list[Report]:
        """`create_report` for many messages in one transaction, a few statements for the lot
        (each table is written once, with all its rows); the reports come back in `items`' order.

        A message that already has a report (a redelivery, a sweep racing the process that took it
        in) gets that report back and nothing new."""
        if not items:
            return []
        if len({i.message_pk for i in items}) != len(items):
            raise ValueError("a message appears twice in one batch")
        # The search terms (a hundred keyed hashes a text) are worked out, sorted and packed before
        # the write lock is taken, and the loop is let go between texts, so that webhooks are
        # answered meanwhile.
        terms: dict[int, PackedTerms] = {}
        for pk, body in (await self._messages.texts_of([i.message_pk for i in items])).items():
            terms[pk] = PackedTerms.of(self._search.terms(body))
            await asyncio.sleep(0)
        # One trip to the database thread on SQLite (`Db.write_at_once`): the webhooks' raw commits
        # wait for this write lock, which through aiosqlite was held across some 46 trips, each
        # waiting for the event loop.
        return await self._db.write_at_once(
            functools.partial(_create_in, self._db, items, terms, now), urgent=False
        )

    async def add_suggestion(self, report_pk: int, decision: Decision, *, now: datetime) -> bool:
        """Record a new suggested decision (after more of the message arrived), unless an officer
        already confirmed one; the report's columns and queue place follow it. True when recorded."""
        async with self._db.write() as conn:
            row = (
                (
                    await conn.execute(
                        select(reports.c.state, reports.c.tracking_number)
                        .where(reports.c.pk == report_pk)
                        .with_for_update()
                    )
                )
                .mappings()
                .one_or_none()
            )
            if row is None:
                raise LookupError(f"no report with pk {report_pk}")
            confirmed = (
                await conn.execute(
                    select(decisions.c.pk)
                    .where(decisions.c.report_id == report_pk, decisions.c.kind == "confirmed")
                    .limit(1)
                )
            ).first()
            # An officer's decision is never replaced by the machine's, nor is a report taken out of
            # the states that follow a decision (confirmed, transferred, closed ...).
            if confirmed is not None or row["state"] not in ("received", "decided", "archived"):
                return False
            state = "archived" if decision.scope.value == "no_content" else "decided"
            await record_decision(
                conn, report_pk, decision, kind="suggested", actor="system", state=state, now=now
            )
            await insert_audit(
                conn,
                actor="system",
                action="decision.resuggested",
                report_id=report_pk,
                detail={
                    "tracking_number": row["tracking_number"],
                    "scope": decision.scope.value,
                    "category": decision.category.value,
                },
                now=now,
            )
        return True

    async def get_report(self, tracking_number: str) -> Report | None:
        """The report with this tracking number, or None."""
        async with self._db.read() as conn:
            found = await load_reports(self._db, conn, reports.c.tracking_number == tracking_number, limit=1)
        return found[0] if found else None

    async def recent_report_of(
        self, *, inspection_id: str, channel: Channel, sender: str, since: datetime
    ) -> Report | None:
        """The sender's newest report on this channel opened since `since` (a later part joins it)."""
        found = await self.recent_reports_of(
            inspection_id=inspection_id, channel=channel, senders=[sender], since=since
        )
        return found.get(sender)

    async def recent_reports_of(
        self, *, inspection_id: str, channel: Channel, senders: Collection[str], since: datetime
    ) -> dict[str, Report]:
        """Each sender's newest report on this channel opened since `since`, by sender (one query)."""
        by_hash = {self._db.codec.lookup(sender): sender for sender in senders}
        if not by_hash:
            return {}
        where = and_(
            reports.c.inspection_id == inspection_id,
            reports.c.channel == channel.value,
            reports.c.sender_hash.in_(sorted(by_hash)),
            reports.c.created_at >= since,
        )
        async with self._db.read() as conn:
            # Recent reports of a handful of senders: few rows, newest first, the first per sender wins.
            stmt = select(reports.c.pk, reports.c.sender_hash).where(where)
            rows = (await conn.execute(stmt.order_by(reports.c.created_at.desc(), reports.c.pk.desc()))).all()
            newest: dict[str, int] = {}
            for pk, sender_hash in rows:
                newest.setdefault(sender_hash, pk)
            if not newest:
                return {}
            found = await load_reports(self._db, conn, reports.c.pk.in_(newest.values()), limit=len(newest))
        pks = {pk: sender_hash for sender_hash, pk in newest.items()}
        return {by_hash[pks[r.pk]]: r for r in found}

    async def latest_reports(self, inspection_id: str | None, limit: int = 50) -> Sequence[Report]:
        """The newest reports of one inspection (or of all when None), newest first."""
        where = None if inspection_id is None else reports.c.inspection_id == inspection_id
        async with self._db.read() as conn:
            return await load_reports(self._db, conn, where, limit=limit)
