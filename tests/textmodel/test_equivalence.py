"""The exported model gives sklearn's own predict_proba (to 1e-6) without importing sklearn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sklearn")

from intake.normalise import normalise
from intake.textmodel import load_model
from intake.textmodel.data import case_files, case_rows
from intake.textmodel.train import Params, export, fit

SAMPLES = [
    "审计厅一位副厅长的爱人开了家会计师事务所，厅里好几个审计项目都外包给了这家所。",
    "小区  电梯\n\n坏了三个月，物业不管。  ABC Company 拖欠工资",
    "我和邻居的房產糾紛案，法院判決不公",  # traditional, as a channel might send it
    "",
    "  ",
    "a",
    "🙂🙂 建议在公园多设几个垃圾桶 😀",
]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[object, Path]:
    rows = case_rows(case_files(), "cases")
    fitted = fit(rows, Params(max_features=5000))
    path = tmp_path_factory.mktemp("m") / "model.npz"
    export(fitted, path, {"version": "test"}, ([0.2, 0.9], [0.3, 0.8]))
    return fitted, path


def test_probabilities_equal_sklearn(pair: tuple[object, Path]) -> None:
    fitted, path = pair
    model = load_model(path)
    texts = [normalise(t) for t in SAMPLES] + [r.text for r in case_rows(case_files(), "x")[:60]]
    cats, pc = fitted.category_proba(texts)  # type: ignore[attr-defined]
    secs, ps = fitted.sector_proba(texts)  # type: ignore[attr-defined]
    for i, t in enumerate(texts):
        got_c = model.category_proba(t)
        got_s = model.sector_proba(t)
        assert max(abs(got_c[c] - pc[i][j]) for j, c in enumerate(cats)) < 1e-6, t  # type: ignore[index]
        assert max(abs(got_s[s] - ps[i][j]) for j, s in enumerate(secs)) < 1e-6, t
        assert abs(sum(got_c.values()) - 1) < 1e-9
        assert abs(sum(got_s.values()) - 1) < 1e-9


def test_features_equal_sklearn_transform(pair: tuple[object, Path]) -> None:
    fitted, path = pair
    model = load_model(path)
    for t in SAMPLES:
        want = fitted.vectorizer.transform([t]).toarray()[0]  # type: ignore[attr-defined]
        idx, vals = model.features(t)
        got = np.zeros_like(want)
        got[idx] = vals
        assert np.abs(got - want).max() < 1e-12


def test_calibration_map_is_stored(pair: tuple[object, Path]) -> None:
    model = load_model(pair[1])
    assert model.calibrate(0.2) == pytest.approx(0.3)
    assert model.calibrate(0.55) == pytest.approx(0.55)
    assert model.calibrate(0.99) == pytest.approx(0.8)  # clipped beyond the last threshold
