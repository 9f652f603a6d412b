"""Reliability table of decide()'s confidence on the held-back fifth (needs scikit-learn).

usage: PYTHONPATH=$PWD python -m bench.reliability
A development model is trained on the rows not held back, its calibration fitted on their
out-of-fold decisions; the held-back rows are decided with it and grouped by confidence. Then the
out-of-fold decisions themselves (folds grouped by inspection), each fold's confidence mapped by the
calibration fitted on the other folds: how sure the confidence is on inspections nothing was tuned on.
Fold models are cached in build/textmodel-folds/ (shared with `petition model evaluate`).
"""

from __future__ import annotations

from intake.textmodel.data import ROOT, default_teddy_path, load_rows
from intake.textmodel.oof import auroc
from intake.textmodel.reliability import buckets, cross_calibrated, heldback_reliability, summary, table


def main() -> None:
    rows = load_rows(default_teddy_path())
    rel = heldback_reliability(rows, cache=ROOT / "build" / "textmodel-folds")
    m = rel.measures
    print(f"held-back rows decided: {len(m.pairs)} (by a model trained without them)")
    for title, pairs in (
        ("labelled rows (corpus, cases)", m.labelled_pairs),
        ("real messages", m.real_pairs),
    ):
        print(f"\n{title}: {len(pairs)} decisions; AUROC of confidence, right vs wrong {auroc(pairs):.3f}")
        print(table(buckets(pairs)))
    print()
    for line in m.lines():
        print(line)
    print("\nout of fold, folds grouped by inspection, each calibrated by the other folds' map:")
    for line in summary(cross_calibrated(rel.out_of_fold)):
        print(line)


if __name__ == "__main__":
    main()
