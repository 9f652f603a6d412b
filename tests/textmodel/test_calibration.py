"""Calibration: the map is monotone and stored; on held-back rows confidence matches the share right."""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from intake.textmodel.data import ROOT, default_teddy_path, load_rows
from intake.textmodel.oof import auroc, fit_calibration
from intake.textmodel.reliability import buckets


def test_isotonic_map_is_monotone_and_honest() -> None:
    # Raw 0.9 is right half the time, raw 0.5 a quarter of the time: the map says so.
    pairs = [(0.9, i % 2 == 0) for i in range(100)] + [(0.5, i % 4 == 0) for i in range(100)]
    xs, ys = fit_calibration(pairs)
    assert xs == sorted(xs) and ys == sorted(ys)
    assert dict(zip(xs, ys, strict=True)) == pytest.approx({0.5: 0.25, 0.9: 0.5})


def test_no_map_without_both_outcomes() -> None:
    assert fit_calibration([(0.8, True), (0.9, True)]) == ([], [])


def test_auroc_and_buckets() -> None:
    assert auroc([(0.9, True), (0.8, True), (0.3, False)]) == 1.0
    assert auroc([(0.3, True), (0.9, False)]) == 0.0
    assert auroc([(0.5, True), (0.5, False)]) == 0.5
    got = buckets([(0.95, True), (0.92, False), (0.1, False)])
    assert [(b.n, b.accuracy) for b in got] == [(1, 0.0), (2, 0.5)]


@pytest.mark.skipif(default_teddy_path() is None, reason="needs ../shared/data/teddy2020-dev.csv")
def test_confidence_is_calibrated_on_heldback_rows() -> None:
    """A model trained without the held-back fifth, calibrated out of fold, decides that fifth: on the
    labelled rows, in every bucket with enough decisions the share right is within 0.1 of the mean
    confidence (the fold and dev models are cached in build/: the first run trains them)."""
    from intake.textmodel.reliability import heldback_reliability

    m = heldback_reliability(
        load_rows(default_teddy_path()), cache=ROOT / "build" / "textmodel-folds"
    ).measures
    checked = [b for b in buckets(m.labelled_pairs) if b.n >= 30]
    assert sum(b.n for b in checked) >= 0.8 * len(m.labelled_pairs)
    for b in checked:
        assert abs(b.accuracy - b.mean_confidence) <= 0.1, b
    assert auroc(m.labelled_pairs) >= 0.7  # wrong decisions rank below right ones
    # On real messages (not what the map is fitted on) confidence may be lower than the share right,
    # never more than 0.1 higher.
    for b in buckets(m.real_pairs):
        if b.n >= 30:
            assert b.accuracy >= b.mean_confidence - 0.1, b
