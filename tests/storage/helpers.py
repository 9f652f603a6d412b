"""Builders shared by the storage tests."""

from __future__ import annotations

from datetime import UTC, datetime

from intake.models import Category, Channel, Decision, Scope
from intake.ports import NewAck, RawMessage, Report
from tests.fakes.store import SqlReportStore

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
SENDER = "+8613912345678"
TEXT = "举报某县住建局局长王某某收受开发商贿赂，违规审批项目。"


def decision(provider_id: str, *, confidence: float = 0.8) -> Decision:
    """An in-scope accusation decision for a message."""
    return Decision(
        id=provider_id,
        scope=Scope.IN_SCOPE,
        category=Category.ACCUSATION,
        reasons=["关键词: 收受贿赂"],
        confidence=confidence,
    )


def ack(recipient: str = SENDER, text: str = "已收到，编号 {tracking_number}。") -> NewAck:
    """An SMS acknowledgement."""
    return NewAck(channel=Channel.SMS, recipient=recipient, text=text, kind="in_scope")


async def save(
    store: SqlReportStore,
    provider_id: str,
    *,
    inspection_id: str = "insp-a",
    channel: Channel = Channel.SMS,
    text: str = TEXT,
) -> RawMessage:
    """Save a raw message and return it."""
    saved = await store.save_raw(
        inspection_id=inspection_id,
        channel=channel,
        provider_id=provider_id,
        sender=SENDER,
        text=text,
        subject=None,
        received_at=NOW,
        payload={"raw": provider_id},
    )
    return saved.message


async def new_report(
    store: SqlReportStore,
    provider_id: str,
    *,
    inspection_id: str = "insp-a",
    prefix: str = "A",
    with_ack: bool = True,
    now: datetime = NOW,
) -> Report:
    """Save a message and turn it into a report."""
    message = await save(store, provider_id, inspection_id=inspection_id)
    return await store.create_report(
        message_pk=message.pk,
        tracking_prefix=prefix,
        decision=decision(provider_id),
        state="decided",
        ack=ack() if with_ack else None,
        now=now,
    )
