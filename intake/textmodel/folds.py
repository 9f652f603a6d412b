"""Folds of the rows and the models of subsets of the rows (cached on disk by rows and params).

Cross-validation, the out-of-fold decisions, the calibration and the reliability table all need the
same few models; training one costs a minute on a busy machine, so each is trained once.

Folds are grouped by inspection for labelled rows (corpus, cases): a fold's model never saw any row
of the inspections it decides, as the shipped model never saw the next team's. Split by text hash,
the fold model had learnt the inspection's names, posts and places from its other rows, and the
calibration fitted on those decisions was too sure for a new inspection (issue 12, item 5). The real
messages (no inspection) are split by text hash, as before; the held-back fifth is still by hash.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from intake.textmodel import ModelError, TextModel, load_model
from intake.textmodel.data import Row
from intake.textmodel.train import Params, fit_to_model


def inspection_folds(rows: list[Row], k: int) -> dict[str, int]:
    """Each inspection's fold: largest first, each to the fold with the fewest labelled rows so far
    (ties: the lowest fold), so the folds are near equal whatever the inspections' sizes."""
    sizes = Counter(r.inspection for r in rows if r.inspection is not None)
    load = [0] * k
    out: dict[str, int] = {}
    for name, n in sorted(sizes.items(), key=lambda kv: (-kv[1], kv[0])):
        fold = min(range(k), key=lambda f: (load[f], f))
        out[name] = fold
        load[fold] += n
    return out


def split(rows: list[Row], k: int) -> list[tuple[list[Row], list[Row]]]:
    """(train, test) for each of k folds: labelled rows grouped by inspection, the rest by text hash."""
    by_insp = inspection_folds(rows, k)

    def fold_of(r: Row) -> int:
        return by_insp[r.inspection] if r.inspection is not None else r.fold(k)

    folds = [fold_of(r) for r in rows]
    return [
        (
            [r for r, f in zip(rows, folds, strict=True) if f != fold],
            [r for r, f in zip(rows, folds, strict=True) if f == fold],
        )
        for fold in range(k)
    ]


def fold_model(train: list[Row], params: Params, where: Path) -> TextModel:
    """The model trained on `train`, from `where` if the same rows and params made one before."""
    h = hashlib.sha256(repr(asdict(params)).encode())
    for r in train:
        h.update(f"{r.source}\x1f{r.text}\x1f{r.category.value}\x1f{r.sector}\x1e".encode())
    path = where / f"fold-{h.hexdigest()[:16]}.npz"
    if path.exists():
        try:
            return load_model(path)
        except ModelError:
            path.unlink()  # a cache entry cut short: train again
    where.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")  # two runs at once must not read a half-written file
    fit_to_model(train, params, tmp)
    tmp.replace(path)
    return load_model(path)
