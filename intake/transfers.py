"""Transfers (转办单) and following them to their end (件件有着落): the forms, the receiving bodies'
replies and the state machine a reply moves. Pure: `storage.transfers` and `storage.followup`
load and save them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

# A transfer in one of these states is no longer worked by its body.
FINISHED_TRANSFER: Final = ("closed", "returned", "withdrawn")


@dataclass(frozen=True, slots=True)
class Transfer:
    pk: int
    report_id: int
    inspection_id: str
    number: str
    kind: str
    region: str
    body_name: str
    body_email: str | None
    matter: str
    identity_released: bool
    state: str
    deadline: datetime
    created_by: str
    created_at: datetime
    # Fixed at issue (issue #13 item 1): the item was ever an accusation, so the form names the
    # reporter only once a leader released it (`identity_released`, by whom and when).
    reporter_protected: bool = True
    category: str | None = None
    released_by: str | None = None
    released_at: datetime | None = None
    replaced_by: str | None = None

    @property
    def names_reporter(self) -> bool:
        """Whether the form may carry the reporter's identity."""
        return not self.reporter_protected or self.identity_released


FeedbackKind = Literal["accepted", "objected", "handled", "closed", "mail"]
FEEDBACK_KINDS: Final[tuple[str, ...]] = ("accepted", "objected", "handled", "closed", "mail")
# A transfer in one of these states still waits for the receiving body.
OPEN_TRANSFER: Final = ("open",)
# Transfers in FINISHED_TRANSFER's states (closed, returned, withdrawn) are finished; a report
# whose transfers are all finished can be closed.


class FeedbackRefused(ValueError):
    """A reply that does not fit the transfer's state (a reply to a closed transfer, say)."""


@dataclass(frozen=True, slots=True)
class TransferEvent:
    """One thing the receiving body said or sent about a transfer."""

    pk: int
    transfer_id: int
    kind: str
    text: str | None
    documents: list[dict[str, Any]]
    message_id: int | None
    actor: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class FollowedTransfer:
    """A transfer with where it stands: the body's result and when it came back or was closed."""

    transfer: Transfer
    tracking_number: str
    result: str | None
    feedback_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True, slots=True)
class FeedbackOutcome:
    """What recording a reply did."""

    transfer_state: str
    report_state: str
    report_closed: bool


@dataclass(frozen=True, slots=True)
class FeedbackStep:
    """What a reply changes: the transfer's columns (`result` as the body wrote it, sealed when
    stored) and where the transfer and the report end up."""

    transfer: dict[str, Any]
    outcome: FeedbackOutcome


def check_feedback_kind(kind: str) -> None:
    """Refuse a reply kind that is none of FEEDBACK_KINDS (before anything is read)."""
    if kind not in FEEDBACK_KINDS:
        raise FeedbackRefused(f"unknown reply kind {kind!r}")


def feedback_step(
    kind: FeedbackKind,
    *,
    transfer_state: str,
    feedback_at: datetime | None,
    report_state: str,
    others_unfinished: int,
    text: str | None,
    now: datetime,
) -> FeedbackStep:
    """The transfer state machine: what a reply of `kind` does to a transfer in `transfer_state`
    whose report is in `report_state`, with `others_unfinished` other transfers of that report still
    worked. FeedbackRefused when the reply does not fit the transfer's state.

    accepted: the body took the matter on (the transfer stays open); objected: it returned the
    matter, which goes back to the queue for a new decision; handled: it reported its result;
    closed: the officer closes the transfer, and the report when all its transfers are finished;
    mail: a reply mail attached to the thread, no state change.
    """
    check_feedback_kind(kind)
    if kind != "mail" and transfer_state in FINISHED_TRANSFER:
        done = {"closed": "办结", "returned": "退回", "withdrawn": "作废"}.get(transfer_state, "办结")
        raise FeedbackRefused(f"转办单已{done}，不能再登记反馈")
    if kind == "objected" and transfer_state != "open":
        raise FeedbackRefused("承办单位已反馈办理结果，不能再退回")
    values: dict[str, Any] = {}
    new_report_state = report_state
    if kind == "objected":
        values["state"] = "returned"
        # Back to the queue: the team decides again (another body, or its own handling).
        new_report_state = "decided"
    elif kind == "handled":
        values.update(state="feedback_received", result=text, feedback_at=now)
        new_report_state = "feedback_received"
    elif kind == "closed":
        values.update(state="closed", closed_at=now)
        if text:
            values["result"] = text
        if feedback_at is None:
            values["feedback_at"] = now
        if not others_unfinished:
            new_report_state = "closed"
    outcome = FeedbackOutcome(
        transfer_state=str(values.get("state", transfer_state)),
        report_state=new_report_state,
        report_closed=new_report_state == "closed" and report_state != "closed",
    )
    return FeedbackStep(values, outcome)
