"""The evaluation tool's counts: the issue's measures from (row, decision) pairs."""

from __future__ import annotations

from intake.models import Category, Decision, Scope, Target
from intake.textmodel.data import Row
from intake.textmodel.oof import Measures, right


def _row(category: str, scope: str, target: dict[str, str] | None, source: str = "corpus") -> Row:
    expect = {"scope": scope, "category": category, "target": target}
    return Row(source, "x", "t", Category(category), None, "t", "henan-audit-2016", expect)


def _d(scope: Scope, category: Category, conf: float, target: Target | None = None) -> Decision:
    return Decision(id="x", scope=scope, category=category, confidence=conf, target=target)


def test_labelled_measures() -> None:
    m = Measures()
    dept = Target(kind="department:housing", region="410000", name="住建厅")
    m.add(_row("accusation", "in_scope", None), _d(Scope.IN_SCOPE, Category.ACCUSATION, 0.95))
    m.add(_row("accusation", "in_scope", None), _d(Scope.OUT_OF_SCOPE, Category.APPEAL, 0.92))  # a miss
    want = {"kind": "department:housing", "region": "410000"}
    m.add(_row("appeal", "out_of_scope", want), _d(Scope.OUT_OF_SCOPE, Category.APPEAL, 0.8, dept))
    m.add(_row("suggestion", "out_of_scope", None), _d(Scope.OUT_OF_SCOPE, Category.APPEAL, 0.6))
    lines = m.lines()
    assert "labelled 4: scope 0.750, in-scope recall 0.500 precision 1.000, category 0.500" in lines[0]
    assert "target 1.000 (1/1)" in lines[0]
    assert "suggestions found 0/1, appeals taken as accusations 0/1" in lines[1]
    assert "confidence >= 0.9 wrong on scope 1/2" in lines[1]


def test_real_messages_measures() -> None:
    row = Row("teddy", "t1", "t", Category.APPEAL, "housing", "t")
    m = Measures()
    dept = Target(kind="department:housing", region="410000", name="住建厅")
    m.add(row, _d(Scope.OUT_OF_SCOPE, Category.APPEAL, 0.9, dept))
    m.add(row, _d(Scope.IN_SCOPE, Category.ACCUSATION, 0.4))
    assert "real 2: department match 0.500, in-scope rate 0.5000, taken as accusation 0.5000" in m.lines()[0]
    # a real message is right when out of scope as an appeal or a suggestion
    assert right(row, _d(Scope.OUT_OF_SCOPE, Category.SUGGESTION, 0.5))
    assert not right(row, _d(Scope.OUT_OF_SCOPE, Category.LITIGATION, 0.5))
