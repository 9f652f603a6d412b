"""The folds behind the calibration are grouped by inspection: a fold model never saw the inspections
it decides, so the confidence is fitted on decisions like those on a new team's messages."""

from __future__ import annotations

from pathlib import Path

from intake.models import Category
from intake.textmodel.data import Row, load_rows
from intake.textmodel.folds import inspection_folds, split
from intake.textmodel.oof import calibration_from_folds
from intake.textmodel.train import DEFAULT_PARAMS, Params
from tests.fakes.textmodel import FakeTextModel


def _real(i: int) -> Row:
    return Row("teddy", f"teddy-{i}", f"小区门口的路坏了第{i}次", Category.APPEAL, "transport", "x")


def test_split_keeps_each_inspection_in_one_fold() -> None:
    rows = load_rows(None) + [_real(i) for i in range(40)]
    parts = split(rows, 5)
    tested = [r for _, test in parts for r in test]
    assert sorted(map(id, tested)) == sorted(map(id, rows))  # every row decided once
    for train, test in parts:
        assert {r.inspection for r in test if r.inspection}.isdisjoint({r.inspection for r in train})
        assert all(r.fold(5) == parts.index((train, test)) for r in test if r.inspection is None)
    sizes = [sum(r.inspection is not None for r in test) for _, test in parts]
    assert max(sizes) < 2 * min(sizes)  # near equal, whatever the inspections' sizes


def test_inspection_folds_are_stable_and_balanced() -> None:
    rows = [
        Row("corpus", f"{n}-{i}", "t", Category.APPEAL, None, "t", n)
        for n, c in (("a", 50), ("b", 40), ("c", 30), ("d", 20), ("e", 10))
        for i in range(c)
    ]
    assert inspection_folds(rows, 2) == {"a": 0, "b": 1, "c": 1, "d": 0, "e": 0}
    assert inspection_folds(list(reversed(rows)), 2) == inspection_folds(rows, 2)


def test_calibration_is_fitted_on_inspection_grouped_folds(tmp_path: Path) -> None:
    """The build's calibration step trains each fold model on rows of other inspections only, and
    decides every labelled row once, by the model of the fold that held its inspection out."""
    per: dict[str | None, int] = {}
    rows = []
    for r in load_rows(None):  # 25 rows of each inspection: every one of them, decided quickly
        per[r.inspection] = per.get(r.inspection, 0) + 1
        if per[r.inspection] <= 25:
            rows.append(r)
    trained: list[list[Row]] = []

    def trainer(train: list[Row], params: Params, where: Path) -> FakeTextModel:
        trained.append(train)
        return FakeTextModel(categories={Category.APPEAL: 0.6, Category.ACCUSATION: 0.4})

    xs, ys, notes = calibration_from_folds(5, trainer=trainer)(rows, DEFAULT_PARAMS, tmp_path)
    assert len(trained) == 5
    held_out: list[str | None] = []
    for train in trained:
        seen = {id(r) for r in train}
        test = [r for r in rows if id(r) not in seen]
        test_insp = {r.inspection for r in test}
        assert test and test_insp.isdisjoint({r.inspection for r in train})
        held_out += test_insp
    assert sorted(map(str, held_out)) == sorted(
        {str(r.inspection) for r in rows}
    )  # each inspection held out once
    assert xs and xs == sorted(xs) and ys == sorted(ys)
    assert any(line.startswith("calibrated by the other folds' map") for line in notes)
