"""`SqlReportStore`: `intake.ports.ReportStore` on SQLAlchemy Core, one code path for SQLite and PG."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import operator
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Protocol, Self, cast, get_args

from sqlalchemy import Table, and_, bindparam, delete, or_, select, text, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import DBAPIError, DisconnectionError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import Insert

from intake.contacts import mask_text, restore
from intake.errors import StorageError
from intake.models import Channel, Decision, ReportState
from intake.ports import (
    OPTED_OUT_ERROR,
    AuditEntry,
    NewAck,
    NewReport,
    OutboxItem,
    RawMessage,
    Report,
    ReportStore,
    SavedRaw,
)
from storage.audit import GENESIS, ChainReport, ChainRow, entry_hash, verify_chain
from storage.engine import IMMEDIATE, file_problem, make_engine
from storage.groupcommit import GroupCommit, WriteTurns
from storage.migrate import migrate_engine
from storage.schema import (
    audit_log,
    decisions,
    inspections,
    messages,
    opt_outs,
    outbox,
    reports,
    search_terms,
    telegram_updates,
    utcnow,
)
from storage.search import pairs, term_id

# A claimed outbox item whose worker has not reported back within this time is handed out again.
DEFAULT_CLAIM_LEASE: Final = timedelta(seconds=60)
MAX_ERROR_CHARS: Final = 2000
PING_TIMEOUT_S: Final = 5.0
TRACKING_PLACEHOLDER: Final = "{tracking_number}"
# Arbitrary constant key of the PostgreSQL advisory lock that makes audit appends one at a time, so
# that the hash chain stays a chain (SQLite's BEGIN IMMEDIATE already does that).
_PG_AUDIT_LOCK: Final = 7_305_100_002

_REPORT_STATES: Final = frozenset(get_args(ReportState))


@dataclass(frozen=True, slots=True)
class _AuditRow:
    """An audit entry to append (the time and the hashes are added when it is written)."""

    actor: str
    action: str
    report_id: int | None
    detail: dict[str, Any]


# Failures of the database or the connection to it; a bug in our own SQL or values is not among them.
_DB_ERRORS: Final = (DBAPIError, PoolTimeoutError, DisconnectionError, OSError)


class TextCodec(Protocol):
    """Turns a personal text field into what is stored, and back (`storage.crypto.SealingCodec`)."""

    def seal(self, value: str) -> str:
        """What to store for `value`."""
        ...

    def unseal(self, stored: str) -> str:
        """The value behind a stored text."""
        ...

    def lookup(self, value: str) -> str:
        """A hash of `value` to find equal values by (keyed: a database copy cannot test guesses)."""
        ...


class PlainText:
    """The codec that stores text as it is."""

    def seal(self, value: str) -> str:
        """Return `value` unchanged."""
        return value

    def unseal(self, stored: str) -> str:
        """Return `stored` unchanged."""
        return stored

    def lookup(self, value: str) -> str:
        """An unkeyed SHA-256: this codec protects nothing, it only keeps the columns filled."""
        return hashlib.sha256(value.encode("utf-8")).hexdigest()


# A message's raw payload (the provider's form or update) holds the sender and the text too, so it
# is stored sealed as one JSON text under this key.
SEALED_PAYLOAD_KEY: Final = "sealed"


# Where a message's payload keeps the contact details masked in its text and subject.
TEXT_CONTACTS_KEY: Final = "text_contacts"


def masked_contacts(
    text: str, subject: str | None, payload: dict[str, Any] | None
) -> tuple[str, str | None, dict[str, Any] | None]:
    """The text and subject with contact details masked, and the payload that keeps them."""
    in_text = mask_text(text)
    in_subject = mask_text(subject) if subject else None
    if not in_text.contacts and not (in_subject and in_subject.contacts):
        return text, subject, payload
    record = {"text": in_text.sealed_record(), "subject": in_subject.sealed_record() if in_subject else []}
    return (
        in_text.text,
        in_subject.text if in_subject else subject,
        {**(payload or {}), TEXT_CONTACTS_KEY: record},
    )


def unmasked(message: RawMessage) -> tuple[str, str | None]:
    """A message's text and subject as the citizen wrote them: only for the audited reveal."""
    record = (message.payload or {}).get(TEXT_CONTACTS_KEY) or {}
    subject = restore(message.subject, record.get("subject")) if message.subject else message.subject
    return restore(message.text, record.get("text")), subject


# Below this confidence a decision goes to the top of the officers' "check" list.
LOW_CONFIDENCE = 0.6


def queue_priority(decision: Decision) -> int:
    """The report's place in the default queue: 0 low confidence, 1 in scope, 2 the rest."""
    if decision.confidence < LOW_CONFIDENCE:
        return 0
    return 1 if decision.scope.value == "in_scope" else 2


def _insert_ignoring_conflict(conn: AsyncConnection, table: Table, *index_elements: str) -> Insert:
    """INSERT ... ON CONFLICT (index_elements) DO NOTHING in the connection's dialect."""
    return _insert_ignoring(conn.dialect.name, table, *index_elements)


@functools.cache
def _raw_message_insert(dialect: str) -> Insert:
    """`save_raw`'s statement, built once per dialect: every webhook runs it, and building and
    keying a statement anew cost more than executing it."""
    return _insert_ignoring(dialect, messages, "channel", "provider_id").returning(*messages.c)


