"""Reliability of the decision's confidence on the held-back fifth (bench/reliability.py prints it).

A development model is trained on the rows not held back, its calibration map fitted on their
out-of-fold decisions; then the held-back rows, which neither saw, are decided with it and grouped
by confidence. A calibrated confidence has each bucket's share of right decisions near its mean.
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from intake.models import Decision
from intake.textmodel import TextModel, load_model
from intake.textmodel.data import Row
from intake.textmodel.folds import fold_model
from intake.textmodel.oof import Measures, decide_row, fit_calibration, out_of_fold_by_fold, right
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


def dev_model(
    rows: list[Row], where: Path, params: Params = DEFAULT_PARAMS, k: int = 5
) -> tuple[TextModel, list[tuple[int, Row, Decision]]]:
    """The model of the rows not held back, with the calibration of their out-of-fold decisions
    (folds grouped by inspection), and those decisions."""
    dev = [r for r in rows if not r.heldback]
    decided = out_of_fold_by_fold(dev, params, k, cache=where)
    m = Measures()
    for _, r, d in decided:
        m.add(r, d)
    path = where / "dev-calibrated.npz"
    with_calibration(Path(fold_model(dev, params, where).path), path, fit_calibration(m.labelled_pairs))
    return load_model(path), decided


@dataclass(frozen=True)
class Reliability:
    measures: Measures  # of the held-back rows' calibrated decisions: pairs, labelled_pairs, real_pairs
    out_of_fold: list[tuple[int, Row, Decision]]  # the rows not held back, raw confidence, by fold


def heldback_reliability(
    rows: list[Row], cache: Path | None = None, params: Params = DEFAULT_PARAMS
) -> Reliability:
    """Decisions on the held-back rows by the development model (calibrated), with the issue's measures."""
    with tempfile.TemporaryDirectory(prefix="petition-rel-") as tmp:
        where = cache or Path(tmp)
        model, decided = dev_model(rows, where, params)
        m = Measures()
        for r in rows:
            if r.heldback:
                m.add(r, decide_row(r, model))
    return Reliability(m, decided)


@dataclass(frozen=True)
class Scored:
    """A labelled row's decision with its confidence after a calibration map it was not fitted on."""

    confidence: float
    right: bool  # on scope and category
    scope_right: bool


Calibration = tuple[list[float], list[float]]


def _mapped(d: Decision, cal: Calibration) -> float:
    import numpy as np

    conf = float(np.interp(d.confidence, cal[0], cal[1])) if cal[0] else d.confidence
    doubtful = any(g.code in ("doubt", "doubt_checked") for g in d.grounds)
    return min(conf, 0.5) if doubtful else conf  # the pipeline's ceiling for doubtful decisions


def cross_calibrated(
    decided: list[tuple[int, Row, Decision]],
    fit: Callable[[list[tuple[float, bool]]], Calibration] = fit_calibration,
) -> list[Scored]:
    """The labelled out-of-fold decisions, each fold's confidences mapped by a calibration fitted on
    the other folds only: the reliability of the calibrated confidence on inspections that neither
    the fold model nor the map saw."""
    folds = sorted({f for f, _, _ in decided})
    out: list[Scored] = []
    for fold in folds:
        others = [(d.confidence, right(r, d)) for f, r, d in decided if f != fold and r.expect is not None]
        cal = fit(others)
        for f, r, d in decided:
            if f == fold and r.expect is not None:
                scope_ok = d.scope.value == r.expect["scope"]
                out.append(Scored(_mapped(d, cal), right(r, d), scope_ok))
    return out


def summary(scored: list[Scored]) -> list[str]:
    """Wrong on scope at >= 0.9, AUROC right vs wrong, and the table of buckets."""
    from intake.textmodel.oof import auroc

    sure = [s for s in scored if s.confidence >= 0.9]
    wrong = sum(not s.scope_right for s in sure)
    pairs = [(s.confidence, s.right) for s in scored]
    return [
        f"{len(scored)} labelled decisions; confidence >= 0.9: {len(sure)}, wrong on scope {wrong} "
        f"({wrong / max(1, len(sure)):.1%}); AUROC right vs wrong {auroc(pairs):.3f}",
        table(buckets(pairs)),
    ]
