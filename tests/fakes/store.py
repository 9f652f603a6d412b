"""`SqlReportStore`: every repository's methods on one object, for the tests only.

Production code takes the repository it needs from `storage.stores.Stores` (the intake service its
`intake.ports.IntakeRecords`, the worker the outbox ...). The tests read and write a database
through this one object instead, which saves naming the repository at each of their call sites;
`whole(...)` gives it for a running app's runtime or a test's intake service.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, Self

from sqlalchemy import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

from intake.calls import CallRecords
from intake.ports import AuditLog, IntakeRecords, MessageStore, OutboxStore, ReportRecords, UpdateClaims
from storage.db import Db, TextCodec, open_engine
from storage.outbox import DEFAULT_CLAIM_LEASE
from storage.stores import Stores, build_stores


class SqlReportStore:
    """Every repository's methods on one object (a facade over `Stores`)."""

    def __init__(self, stores: Stores) -> None:
        self.stores = s = stores
        # Each repository's own bound method: nothing in between.
        self._bind_intake(s)
        self._bind_desk(s)
        self._bind_followup(s)
        self.ping = s.db.ping
        self.close = s.db.close

    def _bind_intake(self, s: Stores) -> None:
        """The methods of the intake's ports (and the Telegram update claims)."""
        # messages
        self.save_raw = s.messages.save_raw
        self.unprocessed_messages = s.messages.unprocessed_messages
        self.unprocessed_among = s.messages.unprocessed_among
        self.mark_message_handled = s.messages.mark_message_handled
        self.texts_of = s.messages.texts_of
        self.report_messages = s.messages.report_messages
        self.set_reporter_identity = s.messages.set_reporter_identity
        # reports
        self.create_report = s.reports.create_report
        self.create_reports = s.reports.create_reports
        self.add_suggestion = s.reports.add_suggestion
        self.get_report = s.reports.get_report
        self.recent_report_of = s.reports.recent_report_of
        self.recent_reports_of = s.reports.recent_reports_of
        self.latest_reports = s.reports.latest_reports
        # outbox
        self.set_opted_out = s.outbox.set_opted_out
        self.is_opted_out = s.outbox.is_opted_out
        self.opted_out_among = s.outbox.opted_out_among
        self.enqueue_ack = s.outbox.enqueue_ack
        self.report_acks = s.outbox.report_acks
        self.recent_acks = s.outbox.recent_acks
        self.claim_outbox = s.outbox.claim_outbox
        self.mark_sent_many = s.outbox.mark_sent_many
        self.release_outbox = s.outbox.release_outbox
        self.mark_sent = s.outbox.mark_sent
        self.mark_failed = s.outbox.mark_failed
        self.mark_outbox_by_provider_id = s.outbox.mark_outbox_by_provider_id
        # audit
        self.audit = s.audit.audit
        self.audit_entries = s.audit.audit_entries
        self.verify_audit_chain = s.audit.verify_audit_chain
        # updates
        self.claim_update = s.updates.claim_update
        self.release_update = s.updates.release_update
        self.prune_updates = s.updates.prune_updates

    def _bind_desk(self, s: Stores) -> None:
        """The desk's, the follow-up's and the phone's methods."""
        # users
        self.claim_attempt = s.users.claim_attempt
        self.record_sign_in = s.users.record_sign_in
        self.throttled_names = s.users.throttled_names
        self.unlock = s.users.unlock
        self.open_session = s.users.open_session
        self.user_by_session = s.users.user_by_session
        self.close_session = s.users.close_session
        self.add_user = s.users.add_user
        self.get_user = s.users.get_user
        self.get_user_by_pk = s.users.get_user_by_pk
        self.list_users = s.users.list_users
        self.update_user = s.users.update_user
        self.add_token = s.users.add_token
        self.user_by_token = s.users.user_by_token
        # transfers
        self.ever_accusation = s.transfers.ever_accusation
        self.create_transfer = s.transfers.create_transfer
        self.get_transfer = s.transfers.get_transfer
        self.release_identity = s.transfers.release_identity
        self.live_transfers = s.transfers.live_transfers
        self.change_transferred = s.transfers.change_transferred

    def _bind_followup(self, s: Stores) -> None:
        """The follow-up's, the ledger's and the phone's methods."""
        # followup
        self.seal_document = s.followup.seal_document
        self.followed_transfer = s.followup.followed_transfer
        self.transfer_events = s.followup.transfer_events
        self.record_feedback = s.followup.record_feedback
        self.close_report = s.followup.close_report
        # ledger
        self.open_transfers = s.ledger.open_transfers
        self.pending_decisions = s.ledger.pending_decisions
        self.digest_queued_on = s.ledger.digest_queued_on
        self.queue_digest_once = s.ledger.queue_digest_once
        self.failed_acks = s.ledger.failed_acks
        self.ledger = s.ledger.ledger
        # calls
        self.start_call = s.calls.start_call
        self.get_call = s.calls.get_call
        self.call_of_report = s.calls.call_of_report
        self.update_call = s.calls.update_call
        self.recording_ready = s.calls.recording_ready
        self.due_recordings = s.calls.due_recordings
        self.recording_attempt_failed = s.calls.recording_attempt_failed
        self.complete_call_report = s.calls.complete_call_report
        # desk
        self.first_texts = s.desk.first_texts
        self.queue = s.desk.queue
        self.queue_count = s.desk.queue_count
        self.report_pk = s.desk.report_pk
        self.detail = s.desk.detail
        self.set_decision = s.desk.set_decision
        self.assign = s.desk.assign
        self.merge = s.desk.merge
        self.add_note = s.desk.add_note
        self.audit_action = s.desk.audit_action
        self.directory_entries = s.desk.directory_entries
        self.directory_entry = s.desk.directory_entry
        self.put_directory_entry = s.desk.put_directory_entry
        self.recent_audit = s.desk.recent_audit

    @classmethod
    def on(
        cls,
        engine: AsyncEngine,
        *,
        codec: TextCodec | None = None,
        claim_lease: timedelta = DEFAULT_CLAIM_LEASE,
    ) -> Self:
        """The store on a migrated database's engine."""
        return cls(build_stores(engine, codec, claim_lease=claim_lease))

    @classmethod
    async def open(cls, url: str, *, codec: TextCodec | None = None, **engine_kwargs: Any) -> Self:
        """Connect to `url`, migrate the schema to the newest revision and return the store."""
        return cls.on(await open_engine(url, **engine_kwargs), codec=codec)

    @property
    def db(self) -> Db:
        """The engine, codec and transactions the repositories share."""
        return self.stores.db

    @property
    def engine(self) -> AsyncEngine:
        """The engine the store runs on."""
        return self.stores.db.engine

    @property
    def sync_engines(self) -> list[Engine]:
        """Every engine connecting to the store's database (`Db.sync_engines`): where a test's
        statement or connection hooks go."""
        return self.stores.db.sync_engines


# The names the whole store had while it was built by inheritance (desk, then follow-up on top).
SqlDeskStore = SqlReportStore
FollowupStore = SqlReportStore


def records_of(store: SqlReportStore) -> IntakeRecords:
    """The intake service's repositories, each port played by the whole store (so that `whole`
    finds the store again from the service)."""
    return IntakeRecords(messages=store, reports=store, outbox=store, audit=store)


def whole(holder: Any) -> SqlReportStore:
    """The whole store behind a running app's `Runtime` (or its `Stores`), or behind an
    `IntakeService` built on `records_of`."""
    stores = getattr(holder, "stores", holder)
    if isinstance(stores, Stores):
        return SqlReportStore(stores)
    records = getattr(holder, "records", None)
    store = getattr(records, "messages", None)
    if not isinstance(store, SqlReportStore):
        raise TypeError(f"no whole store behind {holder!r}")
    return store


if TYPE_CHECKING:

    def _plays_every_port(
        store: SqlReportStore,
    ) -> tuple[MessageStore, ReportRecords, OutboxStore, AuditLog, UpdateClaims, CallRecords]:
        # mypy (when it reads the tests) checks that the facade matches every port.
        return store, store, store, store, store, store