def _insert_ignoring(name: str, table: Table, *index_elements: str) -> Insert:
    if name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    if name == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=list(index_elements))
    raise StorageError(f"unsupported database dialect {name!r}")


async def add_search_terms(conn: AsyncConnection, report_pk: int, terms: set[int]) -> None:
    """Add `terms` to a report's search index, those it does not hold yet."""
    if not terms:
        return
    known = set(
        (
            await conn.execute(
                select(search_terms.c.term).where(
                    search_terms.c.report_id == report_pk, search_terms.c.term.in_(terms)
                )
            )
        ).scalars()
    )
    await _insert_terms(conn, [(t, report_pk) for t in terms - known])


async def _insert_terms(conn: AsyncConnection, rows: Sequence[tuple[int, int]]) -> None:
    """Insert (term, report pk) rows, a hundred or more a report: straight to the driver's executemany
    (SQLAlchemy's per-row parameter handling cost more than the database's work), in term order (the
    index's neighbours follow each other: 45% less of SQLite's CPU than in report order)."""
    if not rows:
        return
    if conn.dialect.paramstyle == "qmark":
        sql = "INSERT INTO search_terms (term, report_id) VALUES (?, ?)"
    else:  # asyncpg through SQLAlchemy: numeric_dollar
        sql = "INSERT INTO search_terms (term, report_id) VALUES ($1, $2)"
    await conn.exec_driver_sql(sql, sorted(rows))


