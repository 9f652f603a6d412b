"""The transfer state machine (`intake.transfers.feedback_step`) on its own, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from intake.transfers import FeedbackKind, FeedbackRefused, FeedbackStep, feedback_step

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
EARLIER = datetime(2026, 2, 20, 9, 0, tzinfo=UTC)


def step(
    kind: FeedbackKind, state: str = "open", *, others: int = 0, feedback_at: datetime | None = None
) -> FeedbackStep:
    return feedback_step(
        kind,
        transfer_state=state,
        feedback_at=feedback_at,
        report_state="transferred",
        others_unfinished=others,
        text="已立案核查",
        now=NOW,
    )


def test_accepted_and_mail_change_no_state() -> None:
    for kind in ("accepted", "mail"):
        s = step(kind)  # type: ignore[arg-type]
        assert s.transfer == {}
        assert (s.outcome.transfer_state, s.outcome.report_state, s.outcome.report_closed) == (
            "open",
            "transferred",
            False,
        )


def test_objected_returns_the_matter_to_the_queue() -> None:
    s = step("objected")
    assert s.transfer == {"state": "returned"}
    assert s.outcome.report_state == "decided"


def test_handled_keeps_the_result_and_when_it_came() -> None:
    s = step("handled")
    assert s.transfer == {"state": "feedback_received", "result": "已立案核查", "feedback_at": NOW}
    assert s.outcome.report_state == "feedback_received"


def test_closing_the_last_open_transfer_closes_the_report() -> None:
    s = step("closed", "feedback_received", feedback_at=EARLIER)
    assert s.transfer == {"state": "closed", "closed_at": NOW, "result": "已立案核查"}
    assert s.outcome.report_state == "closed" and s.outcome.report_closed


def test_closing_one_of_several_keeps_the_report_open() -> None:
    s = step("closed", others=1)
    assert s.transfer["feedback_at"] == NOW  # closed without a reply: closing counts as the reply
    assert s.outcome.report_state == "transferred" and not s.outcome.report_closed


@pytest.mark.parametrize("state", ["closed", "returned", "withdrawn"])
def test_a_finished_transfer_takes_no_more_replies_but_mail(state: str) -> None:
    with pytest.raises(FeedbackRefused):
        step("handled", state)
    assert step("mail", state).transfer == {}


def test_objection_after_the_result_is_refused() -> None:
    with pytest.raises(FeedbackRefused, match="不能再退回"):
        step("objected", "feedback_received")


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(FeedbackRefused):
        step("deleted")  # type: ignore[arg-type]
