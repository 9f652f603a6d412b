"""Text-level scores of the model heads: k-fold cross-validation and the held-back fifth.

Every figure here is on rows the scoring model was not trained on. Category is scored on the
labelled rows (corpus and cases: their category is a reader's label); the real messages' category
is only "an appeal, mostly", so on them the measures are the sector (the contest's label) and the
share taken as an accusation.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from intake.textmodel import TextModel
from intake.textmodel.data import Row
from intake.textmodel.folds import fold_model, split
from intake.textmodel.train import DEFAULT_PARAMS, Params


class Tally:
    """Counts of right predictions per measure, over any number of folds."""

    def __init__(self) -> None:
        self.right: Counter[str] = Counter()
        self.total: Counter[str] = Counter()
        self.confusion: defaultdict[str, Counter[str]] = defaultdict(Counter)

    def add(self, measure: str, ok: bool) -> None:
        self.total[measure] += 1
        self.right[measure] += ok

    def scores(self) -> dict[str, Any]:
        out: dict[str, Any] = {m: round(self.right[m] / self.total[m], 4) for m in sorted(self.total)}
        out["n"] = {m: self.total[m] for m in sorted(self.total)}
        return out


def score_fold(model: TextModel, test: list[Row], tally: Tally) -> None:
    """Add the predictions of `model` on `test` (rows it was not trained on) to `tally`."""
    for r in test:
        pc = model.category_proba(r.text)
        cat = max(pc, key=pc.__getitem__).value
        ps = model.sector_proba(r.text)
        sec = max(ps, key=ps.__getitem__)
        if r.source == "teddy":
            tally.add("teddy_sector", sec == r.sector)
            tally.add("teddy_not_accusation", cat != "accusation")
            tally.add("teddy_appeal_or_suggestion", cat in ("appeal", "suggestion"))
        else:
            tally.add("category", cat == r.category.value)
            tally.confusion[r.category.value][cat] += 1
            if r.category.value == "accusation":
                tally.add("accusation_recall", cat == "accusation")
            if r.sector is not None:
                tally.add("labelled_sector", sec == r.sector)


def cross_validate(rows: list[Row], where: Path, params: Params = DEFAULT_PARAMS, k: int = 5) -> Tally:
    """k-fold cross-validated scores on `rows` (labelled rows' folds grouped by inspection, the real
    messages' by text hash: `folds.split`).

    The fold models are the ones `petition model evaluate` decides with (cached in `where`)."""
    tally = Tally()
    for train, test in split(rows, k):
        score_fold(fold_model(train, params, where), test, tally)
    return tally


def heldback_scores(rows: list[Row], where: Path, params: Params = DEFAULT_PARAMS) -> Tally:
    """Scores on the held-back fifth of a model trained on the rest only."""
    tally = Tally()
    dev = fold_model([r for r in rows if not r.heldback], params, where)
    score_fold(dev, [r for r in rows if r.heldback], tally)
    return tally
