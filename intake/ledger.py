"""What the digest, the ledger (台账) and the statistics list: rows read across reports, transfers
and the outbox (`storage.ledger` reads them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from intake.ports import Report
from intake.transfers import FollowedTransfer


@dataclass(frozen=True, slots=True)
class FailedAck:
    """An acknowledgement that could not be delivered, for the officers to follow up by other means."""

    pk: int
    tracking_number: str | None
    channel: str
    kind: str
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class LedgerRow:
    """One report as the ledger (台账) lists it."""

    report: Report
    real_name: str | None
    decided_at: datetime | None
    decided_by: str | None
    transfers: list[FollowedTransfer] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Pending:
    """A report still waiting for an officer's decision."""

    tracking_number: str
    inspection_id: str
    created_at: datetime
    real_name: bool
    assignee: str | None
