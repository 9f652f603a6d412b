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
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
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
    Column("sender", Text, nullable=True),
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
    Column("sender", Text, nullable=True),
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
    Column("recipient", Text, nullable=False),
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
)
Index("ix_outbox_state_next_attempt_at", outbox.c.state, outbox.c.next_attempt_at)
Index("ix_outbox_report_id", outbox.c.report_id)
Index("ix_outbox_recipient_created", outbox.c.recipient, outbox.c.created_at)

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
)
Index("ix_audit_log_report_id", audit_log.c.report_id)
