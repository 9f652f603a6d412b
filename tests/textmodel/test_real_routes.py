"""bench.real_routes: which step of a decision lost a real message's labelled department."""

from __future__ import annotations

from bench.real_routes import step
from intake.models import Category, Decision, Scope, Target
from intake.textmodel.data import Row


def _row() -> Row:
    return Row("teddy", "teddy-1", "小区门口的路灯坏了很久", Category.APPEAL, "housing")


def _decision(category: Category, kind: str | None) -> Decision:
    target = Target(kind=kind, region="410000", name="某部门") if kind else None  # type: ignore[arg-type]
    scope = Scope.IN_SCOPE if kind is None else Scope.OUT_OF_SCOPE
    return Decision(id="teddy-1", scope=scope, category=category, target=target, confidence=0.5)


def test_the_labelled_department_is_right_whatever_the_evidence() -> None:
    assert step(_row(), _decision(Category.APPEAL, "department:housing"), "transport") == "right"


def test_wrong_evidence_is_blamed_before_the_category() -> None:
    assert step(_row(), _decision(Category.ACCUSATION, "discipline"), "transport") == "evidence wrong"


def test_right_evidence_lost_by_the_category_or_the_route() -> None:
    assert step(_row(), _decision(Category.ACCUSATION, "discipline"), "housing") == "taken as accusation"
    assert step(_row(), _decision(Category.LITIGATION, "political_legal"), "housing") == (
        "taken as a court case"
    )
    assert step(_row(), _decision(Category.SUGGESTION, "inspected_unit"), "housing") == (
        "suggestion without the department"
    )
    assert step(_row(), _decision(Category.APPEAL, "petition"), "housing") == "appeal routed to petition"
