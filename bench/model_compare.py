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
    "char 1-2": {"ngram_range": (1, 2), "max_features": 60_000},
    "char 1-3": {"ngram_range": (1, 3), "max_features": 60_000},
    "char 1-3, 30k": {"ngram_range": (1, 3), "max_features": 30_000},
    "char 2-3": {"ngram_range": (2, 3), "max_features": 60_000},
}
CLASSIFIERS: dict[str, Clf] = {
    "LR C=3": lambda: LogisticRegression(C=3, max_iter=3000),
    "LR C=10": lambda: LogisticRegression(C=10, max_iter=3000),
    "LR C=30": lambda: LogisticRegression(C=30, max_iter=3000),
    "LinearSVC C=0.5": lambda: LinearSVC(C=0.5),
    "ComplementNB a=0.3": lambda: ComplementNB(alpha=0.3),
}
TEDDY_WEIGHTS = (0.1, 0.3, 1.0)


def _fold_scores(
    rows: list[Row], fold: int, vec_args: dict[str, Any], clfs: dict[str, Clf], k: int
) -> dict[str, dict[str, list[int]]]:
    train = [r for r in rows if r.fold(k) != fold]
    test = [r for r in rows if r.fold(k) == fold]
    vec = TfidfVectorizer(analyzer="char", min_df=2, sublinear_tf=True, **vec_args)
    xtr = vec.fit_transform([r.text for r in train])
    xte = vec.transform([r.text for r in test])
    out: dict[str, dict[str, list[int]]] = {}
    lab = [i for i, r in enumerate(test) if r.source != "teddy"]
    sec_tr = [i for i, r in enumerate(train) if r.sector]
    sec_te = [i for i, r in enumerate(test) if r.sector]
    for name, make in clfs.items():
        for w in TEDDY_WEIGHTS if name == "LR C=10" else (0.3,):
            weights = np.array([w if r.source == "teddy" else 1.0 for r in train])
            cat = make().fit(xtr, [r.category.value for r in train], sample_weight=weights)
            sec = make().fit(xtr[sec_tr], [train[i].sector for i in sec_tr])
            pc = cat.predict(xte[lab]) if lab else []
            ps = sec.predict(xte[sec_te]) if sec_te else []
            s = out.setdefault(f"{name}, teddy weight {w}", {})
            acc = [test[i].category.value for i in lab]
            s["category"] = [sum(a == b for a, b in zip(pc, acc, strict=True)), len(lab)]
            accu = [j for j, i in enumerate(lab) if test[i].category.value == "accusation"]
            s["accusation recall"] = [sum(pc[j] == "accusation" for j in accu), len(accu)]
            t_idx = [j for j, i in enumerate(sec_te) if test[i].source == "teddy"]
            l_idx = [j for j, i in enumerate(sec_te) if test[i].source != "teddy"]
            s["teddy sector"] = [sum(ps[j] == test[sec_te[j]].sector for j in t_idx), len(t_idx)]
            s["labelled sector"] = [sum(ps[j] == test[sec_te[j]].sector for j in l_idx), len(l_idx)]
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
        total: dict[str, dict[str, list[int]]] = {}
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
