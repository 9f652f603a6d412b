"""The seams between the intake domain and the outside: storage, outbound channels, the clock.

`intake` depends only on these Protocols; `storage/` and `bot/` implement them and `web/` (the
composition root) wires the implementations in. Nothing here does I/O.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from intake.models import Channel, Decision, ReportState

# What an outbox item to a recipient who sent STOP (退订) says, so that officers see why nothing went.
OPTED_OUT_ERROR = "recipient opted out (STOP/退订); not sent"


@dataclass(frozen=True, slots=True)
class RawMessage:
    """A raw inbound message as stored, before or after it became part of a report."""

    pk: int
    inspection_id: str
    channel: Channel
    provider_id: str
    sender: str | None
    text: str
    subject: str | None
    received_at: datetime
    report_id: int | None
    payload: dict[str, Any] | None = None
    # True once it became (part of) a report or was recorded as needing none; a stored message
    # that is not handled was interrupted (a crash, a database failure) and still needs processing.
    handled: bool = False


# The payload key under which a channel adapter keeps the team's address the citizen wrote to.
WRITTEN_TO = "to"


def reply_from(raw: RawMessage) -> str | None:
    """The team's address to answer `raw` from: the one it was sent to. A deployment serving several
    teams has a number per team; an answer from another number would confuse the citizen, and
    their reply to it would reach the wrong team."""
    written_to = (raw.payload or {}).get(WRITTEN_TO)
    return written_to if isinstance(written_to, str) and written_to.strip() else None


@dataclass(frozen=True, slots=True)
class SavedRaw:
    """What `save_raw` did: the stored row, and whether it had been delivered before."""

    message: RawMessage
    duplicate: bool


@dataclass(frozen=True, slots=True)
class NewAck:
    """An acknowledgement to queue in the outbox together with the report."""

    channel: Channel
    recipient: str
    text: str
    kind: str  # in_scope | out_of_scope | no_content_prompt | outside_period | status | reply
    # The team's address to answer from (see `reply_from`); None: the channel's configured one.
    from_address: str | None = None


@dataclass(frozen=True, slots=True)
class NewReport:
    """A report to open for a stored message (see `ReportRecords.create_reports`)."""

    message_pk: int
    tracking_prefix: str
    decision: Decision
    state: ReportState
    ack: NewAck | None


@dataclass(frozen=True, slots=True)
class Report:
    """A report: one or more messages from a citizen about one matter, with its current decision."""

    pk: int
    inspection_id: str
    tracking_number: str
    state: ReportState
    channel: Channel
    created_at: datetime
    updated_at: datetime
    decision: Decision
    sender: str | None = None


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """One acknowledgement waiting to be sent (or sent, or failed for good)."""

    pk: int
    report_id: int | None
    channel: Channel
    recipient: str
    text: str
    kind: str
    state: str  # pending | sending | sent | failed
    attempts: int
    next_attempt_at: datetime
    last_error: str | None = None
    provider_id: str | None = None
    sent_at: datetime | None = None
    from_address: str | None = None


@dataclass(frozen=True, slots=True)
class AuditEntry:
    pk: int
    at: datetime
    actor: str
    action: str
    report_id: int | None
    detail: dict[str, Any] = field(default_factory=dict)


class MessageStore(Protocol):
    """Raw inbound messages: committed first, then linked to a report (`storage.messages`)."""

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
        """Commit a raw inbound message; a second delivery of (channel, provider_id) returns the first."""
        ...

    async def unprocessed_messages(
        self,
        limit: int = 100,
        *,
        stored_before: datetime | None = None,
        channels: Collection[Channel] | None = None,
    ) -> Sequence[RawMessage]:
        """Raw messages committed but not yet turned into a report (after a crash, say)."""
        ...

    async def unprocessed_among(self, message_pks: Collection[int]) -> set[int]:
        """Those of `message_pks` that still have neither a report nor the handled mark."""
        ...

    async def mark_message_handled(self, message_pk: int, report_id: int | None) -> None:
        """Record that a raw message needs no new report (a status query, say)."""
        ...

    async def report_messages(self, report_id: int) -> Sequence[RawMessage]: ...

    async def set_reporter_identity(
        self, message_pk: int, *, real_name: str | None, phone: str | None
    ) -> None:
        """Keep a reporter's name and phone sealed with the message, never in a text."""
        ...


