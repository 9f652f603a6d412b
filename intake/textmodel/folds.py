"""Models of subsets of the rows (folds, the rows not held back), cached on disk by rows and params.

Cross-validation, the out-of-fold decisions, the calibration and the reliability table all need the
same few models; training one costs a minute on a busy machine, so each is trained once.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict
from pathlib import Path

from intake.textmodel import ModelError, TextModel, load_model
from intake.textmodel.data import Row
from intake.textmodel.train import Params, fit_to_model


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
