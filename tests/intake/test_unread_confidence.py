"""What a decision costs when it guessed (issue 12, item 5): an accusation sent out of scope with no
post or name read and no staff word ("not in the tiers" is a guess, vote.unread_subject); an item left
out of the queue while the model gives an accusation a real chance (vote.EARN_ACCUSE_CHANCE).
Decided in an invented county-level city's inspection (test_who_unplaced)."""

from __future__ import annotations

from intake.models import Category, InboundMessage, Scope
from intake.pipeline import decide
from intake.vote import (
    EARN_ACCUSE_CHANCE,
    EARN_UNREAD_SUBJECT,
    Vote,
    accusation_chance,
    unearned,
    unread_subject,
)
from tests.fakes.textmodel import FakeTextModel
from tests.intake.test_who_unplaced import _decide, _inspection


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


def test_an_item_left_out_of_the_queue_costs_confidence_when_the_model_gives_an_accusation_a_chance() -> None:
    kept = Vote(Category.APPEAL, "both", 0.6, None, p_accuse=0.1)
    chance = Vote(Category.APPEAL, "both", 0.6, None, p_accuse=0.35)
    base = {"acts": False, "officials": 0, "chars": 40, "tiered": False}
    assert unearned(chance, **base) - unearned(kept, **base) == EARN_ACCUSE_CHANCE
    accusation = Vote(Category.ACCUSATION, "both", 0.6, None, p_accuse=0.6)
    assert unearned(accusation, **base) == 0.0


def test_an_appeal_the_model_half_reads_as_an_accusation_is_less_sure() -> None:
    text = "我家的承包地被占了三年，补偿款一直没发下来，请帮忙问问"  # no official named: an appeal either way
    inspection = _inspection("tengzhou")
    sure = decide(InboundMessage(id="t", text=text), inspection, model=_model(0.05))  # type: ignore[arg-type]
    half = decide(InboundMessage(id="t", text=text), inspection, model=_model(0.35))  # type: ignore[arg-type]
    assert sure.category is half.category is Category.APPEAL
    assert half.confidence < sure.confidence
    assert accusation_chance({Category.APPEAL: 0.65, Category.ACCUSATION: 0.35}) == 0.35
    assert accusation_chance(None) is None


def _model(p_accuse: float) -> FakeTextModel:
    """The same appeal probability and lead whatever the accusation's share of the rest."""
    rest = {Category.ACCUSATION: p_accuse, Category.SUGGESTION: 0.4 - p_accuse}
    return FakeTextModel(categories={Category.APPEAL: 0.6, **rest})