class ReportRecords(Protocol):
    """Reports and their decisions: numbering, suggestions, reading back (`storage.reports`)."""

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

        The acknowledgement's text may contain the placeholder `{tracking_number}`, replaced by the
        number allocated in the same transaction. The report's sender is the message's sender."""
        ...

    async def create_reports(self, items: Sequence[NewReport], *, now: datetime) -> list[Report]:
        """`create_report` for several messages in one transaction; the reports in `items`' order."""
        ...

    async def get_report(self, tracking_number: str) -> Report | None: ...

    async def recent_report_of(
        self, *, inspection_id: str, channel: Channel, sender: str, since: datetime
    ) -> Report | None:
        """The sender's newest report on this channel opened since `since`, found by the sender's
        keyed hash (the sender itself is sealed)."""
        ...

    async def recent_reports_of(
        self, *, inspection_id: str, channel: Channel, senders: Collection[str], since: datetime
    ) -> dict[str, Report]:
        """`recent_report_of` for several senders at once: each one's newest report, by sender."""
        ...

    async def latest_reports(self, inspection_id: str | None, limit: int = 50) -> Sequence[Report]: ...

    async def add_suggestion(self, report_pk: int, decision: Decision, *, now: datetime) -> bool:
        """Record a newer suggested decision unless an officer already confirmed one."""
        ...


class OutboxStore(Protocol):
    """The outbox and the opt-outs that stop it (`storage.outbox`)."""

    async def report_acks(self, report_id: int) -> Sequence[OutboxItem]: ...

    async def enqueue_ack(self, report_id: int | None, ack: NewAck, now: datetime) -> OutboxItem: ...

    async def recent_acks(
        self, *, channel: Channel, recipients: Collection[str], since: datetime
    ) -> dict[str, list[tuple[str, datetime]]]:
        """The (kind, queued at) of every acknowledgement queued to each of `recipients` since
        `since`, by recipient (one query for a batch of messages)."""
        ...

    async def claim_outbox(self, now: datetime, limit: int = 20) -> Sequence[OutboxItem]:
        """Take due pending items for sending; a claimed item is not handed out again until released."""
        ...

    async def mark_sent(self, pk: int, provider_id: str | None, now: datetime) -> None: ...

    async def mark_sent_many(self, sent: Sequence[tuple[int, str | None]], now: datetime) -> None:
        """Record that the items (pk, provider id) were sent, in one transaction."""
        ...

    async def release_outbox(self, pks: Collection[int]) -> None:
        """Give claimed items back unsent, their attempt not counted."""
        ...

    async def mark_failed(self, pk: int, error: str, retry_at: datetime | None, now: datetime) -> None:
        """Record a failed send: retried at `retry_at`, or failed for good when it is None."""
        ...

    async def mark_outbox_by_provider_id(
        self, channel: Channel, provider_id: str, *, delivered: bool, error: str | None, now: datetime
    ) -> OutboxItem | None:
        """Apply a provider's delivery report to the item it sent as `provider_id` (None: not ours)."""
        ...

    async def set_opted_out(self, channel: Channel, address: str, opted_out: bool, now: datetime) -> bool:
        """Record STOP (True) or START (False) from `address`; nothing is queued or sent to it after STOP."""
        ...

    async def opted_out_among(self, addresses: Collection[tuple[Channel, str]]) -> set[tuple[Channel, str]]:
        """Those of the (channel, address) pairs that sent STOP and no START since."""
        ...

    async def is_opted_out(self, channel: Channel, address: str) -> bool:
        """True when `address` sent STOP on `channel` and has not sent START since."""
        ...


class AuditLog(Protocol):
    """The append-only, hash-chained audit log (`storage.audit_log`)."""

    async def audit(
        self, *, actor: str, action: str, report_id: int | None, detail: dict[str, Any], now: datetime
    ) -> None: ...

    async def audit_entries(self, report_id: int | None = None, limit: int = 100) -> Sequence[AuditEntry]: ...


class UpdateClaims(Protocol):
    """Telegram updates claimed once across processes (`storage.updates`)."""

    async def claim_update(self, bot: str, update_id: int, now: datetime) -> bool:
        """Claim a Telegram update for handling; False when it was claimed before (a redelivery)."""
        ...

    async def release_update(self, bot: str, update_id: int) -> None:
        """Forget a claim whose handling failed, so that the redelivery is handled."""
        ...

    async def prune_updates(self, before: datetime) -> int:
        """Drop update claims older than `before`; how many."""
        ...


@dataclass(frozen=True, slots=True)
class IntakeRecords:
    """The repositories a message's way through the intake flow writes to, one port each: the
    composition root builds it from `storage.stores.Stores` (`intake_records`). A caller that
    needs one of them takes that port alone (the outbox worker the outbox, the poller the messages)."""

    messages: MessageStore
    reports: ReportRecords
    outbox: OutboxStore
    audit: AuditLog


class OutboundChannel(Protocol):
    """Sends one text to one recipient on one channel; raises ChannelSendError on failure."""

    channel: Channel

    async def send_text(self, recipient: str, text: str, *, from_address: str | None = None) -> str | None:
        """Send (from `from_address` where the channel can choose, else its configured address) and
        return the provider's message id, if it gives one."""
        ...


class Clock(Protocol):
    def now(self) -> datetime: ...
