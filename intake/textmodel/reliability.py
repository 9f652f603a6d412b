"""Reliability of the decision's confidence on the held-back fifth (bench/reliability.py prints it).

A development model is trained on the rows not held back, its calibration map fitted on their
out-of-fold decisions; then the held-back rows, which neither saw, are decided with it and grouped
by confidence. A calibrated confidence has each bucket's share of right decisions near its mean.
"""

from __future__ import annotations

import itertools
import tempfile
from dataclasses import dataclass
from pathlib import Path

from intake.textmodel import TextModel, load_model
from intake.textmodel.data import Row
from intake.textmodel.folds import fold_model
from intake.textmodel.oof import Measures, decide_row, fit_calibration, out_of_fold
from intake.textmodel.train import DEFAULT_PARAMS, Params, with_calibration

EDGES = (0.0, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0001)


@dataclass(frozen=True)
class Bucket:
    lo: float
    hi: float
    n: int
    mean_confidence: float
    accuracy: float


def buckets(pairs: list[tuple[float, bool]], edges: tuple[float, ...] = EDGES) -> list[Bucket]:
    out = []
    for lo, hi in itertools.pairwise(edges):
        inside = [(p, ok) for p, ok in pairs if lo <= p < hi]
        if inside:
            mean = sum(p for p, _ in inside) / len(inside)
            acc = sum(ok for _, ok in inside) / len(inside)
            out.append(Bucket(lo, min(hi, 1.0), len(inside), mean, acc))
    return out


def table(rows: list[Bucket]) -> str:
    lines = ["| confidence | decisions | mean confidence | share right |", "|---|---|---|---|"]
    lines += [f"| {b.lo:.1f}-{b.hi:.1f} | {b.n} | {b.mean_confidence:.3f} | {b.accuracy:.3f} |" for b in rows]
    return "\n".join(lines)


def dev_model(rows: list[Row], where: Path, params: Params = DEFAULT_PARAMS, k: int = 5) -> TextModel:
    """The model of the rows not held back, with the calibration of their out-of-fold decisions."""
    dev = [r for r in rows if not r.heldback]
    m = Measures()
    for r, d in out_of_fold(dev, params, k, cache=where):
        m.add(r, d)
    path = where / "dev-calibrated.npz"
    with_calibration(Path(fold_model(dev, params, where).path), path, fit_calibration(m.labelled_pairs))
    return load_model(path)


@dataclass(frozen=True)
class Reliability:
    measures: Measures  # of the held-back rows' calibrated decisions: pairs, labelled_pairs, real_pairs


def heldback_reliability(
    rows: list[Row], cache: Path | None = None, params: Params = DEFAULT_PARAMS
) -> Reliability:
    """Decisions on the held-back rows by the development model (calibrated), with the issue's measures."""
    with tempfile.TemporaryDirectory(prefix="petition-rel-") as tmp:
        where = cache or Path(tmp)
        model = dev_model(rows, where, params)
        m = Measures()
        for r in rows:
            if r.heldback:
                m.add(r, decide_row(r, model))
    return Reliability(m)
