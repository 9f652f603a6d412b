"""The database schema as SQLAlchemy Core tables; the migrations in `storage/migrations` build the same."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware, on SQLite as on PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Refuse naive datetimes and convert aware ones to UTC."""
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r}: pass a timezone-aware datetime")
        value = value.astimezone(UTC)
        # SQLite stores the text without an offset; keeping it naive UTC keeps text comparisons right.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Attach UTC to what SQLite returns naive."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
PK = BigInteger().with_variant(Integer(), "sqlite")

NAMING_CONVENTION: dict[str, Any] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

inspections = Table(
    "inspections",
    metadata,
    Column("id", String(100), primary_key=True),
    Column("next_number", Integer, nullable=False, default=1),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
)

reports = Table(
    "reports",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("inspection_id", String(100), ForeignKey("inspections.id"), nullable=False),
    Column("tracking_number", String(120), nullable=False, unique=True),
    Column("number", Integer, nullable=False),
    Column("state", String(32), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("sender", Text, nullable=True),  # sealed (storage/crypto.py)
    Column("sender_hash", String(64), nullable=True),  # keyed hash of the sender, for equality
    Column("scope", String(32), nullable=False),
    Column("category", String(32), nullable=False),
    Column("confidence", Float, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)
Index("ix_reports_inspection_created", reports.c.inspection_id, reports.c.created_at.desc())
Index("ix_reports_inspection_state", reports.c.inspection_id, reports.c.state)

messages = Table(
    "messages",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("inspection_id", String(100), nullable=False),
    Column("channel", String(16), nullable=False),
    Column("provider_id", String(200), nullable=False),
    Column("sender", Text, nullable=True),  # sealed, like text and payload
    Column("sender_hash", String(64), nullable=True),
    Column("text", Text, nullable=False),
    Column("subject", Text, nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
    Column("payload", JSON, nullable=True),
    Column("report_id", PK, ForeignKey("reports.pk"), nullable=True),
    Column("handled", Boolean, nullable=False, default=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False, default=utcnow),
    UniqueConstraint("channel", "provider_id"),
)
Index("ix_messages_handled", messages.c.handled)
Index("ix_messages_report_id", messages.c.report_id)

decisions = Table(
    "decisions",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("report_id", PK, ForeignKey("reports.pk"), nullable=False),
    Column("kind", String(16), nullable=False),  # suggested | confirmed
    Column("body", JSON, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_decisions_report_id", decisions.c.report_id)

outbox = Table(
    "outbox",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("report_id", PK, ForeignKey("reports.pk"), nullable=True),
    Column("channel", String(16), nullable=False),
    Column("recipient", Text, nullable=False),  # sealed, like text and last_error
    Column("recipient_hash", String(64), nullable=True),  # keyed hash: the loop guard's lookup
    Column("text", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("state", String(16), nullable=False),  # pending | sending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("claimed_until", UTCDateTime, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("provider_id", String(200), nullable=True),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    # The team's address to send from (the SMS number the citizen wrote to, when a deployment has
    # several); NULL: the channel's configured one. Not personal: it is the team's own.
    Column("from_address", String(320), nullable=True),
)
Index("ix_outbox_state_next_attempt_at", outbox.c.state, outbox.c.next_attempt_at)
Index("ix_outbox_report_id", outbox.c.report_id)
Index("ix_outbox_recipient_hash_created", outbox.c.recipient_hash, outbox.c.created_at)

audit_log = Table(
    "audit_log",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(100), nullable=False),
    # No foreign key: the audit trail must outlive whatever it talks about.
    Column("report_id", PK, nullable=True),
    Column("detail", JSON, nullable=False),
    # The hash chain (storage/audit.py): each entry's hash covers its content and the previous hash,
    # so an edited or deleted entry breaks every later link. Triggers refuse UPDATE and DELETE.
    Column("prev_hash", String(64), nullable=True),
    Column("entry_hash", String(64), nullable=True),
)
Index("ix_audit_log_report_id", audit_log.c.report_id)

# --- the duty officers' desk (migration 0002) --------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(16), nullable=False),  # officer | leader | admin
    Column("password_hash", Text, nullable=False),
    Column("disabled", Boolean, nullable=False, default=False, server_default=false()),
    # The inspections whose reports the account may see: ids separated by spaces, "*" for all.
    Column("inspections", Text, nullable=False, default="*", server_default="*"),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("user_id", PK, ForeignKey("users.pk"), nullable=False),
    # Only a SHA-256 of the token is kept: a copy of the database grants no access.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
)

# --- sign-in throttle and desk sessions (migration 0008_auth) -----------------------------------

# Failed sign-ins per (name typed, client address): the backoff never locks an account everywhere.
sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("name_hash", String(64), nullable=False),  # SHA-256 of the name: it may be a password
    Column("client", String(64), nullable=False),
    Column("failures", Integer, nullable=False),
    Column("blocked_until", UTCDateTime, nullable=True),
    Column("last_attempt", UTCDateTime, nullable=False),
    UniqueConstraint("name_hash", "client"),
)
Index("ix_sign_in_throttle_last_attempt", sign_in_throttle.c.last_attempt)

# Signed-in desk sessions: the cookie holds a random id, this table its SHA-256 (sign-out deletes it).
desk_sessions = Table(
    "desk_sessions",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("session_hash", String(64), nullable=False, unique=True),
    Column("user_id", PK, ForeignKey("users.pk"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)
Index("ix_desk_sessions_user_id", desk_sessions.c.user_id)
Index("ix_desk_sessions_expires_at", desk_sessions.c.expires_at)

# Desk columns of a report: who works it, what it was merged into, and its place in the default
# queue (0 low confidence, 1 in scope, 2 the rest), stored so the queue is one index range scan.
report_desk_columns = (
    Column("assignee", String(100), nullable=True),
    Column("merged_into", PK, nullable=True),
    Column("priority", Integer, nullable=False, default=2, server_default="2"),
)
for _column in report_desk_columns:
    reports.append_column(_column)
Index("ix_reports_queue", reports.c.inspection_id, reports.c.priority, reports.c.created_at, reports.c.pk)
Index("ix_reports_assignee", reports.c.assignee)

notes = Table(
    "notes",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("report_id", PK, ForeignKey("reports.pk"), nullable=False),
    Column("author", String(100), nullable=False),
    Column("text", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_notes_report_id", notes.c.report_id)

transfers = Table(
    "transfers",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("report_id", PK, ForeignKey("reports.pk"), nullable=False),
    Column("inspection_id", String(100), nullable=False),
    Column("number", String(120), nullable=False, unique=True),  # 转办单 number
    Column("kind", String(64), nullable=False),
    Column("region", String(6), nullable=False),
    Column("body_name", String(200), nullable=False),
    Column("body_email", String(320), nullable=True),
    Column("matter", Text, nullable=False),  # what the form says of the matter
    Column("identity_released", Boolean, nullable=False, default=False, server_default=false()),
    Column("state", String(32), nullable=False),  # open | feedback_received | returned | closed
    Column("deadline", UTCDateTime, nullable=False),
    Column("created_by", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_transfers_report_id", transfers.c.report_id)
Index("ix_transfers_inspection_state", transfers.c.inspection_id, transfers.c.state)

directory = Table(
    "directory",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("kind", String(64), nullable=False),
    Column("region", String(6), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320), nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("kind", "region"),
)


# --- the blind search index (migration 0004) ----------------------------------------------------

search_terms = Table(
    "search_terms",
    metadata,
    Column("term", BigInteger, nullable=False),
    # No foreign key: rows are only ever added with their report, in its transaction.
    Column("report_id", PK, nullable=False),
    PrimaryKeyConstraint("term", "report_id"),
    # SQLite: one B-tree instead of rows plus the key's index (migration 0013), and keyed by
    # (report_id, term), not in this order (migration 0014): a new report's rows then go side by side
    # at the tree's end, not one to a page all over it, under the write lock the webhooks wait for
    # (issue 16). The search looks rows up by both columns, which either order answers. PostgreSQL
    # ignores the first and keeps this key.
    sqlite_with_rowid=False,
)


# --- following every transfer to its end (migration 0005) --------------------------------------

# What the receiving body reported: its result (sealed, it may name people) and when it came back.
transfer_followup_columns: tuple[Column[Any], ...] = (
    Column("result", Text, nullable=True),
    Column("feedback_at", UTCDateTime, nullable=True),
    Column("closed_at", UTCDateTime, nullable=True),
)
for _followup_column in transfer_followup_columns:
    transfers.append_column(_followup_column)
Index("ix_transfers_deadline", transfers.c.state, transfers.c.deadline)

transfer_events = Table(
    "transfer_events",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("transfer_id", PK, ForeignKey("transfers.pk"), nullable=False),
    Column("report_id", PK, ForeignKey("reports.pk"), nullable=False),
    Column("kind", String(32), nullable=False),  # accepted | objected | handled | closed | mail
    Column("text", Text, nullable=True),  # sealed, like the transfer's result
    Column("documents", JSON, nullable=True),  # [{filename, content_type, size, sha256}]
    Column("message_id", PK, nullable=True),  # the inbound mail that carried it, if any
    Column("actor", String(100), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_transfer_events_transfer_id", transfer_events.c.transfer_id)


# --- channels: durable opt-outs, delivery lookups, the digest's schedule (migration 0006) -------

# Who sent STOP (退订) on which channel: nothing more is queued or sent to them until START.
opt_outs = Table(
    "opt_outs",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("channel", String(16), nullable=False),
    Column("sender", Text, nullable=False),  # sealed, so that key rotation can recompute the hash
    Column("sender_hash", String(64), nullable=False),  # keyed hash: the lookup
    Column("created_at", UTCDateTime, nullable=False),
    UniqueConstraint("channel", "sender_hash"),
)

# Delivery callbacks name the provider's message id (Twilio's MessageSid).
Index("ix_outbox_provider_id", outbox.c.provider_id)

# The day each inspection's digest was queued: the primary key makes it once a day, whatever the
# number of processes that try.
digest_runs = Table(
    "digest_runs",
    metadata,
    Column("inspection_id", String(100), nullable=False),
    Column("day", String(10), nullable=False),  # YYYY-MM-DD in the inspection's time zone
    Column("items", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("inspection_id", "day"),
)


# --- Telegram updates already taken (migration 0008_telegram_updates) ---------------------------

# Telegram redelivers an update until the webhook answers 200 (or polling confirms it), and a
# button press or /start leaves no message row to de-duplicate on: each update id is claimed here
# once. Rows older than Telegram's redelivery horizon (a day) are pruned; no personal data.
telegram_updates = Table(
    "telegram_updates",
    metadata,
    Column("bot", String(32), nullable=False),  # the bot's numeric id (the token's public part)
    Column("update_id", BigInteger, nullable=False),
    Column("seen_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("bot", "update_id"),
)
Index("ix_telegram_updates_seen_at", telegram_updates.c.seen_at)
# --- who a transfer form may name, fixed when it is issued (migration 0008_transfer_identity) ----

# `reporter_protected`: the item was classified or confirmed as an accusation at some point before
# the form was issued, so the form names the reporter only after a leader's recorded release
# (`identity_released`, `released_by`, `released_at`). `category` is the category the form states.
# A leader's change of a transferred report's decision withdraws the form (state "withdrawn") and
# issues a new one, named in `replaced_by`.
transfer_identity_columns: tuple[Column[Any], ...] = (
    # Fails closed: a row written without it (by an older process mid-upgrade) withholds the reporter.
    Column("reporter_protected", Boolean, nullable=False, default=True, server_default=true()),
    Column("category", String(32), nullable=True),
    Column("released_by", String(100), nullable=True),
    Column("released_at", UTCDateTime, nullable=True),
    Column("replaced_by", String(120), nullable=True),
)
for _identity_column in transfer_identity_columns:
    transfers.append_column(_identity_column)
# --- the duty phone (migration 0008_phone_calls) -----------------------------------------------

# One row a call, keyed by the provider's CallSid: every webhook of the call finds it again, so a
# retried webhook changes nothing twice. The caller's number is not here: it arrives with each of
# the call's webhooks and is kept, sealed, only with the report's message.
calls = Table(
    "calls",
    metadata,
    Column("pk", PK, primary_key=True, autoincrement=True),
    Column("call_sid", String(64), nullable=False),
    Column("inspection_id", String(100), nullable=False),
    Column("called", String(32), nullable=True),  # the team's number the caller dialled
    Column("in_hours", Boolean, nullable=False),
    Column("stage", String(16), nullable=False),  # ringing | answered | voicemail | recorded
    Column("outcome", String(16), nullable=True),  # the provider's final CallStatus
    Column("duration", Integer, nullable=True),  # seconds, from the status callback
    Column("report_id", PK, ForeignKey("reports.pk"), nullable=True),
    Column("answered_by", String(200), nullable=True),  # the officer's phone or SIP address
    Column("recording_sid", String(64), nullable=True),
    Column("recording_state", String(16), nullable=False, server_default="none"),
    Column("recording_seconds", Integer, nullable=True),
    Column("recording_attempts", Integer, nullable=False, server_default="0"),
    Column("recording_next_at", UTCDateTime, nullable=True),
    Column("recording_error", Text, nullable=True),
    Column("recording_sha256", String(64), nullable=True),
    Column("recording_bytes", Integer, nullable=True),
    Column("recording_type", String(64), nullable=True),
    Column("provider_deleted", Boolean, nullable=False, server_default=false()),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    UniqueConstraint("call_sid"),
)
Index("ix_calls_report_id", calls.c.report_id)
Index("ix_calls_recording_due", calls.c.recording_state, calls.c.recording_next_at)


# --- Telegram conversation drafts (migration 0012_conversation_drafts) -------------------------

# One row a chat with something to remember: the draft of a report still being written (the
# committed messages that form it, the contact given) and whether the chat sent /start since its
# last report. Every process reads and writes it, so any process continues any chat. The chat is
# found by a keyed hash of its id; the id and everything else sit in `state`, sealed like the
# messages (they hold citizens' words and contact details). `last_at` is set while a draft is
# open (the idle sweep files it); `version` makes a write from a stale read fail.
conversation_drafts = Table(
    "conversation_drafts",
    metadata,
    Column("bot", String(32), nullable=False),
    Column("chat_key", String(64), nullable=False),
    Column("state", Text, nullable=False),
    Column("last_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("version", Integer, nullable=False),
    PrimaryKeyConstraint("bot", "chat_key"),
)
Index("ix_conversation_drafts_last_at", conversation_drafts.c.bot, conversation_drafts.c.last_at)
