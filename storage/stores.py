"""`Stores`: the repositories of one database, built once, and `open_stores` to build them.

Every repository holds the same `storage.db.Db` (engine, sealing codec, one-writer gate), so what
one writes in a transaction the others see, and each personal field is sealed the same way. The
composition root (`web.app.build_runtime`) opens one `Stores` and hands each caller the
repository it needs.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.calls import CallRecords
from intake.ports import AuditLog, IntakeRecords, MessageStore, OutboxStore, ReportRecords, UpdateClaims
from storage.accounts import SqlUsers
from storage.audit_log import SqlAuditLog
from storage.calls import SqlCalls
from storage.db import Db, TextCodec, open_engine
from storage.desk import SqlDesk
from storage.drafts import SqlConversationDrafts
from storage.followup import SqlFollowup
from storage.ledger import SqlLedger
from storage.locks import try_singleton_lock
from storage.messages import SqlMessages
from storage.outbox import DEFAULT_CLAIM_LEASE, SqlOutbox
from storage.reports import SqlReports
from storage.search_index import SearchIndex
from storage.transfers import SqlTransfers
from storage.updates import SqlTelegramUpdates


@dataclass(frozen=True, slots=True)
class Stores:
    """One database's repositories, by noun."""

    db: Db
    search: SearchIndex
    messages: SqlMessages
    reports: SqlReports
    outbox: SqlOutbox
    audit: SqlAuditLog
    updates: SqlTelegramUpdates
    users: SqlUsers
    transfers: SqlTransfers
    followup: SqlFollowup
    ledger: SqlLedger
    calls: SqlCalls
    desk: SqlDesk
    drafts: SqlConversationDrafts

    async def close(self) -> None:
        """Close every pooled connection."""
        await self.db.close()

    def singleton_lock(self, name: str) -> AbstractAsyncContextManager[bool]:
        """`storage.locks.try_singleton_lock` on this database: True inside while this process holds
        the lock called `name` (one leader among the processes sharing the database)."""
        return try_singleton_lock(self.db.engine, name)


def build_stores(
    engine: AsyncEngine, codec: TextCodec | None = None, *, claim_lease: timedelta = DEFAULT_CLAIM_LEASE
) -> Stores:
    """The repositories of a migrated database, sharing one `Db`."""
    db = Db(engine, codec)
    search = SearchIndex(db)
    messages = SqlMessages(db, search)
    outbox = SqlOutbox(db, claim_lease=claim_lease)
    audit = SqlAuditLog(db)
    return Stores(
        db=db,
        search=search,
        messages=messages,
        reports=SqlReports(db, messages, search),
        outbox=outbox,
        audit=audit,
        updates=SqlTelegramUpdates(db),
        users=SqlUsers(db),
        transfers=SqlTransfers(db),
        followup=SqlFollowup(db),
        ledger=SqlLedger(db),
        calls=SqlCalls(db, search),
        desk=SqlDesk(db, messages, outbox, audit),
        drafts=SqlConversationDrafts(engine, db.codec),
    )


def intake_records(stores: Stores) -> IntakeRecords:
    """The repositories the intake service writes a message's way through, each as its port."""
    return IntakeRecords(
        messages=stores.messages, reports=stores.reports, outbox=stores.outbox, audit=stores.audit
    )


async def open_stores(url: str, codec: TextCodec | None = None, **engine_kwargs: Any) -> Stores:
    """Connect to `url`, migrate the schema to the newest revision and build the repositories."""
    return build_stores(await open_engine(url, **engine_kwargs), codec)


if TYPE_CHECKING:

    def _ports(
        s: Stores,
    ) -> tuple[MessageStore, ReportRecords, OutboxStore, AuditLog, UpdateClaims, CallRecords]:
        # mypy checks here that each repository matches its port in intake/ports.py (intake/calls.py).
        return s.messages, s.reports, s.outbox, s.audit, s.updates, s.calls