class SqlReportStore:
    """Messages, reports, decisions, the outbox and the audit log in a SQL database."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        codec: TextCodec | None = None,
        claim_lease: timedelta = DEFAULT_CLAIM_LEASE,
    ) -> None:
        self._engine = engine
        self._codec: TextCodec = codec or PlainText()
        self._claim_lease = claim_lease
        # SQLite lets one writer in at a time, and a connection that finds the lock taken sleeps in
        # SQLite's busy handler (1, 2, 5 ... 100 ms) before it looks again. Writers of this process
        # queue here (raw commits first) and go in the moment the lock is free; others still meet the
        # busy timeout. PostgreSQL locks rows, not the database, so its writers run side by side.
        self._one_writer = WriteTurns() if engine.dialect.name == "sqlite" else None
        # Bigram -> search term id (storage/search.py), bounded: some 13 MB at most. On the shared
        # real messages two lookups in three hit it.
        self._term_id = functools.lru_cache(maxsize=1 << 16)(lambda gram: term_id(gram, self._codec.lookup))
        self._raw_commits: GroupCommit[dict[str, Any], tuple[RowMapping | None, RowMapping]] = GroupCommit(
            self._save_raws
        )

    @classmethod
    async def open(cls, url: str, *, codec: TextCodec | None = None, **engine_kwargs: Any) -> Self:
        """Connect to `url`, migrate the schema to the newest revision and return the store."""
        engine = make_engine(url, **engine_kwargs)
        try:
            await migrate_engine(engine)
        except _DB_ERRORS as exc:
            await engine.dispose()
            raise StorageError(f"could not migrate the database: {exc.__class__.__name__}") from exc
        except BaseException:
            await engine.dispose()
            raise
        return cls(engine, codec=codec)

    @property
    def engine(self) -> AsyncEngine:
        """The engine the store runs on."""
        return self._engine

    async def close(self) -> None:
        """Close every pooled connection."""
        await self._engine.dispose()

    # --- transactions -------------------------------------------------------------------------

    @asynccontextmanager
    async def _write(self, *, urgent: bool = False) -> AsyncIterator[AsyncConnection]:
        async with self._one_writer.turn(urgent=urgent) if self._one_writer else contextlib.nullcontext():
            try:
                async with self._engine.connect() as conn:
                    await conn.execution_options(**{IMMEDIATE: True})
                    async with conn.begin():
                        yield conn
            except _DB_ERRORS as exc:
                raise StorageError(f"database write failed: {exc.__class__.__name__}: {exc}") from exc

    @asynccontextmanager
    async def _read(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self._engine.connect() as conn:
                yield conn
        except _DB_ERRORS as exc:
            raise StorageError(f"database read failed: {exc.__class__.__name__}: {exc}") from exc

    # --- personal fields: the one place they are written and read ----------------------------

    def _seal(self, value: str | None) -> str | None:
        return None if value is None else self._codec.seal(value)

    def _unseal(self, stored: str | None) -> str | None:
        return None if stored is None else self._codec.unseal(stored)

    def _lookup(self, value: str | None) -> str | None:
        return None if value is None else self._codec.lookup(value)

    def _seal_payload(self, payload: dict[str, Any] | None) -> dict[str, Any] | None:
        if payload is None:
            return None
        return {SEALED_PAYLOAD_KEY: self._codec.seal(json.dumps(payload, ensure_ascii=False))}

    def _unseal_payload(self, stored: dict[str, Any] | None) -> dict[str, Any] | None:
        if stored is None or set(stored) != {SEALED_PAYLOAD_KEY}:
            return stored  # stored before payloads were sealed
        loaded: dict[str, Any] = json.loads(self._codec.unseal(stored[SEALED_PAYLOAD_KEY]))
        return loaded

    def _message(self, row: RowMapping) -> RawMessage:
        return RawMessage(
            pk=row["pk"],
            inspection_id=row["inspection_id"],
            channel=Channel(row["channel"]),
            provider_id=row["provider_id"],
            sender=self._unseal(row["sender"]),
            text=self._codec.unseal(row["text"]),
            subject=row["subject"],
            received_at=row["received_at"],
            report_id=row["report_id"],
            payload=self._unseal_payload(row["payload"]),
            handled=bool(row["handled"]),
        )

    # --- messages -----------------------------------------------------------------------------

    async def save_raw(
        self,
        *,
        inspection_id: str,
        channel: Channel,
        provider_id: str,
        sender: str | None,
        text: str,
        subject: str | None,
        received_at: datetime,
        payload: dict[str, Any] | None,
    ) -> SavedRaw:
        """Commit a raw inbound message; a second delivery of (channel, provider_id) returns the first.

        Contact details typed into the text or subject are masked in what is stored and sealed with
        the payload (`masked_contacts`): the text is searched, listed and printed, the payload only
        unsealed for an officer's audited reveal."""
        text, subject, payload = masked_contacts(text, subject, payload)
        values = {
            "inspection_id": inspection_id,
            "channel": channel.value,
            "provider_id": provider_id,
            "sender": self._seal(sender),
            "sender_hash": self._lookup(sender),
            "text": self._codec.seal(text),
            "subject": subject,
            "received_at": received_at,
            "payload": self._seal_payload(payload),
            "handled": False,
            "created_at": utcnow(),
        }
        inserted, row = await self._raw_commits.submit(values)
        if inserted is None:
            return SavedRaw(message=self._message(row), duplicate=True)
        # What was just sealed need not be unsealed again.
        message = RawMessage(
            pk=inserted["pk"],
            inspection_id=inspection_id,
            channel=channel,
            provider_id=provider_id,
            sender=sender,
            text=text,
            subject=subject,
            received_at=inserted["received_at"],
            report_id=None,
            payload=payload,
            handled=False,
        )
        return SavedRaw(message=message, duplicate=False)

    async def _save_raws(self, batch: Sequence[dict[str, Any]]) -> list[tuple[RowMapping | None, RowMapping]]:
        """The webhooks' raw rows in one transaction (`GroupCommit`): per row, (inserted row or None,
        stored row); None for a delivery stored before (or twice in this batch: the first wins)."""
        key = operator.itemgetter("channel", "provider_id")
        fresh = list({key(v): v for v in reversed(batch)}.values())
        async with self._write(urgent=True) as conn:  # the webhooks' answers wait for this commit
            stmt = _raw_message_insert(conn.dialect.name)
            inserted = {key(r): r for r in (await conn.execute(stmt, fresh)).mappings().all()}
            stored = dict(inserted)
            missing = [k for k in map(key, batch) if k not in stored]
            if missing:
                found = await conn.execute(
                    select(messages).where(
                        tuple_(messages.c.channel, messages.c.provider_id).in_(sorted(set(missing)))
                    )
                )
                stored.update({key(r): r for r in found.mappings().all()})
        out: list[tuple[RowMapping | None, RowMapping]] = []
        for v in batch:
            k = key(v)
            out.append((inserted.pop(k, None), stored[k]))
        return out

    async def unprocessed_messages(
        self,
        limit: int = 100,
        *,
        stored_before: datetime | None = None,
        channels: Collection[Channel] | None = None,
    ) -> Sequence[RawMessage]:
        """Raw messages committed but not yet turned into a report (after a crash, say), oldest first;
        with `stored_before`, only those stored before that time; with `channels`, only theirs."""
        stmt = (
            select(messages)
            .where(messages.c.handled.is_(False), messages.c.report_id.is_(None))
            .order_by(messages.c.pk)
            .limit(limit)
        )
        if stored_before is not None:
            stmt = stmt.where(messages.c.created_at < stored_before)
        if channels is not None:
            stmt = stmt.where(messages.c.channel.in_(sorted(c.value for c in channels)))
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [self._message(row) for row in rows]

    async def unprocessed_among(self, message_pks: Collection[int]) -> set[int]:
        """Those of `message_pks` that still have neither a report nor the handled mark."""
        if not message_pks:
            return set()
        stmt = select(messages.c.pk).where(
            messages.c.pk.in_(sorted(message_pks)),
            messages.c.handled.is_(False),
            messages.c.report_id.is_(None),
        )
        async with self._read() as conn:
            return set((await conn.execute(stmt)).scalars())

    async def mark_message_handled(self, message_pk: int, report_id: int | None) -> None:
        """Record that a raw message needs no new report; link it to `report_id` when one is given."""
        values: dict[str, Any] = {"handled": True}
        if report_id is not None:
            values["report_id"] = report_id
        async with self._write() as conn:
            result = await conn.execute(update(messages).where(messages.c.pk == message_pk).values(values))
            if result.rowcount == 0:
                raise LookupError(f"no message with pk {message_pk}")
            if report_id is not None:
                # A message joined to a report (a later SMS part, a Telegram follow-up) is searchable too.
                stored = (
                    await conn.execute(select(messages.c.text).where(messages.c.pk == message_pk))
                ).scalar_one()
                await self._index_text(conn, report_id, self._codec.unseal(stored))

    async def _index_text(self, conn: AsyncConnection, report_pk: int, text: str) -> None:
        """Add the text's search terms to the report's (storage/search.py)."""
        await add_search_terms(conn, report_pk, self._terms(text))

    async def _texts_of(self, message_pks: Sequence[int]) -> dict[int, str]:
        stmt = select(messages.c.pk, messages.c.text).where(messages.c.pk.in_(message_pks))
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).all()
        return {pk: self._codec.unseal(stored) for pk, stored in rows}

    def _terms(self, text: str) -> set[int]:
        """The search terms of a text (storage/search.py), each bigram's hash computed once per
        process: a few thousand bigrams make up most texts, and a report has a hundred or more."""
        return {self._term_id(gram) for gram in pairs(text)}

    async def report_messages(self, report_id: int) -> Sequence[RawMessage]:
        """The messages of a report, in arrival order."""
        stmt = select(messages).where(messages.c.report_id == report_id).order_by(messages.c.pk)
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [self._message(row) for row in rows]

    # --- reports ------------------------------------------------------------------------------

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
        # The search terms (a hundred keyed hashes a text) are worked out before the write lock is
        # taken, and the loop is let go between texts, so that webhooks are answered meanwhile.
        terms: dict[int, set[int]] = {}
        for pk, body in (await self._texts_of([i.message_pk for i in items])).items():
            terms[pk] = self._terms(body)
            await asyncio.sleep(0)
        async with self._write() as conn:
            # FOR UPDATE (in pk order, so two batches cannot deadlock) makes a concurrent batch for
            # the same messages wait, then see their reports.
            rows = (
                (
                    await conn.execute(
                        select(messages)
                        .where(messages.c.pk.in_([i.message_pk for i in items]))
                        .order_by(messages.c.pk)
                        .with_for_update()
                    )
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
            created = await self._insert_reports(conn, fresh, by_pk, terms, now) if fresh else {}
            existing = {}
            if done:
                found = await self._reports(conn, reports.c.pk.in_(done), limit=len(done))
                existing = {r.pk: r for r in found}
        return [
            created[i.message_pk] if i.message_pk in created else existing[by_pk[i.message_pk]["report_id"]]
            for i in items
        ]

    async def _insert_reports(
        self,
        conn: AsyncConnection,
        items: Sequence[NewReport],
        by_pk: Mapping[int, RowMapping],
        terms: Mapping[int, set[int]],
        now: datetime,
    ) -> dict[int, Report]:
        """Number and insert the reports of `items` (messages without one) with everything that goes
        with them; returns them by message pk."""
        numbers = await self._allocate_numbers(
            conn, [by_pk[i.message_pk]["inspection_id"] for i in items], now
        )
        report_rows = []
        for item, number in zip(items, numbers, strict=True):
            msg = by_pk[item.message_pk]
            report_rows.append(
                {
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
            )
        # Plain executemany (no RETURNING: with it SQLite would be sent one INSERT per row to keep
        # the order), then the new pks by their tracking numbers, which are unique.
        await conn.execute(reports.insert(), report_rows)
        numbered = [row["tracking_number"] for row in report_rows]
        found = await conn.execute(
            select(reports.c.tracking_number, reports.c.pk).where(reports.c.tracking_number.in_(numbered))
        )
        pk_of: dict[str, int] = {number: pk for number, pk in found.all()}
        report_pks = [pk_of[number] for number in numbered]
        await conn.execute(
            update(messages)
            .where(messages.c.pk == bindparam("m_pk"))
            .values(report_id=bindparam("r_pk"), handled=True),
            [{"m_pk": i.message_pk, "r_pk": pk} for i, pk in zip(items, report_pks, strict=True)],
        )
        await _insert_terms(
            conn,
            [
                (term, pk)
                for item, pk in zip(items, report_pks, strict=True)
                for term in terms.get(item.message_pk, ())
            ],
        )
        await conn.execute(
            decisions.insert(),
            [
                {
                    "report_id": pk,
                    "kind": "suggested",
                    "body": item.decision.model_dump(mode="json"),
                    "actor": "system",
                    "created_at": now,
                }
                for item, pk in zip(items, report_pks, strict=True)
            ],
        )
        acks = [
            # Plain replace, not str.format: the text may hold other braces.
            (pk, replace(item.ack, text=item.ack.text.replace(TRACKING_PLACEHOLDER, row["tracking_number"])))
            for item, pk, row in zip(items, report_pks, report_rows, strict=True)
            if item.ack is not None
        ]
        if acks:
            await self._insert_acks(conn, acks, now, returning=False)
        await self._insert_audits(
            conn,
            [
                _AuditRow(
                    actor="system",
                    action="report.created",
                    report_id=pk,
                    detail={
                        "tracking_number": row["tracking_number"],
                        "scope": item.decision.scope.value,
                        "category": item.decision.category.value,
                    },
                )
                for item, pk, row in zip(items, report_pks, report_rows, strict=True)
            ],
            now,
        )
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
                sender=self._unseal(row["sender"]),
            )
            for item, pk, row in zip(items, report_pks, report_rows, strict=True)
        }

    @staticmethod
    async def _allocate_numbers(
        conn: AsyncConnection, inspection_ids: Sequence[str], now: datetime
    ) -> list[int]:
        """The next tracking numbers, one per entry of `inspection_ids`, in order, each inspection
        counting on from its own last number."""
        wanted: dict[str, int] = {}
        for inspection_id in inspection_ids:
            wanted[inspection_id] = wanted.get(inspection_id, 0) + 1
        first: dict[str, int] = {}
        for inspection_id, count in sorted(wanted.items()):
            await conn.execute(
                _insert_ignoring_conflict(conn, inspections, "id").values(
                    id=inspection_id, next_number=1, created_at=now
                )
            )
            # The row lock of this UPDATE serialises numbering per inspection on PostgreSQL; on
            # SQLite the transaction already holds the database's write lock.
            after = (
                await conn.execute(
                    update(inspections)
                    .where(inspections.c.id == inspection_id)
                    .values(next_number=inspections.c.next_number + count)
                    .returning(inspections.c.next_number)
                )
            ).scalar_one()
            first[inspection_id] = int(after) - count
        numbers = []
        for inspection_id in inspection_ids:
            numbers.append(first[inspection_id])
            first[inspection_id] += 1
        return numbers

    async def add_suggestion(self, report_pk: int, decision: Decision, *, now: datetime) -> bool:
        """Record a new suggested decision (after more of the message arrived), unless an officer
        already confirmed one; the report's columns and queue place follow it. True when recorded."""
        async with self._write() as conn:
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
            await self._record_decision(
                conn, report_pk, decision, kind="suggested", actor="system", state=state, now=now
            )
            await self._insert_audit(
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

    @staticmethod
    async def _insert_decision(
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

    async def _record_decision(
        self,
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
        await self._insert_decision(conn, report_pk, decision, kind=kind, actor=actor, now=now)
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

    async def get_report(self, tracking_number: str) -> Report | None:
        """The report with this tracking number, or None."""
        async with self._read() as conn:
            found = await self._reports(conn, reports.c.tracking_number == tracking_number, limit=1)
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
        by_hash = {self._codec.lookup(sender): sender for sender in senders}
        if not by_hash:
            return {}
        where = and_(
            reports.c.inspection_id == inspection_id,
            reports.c.channel == channel.value,
            reports.c.sender_hash.in_(sorted(by_hash)),
            reports.c.created_at >= since,
        )
        async with self._read() as conn:
            # Recent reports of a handful of senders: few rows, newest first, the first per sender wins.
            stmt = select(reports.c.pk, reports.c.sender_hash).where(where)
            rows = (await conn.execute(stmt.order_by(reports.c.created_at.desc(), reports.c.pk.desc()))).all()
            newest: dict[str, int] = {}
            for pk, sender_hash in rows:
                newest.setdefault(sender_hash, pk)
            if not newest:
                return {}
            found = await self._reports(conn, reports.c.pk.in_(newest.values()), limit=len(newest))
        pks = {pk: sender_hash for sender_hash, pk in newest.items()}
        return {by_hash[pks[r.pk]]: r for r in found}

    async def latest_reports(self, inspection_id: str | None, limit: int = 50) -> Sequence[Report]:
        """The newest reports of one inspection (or of all when None), newest first."""
        where = None if inspection_id is None else reports.c.inspection_id == inspection_id
        async with self._read() as conn:
            return await self._reports(conn, where, limit=limit)

    async def _one_report(self, conn: AsyncConnection, where: Any) -> Report:
        found = await self._reports(conn, where, limit=1)
        if not found:
            raise StorageError("report vanished inside its own transaction")
        return found[0]

    async def _reports(self, conn: AsyncConnection, where: Any, *, limit: int) -> list[Report]:
        stmt = select(reports).order_by(reports.c.created_at.desc(), reports.c.pk.desc()).limit(limit)
        if where is not None:
            stmt = stmt.where(where)
        rows = (await conn.execute(stmt)).mappings().all()
        if not rows:
            return []
        current = await self._current_decisions(conn, [row["pk"] for row in rows])
        return [self._report(row, current) for row in rows]

    async def _current_decisions(self, conn: AsyncConnection, report_pks: list[int]) -> dict[int, Decision]:
        # The newest row wins, whatever its kind: a later suggestion (after new evidence) replaces
        # an older confirmation only if someone wrote it later.
        stmt = (
            select(decisions.c.report_id, decisions.c.body)
            .where(decisions.c.report_id.in_(report_pks))
            .order_by(decisions.c.report_id, decisions.c.created_at.desc(), decisions.c.pk.desc())
        )
        current: dict[int, Decision] = {}
        for report_id, body in (await conn.execute(stmt)).all():
            if report_id not in current:
                current[report_id] = Decision.model_validate(body)
        return current

    def _report(self, row: RowMapping, current: Mapping[int, Decision]) -> Report:
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
            sender=self._unseal(row["sender"]),
        )

    # --- outbox -------------------------------------------------------------------------------

    def _outbox_item(self, row: RowMapping) -> OutboxItem:
        return OutboxItem(
            pk=row["pk"],
            report_id=row["report_id"],
            channel=Channel(row["channel"]),
            recipient=self._codec.unseal(row["recipient"]),
            text=self._codec.unseal(row["text"]),
            kind=row["kind"],
            state=row["state"],
            attempts=row["attempts"],
            next_attempt_at=row["next_attempt_at"],
            last_error=self._unseal(row["last_error"]),
            provider_id=row["provider_id"],
            sent_at=row["sent_at"],
            from_address=row["from_address"],
        )

    async def _insert_ack(
        self, conn: AsyncConnection, report_id: int | None, ack: NewAck, now: datetime
    ) -> RowMapping:
        [row] = await self._insert_acks(conn, [(report_id, ack)], now)
        return row

    async def _insert_acks(
        self,
        conn: AsyncConnection,
        acks: Sequence[tuple[int | None, NewAck]],
        now: datetime,
        *,
        returning: bool = True,
    ) -> list[RowMapping]:
        """Queue acknowledgements (report id, ack) in one statement; their rows, in order (none
        unless `returning`: asking for them makes SQLite insert row by row)."""
        hashes = [self._codec.lookup(ack.recipient) for _, ack in acks]
        # Every path that queues a message comes through here, so an opted-out recipient is caught
        # once for all of them; the item is kept, failed, so that officers see why nothing went.
        stopped = await self._opted_out_among(conn, set(hashes))
        values = []
        for (report_id, ack), recipient_hash in zip(acks, hashes, strict=True):
            opted_out = (ack.channel.value, recipient_hash) in stopped
            values.append(
                {
                    "report_id": report_id,
                    "channel": ack.channel.value,
                    "recipient": self._codec.seal(ack.recipient),
                    "recipient_hash": recipient_hash,
                    "text": self._codec.seal(ack.text),
                    "kind": ack.kind,
                    "state": "failed" if opted_out else "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "last_error": self._codec.seal(OPTED_OUT_ERROR) if opted_out else None,
                    "created_at": now,
                    "from_address": ack.from_address,
                }
            )
        if not returning:
            await conn.execute(outbox.insert(), values)
            return []
        result = await conn.execute(
            outbox.insert().returning(*outbox.c, sort_by_parameter_order=True), values
        )
        return list(result.mappings().all())

    # --- opt-outs (STOP / 退订) -----------------------------------------------------------------

    @staticmethod
    async def _opted_out(conn: AsyncConnection, channel: Channel, address_hash: str) -> bool:
        return (channel.value, address_hash) in await SqlReportStore._opted_out_among(conn, {address_hash})

    @staticmethod
    async def _opted_out_among(conn: AsyncConnection, address_hashes: set[str]) -> set[tuple[str, str]]:
        """The (channel, address hash) pairs among `address_hashes` that sent STOP."""
        found = await conn.execute(
            select(opt_outs.c.channel, opt_outs.c.sender_hash).where(
                opt_outs.c.sender_hash.in_(sorted(address_hashes))
            )
        )
        return {(channel, address_hash) for channel, address_hash in found.all()}

    async def set_opted_out(self, channel: Channel, address: str, opted_out: bool, now: datetime) -> bool:
        """Record STOP (True) or START (False) from `address`; returns whether anything changed."""
        address_hash = self._codec.lookup(address)
        async with self._write() as conn:
            if not opted_out:
                result = await conn.execute(
                    opt_outs.delete().where(
                        opt_outs.c.channel == channel.value, opt_outs.c.sender_hash == address_hash
                    )
                )
                return bool(result.rowcount)
            inserted = await conn.execute(
                _insert_ignoring_conflict(conn, opt_outs, "channel", "sender_hash")
                .values(
                    channel=channel.value,
                    sender=self._codec.seal(address),
                    sender_hash=address_hash,
                    created_at=now,
                )
                .returning(opt_outs.c.pk)
            )
            return inserted.scalar_one_or_none() is not None

    async def is_opted_out(self, channel: Channel, address: str) -> bool:
        """True when `address` sent STOP on `channel` and has not sent START since."""
        async with self._read() as conn:
            return await self._opted_out(conn, channel, self._codec.lookup(address))

    async def opted_out_among(self, addresses: Collection[tuple[Channel, str]]) -> set[tuple[Channel, str]]:
        """Those of the (channel, address) pairs that sent STOP and no START since: one query."""
        by_hash = {(ch.value, self._codec.lookup(a)): (ch, a) for ch, a in addresses}
        if not by_hash:
            return set()
        async with self._read() as conn:
            stopped = await self._opted_out_among(conn, {h for _, h in by_hash})
        return {by_hash[key] for key in stopped if key in by_hash}

    async def enqueue_ack(self, report_id: int | None, ack: NewAck, now: datetime) -> OutboxItem:
        """Queue an acknowledgement, due at `now`."""
        async with self._write() as conn:
            row = await self._insert_ack(conn, report_id, ack, now)
        return self._outbox_item(row)

    async def report_acks(self, report_id: int) -> Sequence[OutboxItem]:
        """The acknowledgements queued for a report, oldest first."""
        stmt = select(outbox).where(outbox.c.report_id == report_id).order_by(outbox.c.pk)
        async with self._read() as conn:
            rows = (await conn.execute(stmt)).mappings().all()
        return [self._outbox_item(row) for row in rows]

    async def recent_acks(
        self, *, channel: Channel, recipients: Collection[str], since: datetime
    ) -> dict[str, list[tuple[str, datetime]]]:
        """The (kind, queued at) of the acknowledgements queued to each recipient since `since`."""
        by_hash = {self._codec.lookup(r): r for r in recipients}
        if not by_hash:
            return {}
        stmt = select(outbox.c.recipient_hash, outbox.c.kind, outbox.c.created_at).where(
            outbox.c.channel == channel.value,
            outbox.c.recipient_hash.in_(sorted(by_hash)),
            outbox.c.created_at >= since,
        )
        found: dict[str, list[tuple[str, datetime]]] = {r: [] for r in recipients}
        async with self._read() as conn:
            for recipient_hash, kind, created_at in (await conn.execute(stmt)).all():
                found[by_hash[recipient_hash]].append((kind, created_at))
        return found

    async def claim_outbox(self, now: datetime, limit: int = 20) -> Sequence[OutboxItem]:
        """Take due pending items (and items of a worker whose claim ran out) for sending."""

        def due(t: Any) -> Any:
            return or_(
                and_(t.c.state == "pending", t.c.next_attempt_at <= now),
                and_(t.c.state == "sending", t.c.claimed_until < now),
            )

        # A citizen's messages go out in the order they were queued: an item waits while an earlier
        # one to the same recipient was tried and is not due again (backing off, or out with a sender). Taken
        # in queue order, an earlier due item is always in the batch with the later ones, and the
        # worker sends one recipient's items one after the other.
        earlier = outbox.alias("earlier")
        waits = (
            select(earlier.c.pk)
            .where(
                earlier.c.recipient_hash == outbox.c.recipient_hash,
                earlier.c.channel == outbox.c.channel,
                earlier.c.pk < outbox.c.pk,
                earlier.c.state.in_(("pending", "sending")),
                earlier.c.attempts > 0,  # tried: not an item merely scheduled for later
                ~due(earlier),
            )
            .exists()
        )
        # SKIP LOCKED lets PostgreSQL workers take disjoint batches; SQLite ignores FOR UPDATE and
        # relies on BEGIN IMMEDIATE, which lets one claimer at a time in.
        pick = (
            select(outbox.c.pk)
            .where(due(outbox), ~waits)
            .order_by(outbox.c.pk)
            .limit(limit)
            .with_for_update(skip_locked=True, of=outbox)
        )
        async with self._write() as conn:
            pks = list((await conn.execute(pick)).scalars().all())
            if not pks:
                return []
            claimed = (
                (
                    await conn.execute(
                        update(outbox)
                        .where(outbox.c.pk.in_(pks))
                        .values(
                            state="sending",
                            claimed_until=now + self._claim_lease,
                            attempts=outbox.c.attempts + 1,
                        )
                        .returning(*outbox.c)
                    )
                )
                .mappings()
                .all()
            )
        items = [self._outbox_item(row) for row in claimed]
        items.sort(key=lambda item: item.pk)
        return items

    async def mark_sent_many(self, sent: Sequence[tuple[int, str | None]], now: datetime) -> None:
        """Record that the items (pk, provider id) were sent: one transaction for a batch."""
        if not sent:
            return
        stmt = (
            update(outbox)
            .where(outbox.c.pk == bindparam("b_pk"))
            .values(state="sent", provider_id=bindparam("b_provider_id"), sent_at=now, claimed_until=None)
        )
        async with self._write() as conn:
            await conn.execute(stmt, [{"b_pk": pk, "b_provider_id": pid} for pk, pid in sent])

    async def release_outbox(self, pks: Collection[int]) -> None:
        """Give claimed items back unsent and uncounted (an earlier item to their recipient failed
        and is retried first)."""
        if not pks:
            return
        values = {"state": "pending", "claimed_until": None, "attempts": outbox.c.attempts - 1}
        async with self._write() as conn:
            await conn.execute(update(outbox).where(outbox.c.pk.in_(list(pks))).values(values))

    async def mark_sent(self, pk: int, provider_id: str | None, now: datetime) -> None:
        """Record that an item was sent."""
        await self._update_outbox(pk, state="sent", provider_id=provider_id, sent_at=now, claimed_until=None)

    async def mark_failed(self, pk: int, error: str, retry_at: datetime | None, now: datetime) -> None:
        """Record a failed send: retried at `retry_at`, or failed for good when it is None."""
        # Sealed: a provider's error may quote the recipient ("The 'To' number +86... is invalid").
        values: dict[str, Any] = {"last_error": self._seal(error[:MAX_ERROR_CHARS]), "claimed_until": None}
        if retry_at is None:
            values["state"] = "failed"
        else:
            values["state"] = "pending"
            values["next_attempt_at"] = retry_at
        await self._update_outbox(pk, **values)

    async def mark_outbox_by_provider_id(
        self, channel: Channel, provider_id: str, *, delivered: bool, error: str | None, now: datetime
    ) -> OutboxItem | None:
        """Apply a provider's delivery report to the item it sent as `provider_id`.

        Delivered: the item is sent (a failure already recorded stays, callbacks can come out of
        order). Not delivered: the item is failed with `error` for the officers. None when no item
        of ours carries that id.
        """
        where = and_(outbox.c.channel == channel.value, outbox.c.provider_id == provider_id)
        if delivered:
            values: dict[str, Any] = {"state": "sent", "claimed_until": None}
            where = and_(where, outbox.c.state != "failed")
        else:
            values = {"state": "failed", "claimed_until": None}
            values["last_error"] = self._seal((error or "not delivered")[:MAX_ERROR_CHARS])
        async with self._write() as conn:
            await conn.execute(update(outbox).where(where).values(values))
            row = (
                (
                    await conn.execute(
                        select(outbox)
                        .where(outbox.c.channel == channel.value, outbox.c.provider_id == provider_id)
                        .order_by(outbox.c.pk.desc())
                        .limit(1)
                    )
                )
                .mappings()
                .first()
            )
        return self._outbox_item(row) if row is not None else None

    async def _update_outbox(self, pk: int, **values: Any) -> None:
        async with self._write() as conn:
            result = await conn.execute(update(outbox).where(outbox.c.pk == pk).values(values))
            if result.rowcount == 0:
                raise LookupError(f"no outbox item with pk {pk}")

    # --- audit --------------------------------------------------------------------------------

    @staticmethod
    async def _insert_audit(
        conn: AsyncConnection,
        *,
        actor: str,
        action: str,
        report_id: int | None,
        detail: dict[str, Any],
        now: datetime,
    ) -> None:
        await SqlReportStore._insert_audits(conn, [_AuditRow(actor, action, report_id, detail)], now)

    @staticmethod
    async def _insert_audits(conn: AsyncConnection, entries: Sequence[_AuditRow], now: datetime) -> None:
        """Append entries to the audit log's hash chain, in order, in one statement."""
        if conn.dialect.name == "postgresql":
            await conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_AUDIT_LOCK})
        last = (
            await conn.execute(select(audit_log.c.entry_hash).order_by(audit_log.c.pk.desc()).limit(1))
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
        await conn.execute(audit_log.insert(), rows)

    async def audit(
        self, *, actor: str, action: str, report_id: int | None, detail: dict[str, Any], now: datetime
    ) -> None:
        """Append an entry to the audit log."""
        async with self._write() as conn:
            await self._insert_audit(
                conn, actor=actor, action=action, report_id=report_id, detail=detail, now=now
            )

    async def audit_entries(self, report_id: int | None = None, limit: int = 100) -> Sequence[AuditEntry]:
        """Audit entries of one report (or all when None), newest first."""
        stmt = select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.pk.desc()).limit(limit)
        if report_id is not None:
            stmt = stmt.where(audit_log.c.report_id == report_id)
        async with self._read() as conn:
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

        async def rows() -> list[ChainRow]:
            found: list[ChainRow] = []
            after = 0
            async with self._read() as conn:
                while True:
                    stmt = (
                        select(audit_log).where(audit_log.c.pk > after).order_by(audit_log.c.pk).limit(batch)
                    )
                    chunk = (await conn.execute(stmt)).mappings().all()
                    if not chunk:
                        return found
                    found.extend(
                        ChainRow(
                            pk=r["pk"],
                            at=r["at"],
                            actor=r["actor"],
                            action=r["action"],
                            report_id=r["report_id"],
                            detail=dict(r["detail"] or {}),
                            prev_hash=r["prev_hash"],
                            entry_hash=r["entry_hash"],
                        )
                        for r in chunk
                    )
                    after = chunk[-1]["pk"]

        return verify_chain(await rows())

    # --- Telegram: updates taken, a reporter's contact ---------------------------------------

    async def claim_update(self, bot: str, update_id: int, now: datetime) -> bool:
        """Claim a Telegram update for handling; False when it was claimed before (a redelivery)."""
        async with self._write() as conn:
            stmt = (
                _insert_ignoring_conflict(conn, telegram_updates, "bot", "update_id")
                .values(bot=bot, update_id=update_id, seen_at=now)
                .returning(telegram_updates.c.update_id)
            )
            return (await conn.execute(stmt)).first() is not None

    async def release_update(self, bot: str, update_id: int) -> None:
        """Forget a claim whose handling failed, so that Telegram's redelivery is handled."""
        async with self._write() as conn:
            await conn.execute(
                delete(telegram_updates).where(
                    telegram_updates.c.bot == bot, telegram_updates.c.update_id == update_id
                )
            )

    async def prune_updates(self, before: datetime) -> int:
        """Drop claims older than `before` (Telegram redelivers for a day at most); how many."""
        async with self._write() as conn:
            result = await conn.execute(delete(telegram_updates).where(telegram_updates.c.seen_at < before))
        return int(result.rowcount or 0)

    async def set_reporter_identity(
        self, message_pk: int, *, real_name: str | None, phone: str | None
    ) -> None:
        """Keep a reporter's name and phone in the sealed payload of `message_pk` (a report's first
        message, where the reveal step, the ledger and the transfer form look), never in a text."""
        async with self._write() as conn:
            stored = (
                await conn.execute(select(messages.c.payload).where(messages.c.pk == message_pk))
            ).scalar_one_or_none()
            payload = dict(self._unseal_payload(stored) or {})
            payload.update({"real_name": real_name, "contact_phone": phone})
            await conn.execute(
                update(messages)
                .where(messages.c.pk == message_pk)
                .values(payload=self._seal_payload(payload))
            )

    # --- health -------------------------------------------------------------------------------

    async def ping(self) -> bool:
        """True when the database answers within a few seconds (and, on SQLite, its file is still
        the one opened: a deleted or replaced file would lose every later commit)."""
        if file_problem(self._engine) is not None:
            return False
        try:
            async with asyncio.timeout(PING_TIMEOUT_S), self._engine.connect() as conn:
                await conn.execute(select(1))
        except (SQLAlchemyError, OSError, TimeoutError):
            return False
        return True


if TYPE_CHECKING:

    def _satisfies_the_port(store: SqlReportStore) -> ReportStore:
        # mypy checks here that SqlReportStore matches the Protocol, signature by signature.
        return store
