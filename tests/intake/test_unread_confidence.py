"""What an accusation costs when the one accused was never read (issue 12, item 5): sent out of scope
with no post or name read and no staff word, "not in the tiers" is a guess (vote.unread_subject).
Decided in an invented county-level city's inspection (test_who_unplaced)."""

from __future__ import annotations

from intake.models import Category, Scope
from intake.vote import EARN_UNREAD_SUBJECT, Vote, unread_subject
from tests.intake.test_who_unplaced import _decide


def test_an_out_of_scope_accusation_with_no_subject_read_costs_confidence() -> None:
    vote = Vote(Category.ACCUSATION, "model", 0.95, None)
    assert unread_subject(vote, subject=False, staff=False, in_scope=False) == EARN_UNREAD_SUBJECT
    # staff named (一个收费员), a subject read, or taken in scope: nothing was guessed
    assert unread_subject(vote, subject=False, staff=True, in_scope=False) == 0.0
    assert unread_subject(vote, subject=True, staff=False, in_scope=False) == 0.0
    assert unread_subject(vote, subject=False, staff=False, in_scope=True) == 0.0
    appeal = Vote(Category.APPEAL, "model", 0.95, None)
    assert unread_subject(appeal, subject=False, staff=False, in_scope=False) == 0.0


def test_the_decision_with_an_unread_subject_is_less_sure_than_one_naming_staff() -> None:
    unread = _decide("tengzhou", "滕州市那个管事的zz换届时请代表吃饭，每人塞个红包")
    staff = _decide("tengzhou", "滕州市政务大厅一个收费员换届时请代表吃饭，每人塞个红包")
    assert unread.scope is Scope.OUT_OF_SCOPE and unread.subject is None
    assert staff.scope is Scope.OUT_OF_SCOPE
    assert unread.confidence < staff.confidence
