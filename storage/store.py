"""`SqlReportStore`: `intake.ports.ReportStore` over the repositories of `storage/`, one object.

The work is done by the repositories by noun — `storage.messages`, `storage.reports`,
`storage.outbox`, `storage.audit_log`, `storage.updates` — which share one `storage.db.Db` (engine,
codec, one-writer gate). This class only builds them and hands out their methods under one name,
for the callers that still take the whole store; new code takes the repository it needs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy.ext.asyncio import AsyncEngine

from intake.ports import ReportStore
from storage.audit_log import SqlAuditLog
from storage.db import Db, TextCodec, open_engine
from storage.messages import SqlMessages
from storage.outbox import DEFAULT_CLAIM_LEASE, SqlOutbox
from storage.reports import SqlReports
from storage.search_index import SearchIndex
from storage.updates import SqlTelegramUpdates


class SqlReportStore:
    """Messages, reports, decisions, the outbox and the audit log in a SQL database."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        codec: TextCodec | None = None,
        claim_lease: timedelta = DEFAULT_CLAIM_LEASE,
    ) -> None:
        self._db = db = Db(engine, codec)
        self.search = SearchIndex(db)
        self.messages = messages = SqlMessages(db, self.search)
        self.reports = reports = SqlReports(db, messages, self.search)
        self.outbox = outbox = SqlOutbox(db, claim_lease=claim_lease)
        self.audit_log = audit_log = SqlAuditLog(db)
        self.updates = updates = SqlTelegramUpdates(db)
        # The port's methods, each the repository's own (bound once, no wrapper in between).
        self.save_raw = messages.save_raw
        self.unprocessed_messages = messages.unprocessed_messages
        self.unprocessed_among = messages.unprocessed_among
        self.mark_message_handled = messages.mark_message_handled
        self.report_messages = messages.report_messages
        self.set_reporter_identity = messages.set_reporter_identity
        self.create_report = reports.create_report
        self.create_reports = reports.create_reports
        self.add_suggestion = reports.add_suggestion
        self.get_report = reports.get_report
        self.recent_report_of = reports.recent_report_of
        self.recent_reports_of = reports.recent_reports_of
        self.latest_reports = reports.latest_reports
        self.set_opted_out = outbox.set_opted_out
        self.is_opted_out = outbox.is_opted_out
        self.opted_out_among = outbox.opted_out_among
        self.enqueue_ack = outbox.enqueue_ack
        self.report_acks = outbox.report_acks
        self.recent_acks = outbox.recent_acks
        self.claim_outbox = outbox.claim_outbox
        self.mark_sent_many = outbox.mark_sent_many
        self.release_outbox = outbox.release_outbox
        self.mark_sent = outbox.mark_sent
        self.mark_failed = outbox.mark_failed
        self.mark_outbox_by_provider_id = outbox.mark_outbox_by_provider_id
        self.audit = audit_log.audit
        self.audit_entries = audit_log.audit_entries
        self.verify_audit_chain = audit_log.verify_audit_chain
        self.claim_update = updates.claim_update
        self.release_update = updates.release_update
        self.prune_updates = updates.prune_updates
        self.ping = db.ping
        self.close = db.close

    @classmethod
    async def open(cls, url: str, *, codec: TextCodec | None = None, **engine_kwargs: Any) -> Self:
        """Connect to `url`, migrate the schema to the newest revision and return the store."""
        return cls(await open_engine(url, **engine_kwargs), codec=codec)

    @property
    def db(self) -> Db:
        """The engine, codec and transactions the repositories share."""
        return self._db

    @property
    def engine(self) -> AsyncEngine:
        """The engine the store runs on."""
        return self._db.engine


if TYPE_CHECKING:

    def _satisfies_the_port(store: SqlReportStore) -> ReportStore:
        # mypy checks here that SqlReportStore matches the Protocol, signature by signature.
        return store
