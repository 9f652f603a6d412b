"""Reliability table of decide()'s confidence on the held-back fifth (needs scikit-learn).

usage: PYTHONPATH=$PWD python -m bench.reliability
A development model is trained on the rows not held back, its calibration fitted on their
out-of-fold decisions; the held-back rows are decided with it and grouped by confidence.
Fold models are cached in build/textmodel-folds/ (shared with `petition model evaluate`).
"""

from __future__ import annotations

from intake.textmodel.data import ROOT, default_teddy_path, load_rows
from intake.textmodel.oof import auroc
from intake.textmodel.reliability import buckets, heldback_reliability, table


def main() -> None:
    rows = load_rows(default_teddy_path())
    rel = heldback_reliability(rows, cache=ROOT / "build" / "textmodel-folds")
    print(f"held-back rows decided: {len(rel.calibrated)} (a model trained without them)")
    print(table(buckets(rel.calibrated)))
    print(f"AUROC of confidence, right vs wrong (scope and category): {auroc(rel.calibrated):.3f}")
    for line in rel.measures.lines():
        print(line)


if __name__ == "__main__":
    main()
