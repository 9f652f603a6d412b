"""Which text model: 5-fold cross-validated comparison of features and classifiers (needs scikit-learn).

usage: PYTHONPATH=$PWD python -m bench.model_compare [--quick]  (as a module: bench/queue.py would
shadow the standard library queue that scikit-learn imports)
Rows: the training rows minus the held-back fifth (intake.textmodel.data), the same hash folds as
`petition model train`. Category is scored on the labelled rows (corpus + cases), sector on the
real messages (the contest's topic) and on the labelled appeals with a department.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB
from sklearn.svm import LinearSVC

from intake.textmodel.data import Row, default_teddy_path, load_rows

Clf = Callable[[], Any]
VECTORIZERS: dict[str, dict[str, Any]] = {
    "char 1-3": {"ngram_range": (1, 3), "max_features": 60_000},
    "char 1-2": {"ngram_range": (1, 2), "max_features": 60_000},
    "char 1-3, 30k": {"ngram_range": (1, 3), "max_features": 30_000},
}
CLASSIFIERS: dict[str, Clf] = {
    "LR C=10": lambda: LogisticRegression(C=10, max_iter=3000),
    "LR C=3": lambda: LogisticRegression(C=3, max_iter=3000),
    "LinearSVC C=0.5": lambda: LinearSVC(C=0.5),
    "ComplementNB a=0.3": lambda: ComplementNB(alpha=0.3),
}
# The real messages' weight in the category head changes only that head: tried with LR C=10 alone.
TEDDY_WEIGHTS = (0.3, 0.1, 1.0)
Tallies = dict[str, dict[str, list[int]]]


def _count(out: Tallies, name: str, measure: str, got: list[Any], want: list[Any]) -> None:
    out.setdefault(name, {})[measure] = [sum(a == b for a, b in zip(got, want, strict=True)), len(want)]


def _fold_scores(
    rows: list[Row], fold: int, vec_args: dict[str, Any], clfs: dict[str, Clf], k: int
) -> Tallies:
    train = [r for r in rows if r.fold(k) != fold]
    test = [r for r in rows if r.fold(k) == fold]
    vec = TfidfVectorizer(analyzer="char", min_df=2, sublinear_tf=True, **vec_args)
    xtr = vec.fit_transform([r.text for r in train])
    xte = vec.transform([r.text for r in test])
    out: Tallies = {}
    lab = [i for i, r in enumerate(test) if r.source != "teddy"]
    accu = [i for i in lab if test[i].category.value == "accusation"]
    sec_tr = [i for i, r in enumerate(train) if r.sector]
    ted = [i for i, r in enumerate(test) if r.source == "teddy"]
    lsec = [i for i in lab if test[i].sector]
    for name, make in clfs.items():
        sec = make().fit(xtr[sec_tr], [train[i].sector for i in sec_tr])
        ps = dict(zip(ted + lsec, sec.predict(xte[ted + lsec]), strict=True))
        for w in TEDDY_WEIGHTS if name == "LR C=10" else TEDDY_WEIGHTS[:1]:
            weights = np.array([w if r.source == "teddy" else 1.0 for r in train])
            cat = make().fit(xtr, [r.category.value for r in train], sample_weight=weights)
            pc = dict(zip(lab, cat.predict(xte[lab]), strict=True))
            key = f"{name}, teddy weight {w}"
            _count(out, key, "category", [pc[i] for i in lab], [test[i].category.value for i in lab])
            _count(out, key, "accusation recall", [pc[i] for i in accu], ["accusation"] * len(accu))
            _count(out, key, "teddy sector", [ps[i] for i in ted], [test[i].sector for i in ted])
            _count(out, key, "labelled sector", [ps[i] for i in lsec], [test[i].sector for i in lsec])
    return out


def main() -> None:
    quick = "--quick" in sys.argv
    rows = [r for r in load_rows(default_teddy_path()) if not r.heldback]
    k = 5
    vecs = {"char 1-3": VECTORIZERS["char 1-3"]} if quick else VECTORIZERS
    print(f"{len(rows)} rows (held-back fifth excluded), {k} folds")
    print("| features | classifier | category | accusation recall | teddy sector | labelled sector |")
    print("|---|---|---|---|---|---|")
    for vname, vargs in vecs.items():
        t = time.perf_counter()
        clfs = CLASSIFIERS if vname == "char 1-3" else {"LR C=10": CLASSIFIERS["LR C=10"]}
        total: Tallies = {}
        for fold in range(k):
            for cname, s in _fold_scores(rows, fold, vargs, clfs, k).items():
                for m, (ok, n) in s.items():
                    acc = total.setdefault(cname, {}).setdefault(m, [0, 0])
                    acc[0] += ok
                    acc[1] += n
        for cname, s in total.items():
            cells = " | ".join(f"{ok / max(1, n):.3f}" for ok, n in s.values())
            print(f"| {vname} | {cname} | {cells} |", flush=True)
        print(f"<!-- {vname}: {time.perf_counter() - t:.0f} s -->", flush=True)


if __name__ == "__main__":
    main()
