"""Loading: the shipped model is small and quick; a missing or broken file is a clear ModelError."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import numpy as np
import pytest

from intake.models import Category
from intake.textmodel import SECTORS, ModelError, default_model, default_model_path, load_model


def test_shipped_model_is_small_loads_fast_and_gives_probabilities() -> None:
    path = default_model_path()
    assert path.stat().st_size < 5_000_000
    t = time.perf_counter()
    model = load_model(path)
    assert time.perf_counter() - t < 1.0
    assert model.version.split("+")[1] and len(model.version.split("+")[1]) == 8
    p = model.category_proba("我实名举报处长王某利用职务便利，把单位的钱转到关联公司账户")
    assert set(p) == set(Category) and abs(sum(p.values()) - 1) < 1e-9
    s = model.sector_proba("小区物业乱收费，电梯坏了没人修")
    assert set(s) == set(SECTORS) and abs(sum(s.values()) - 1) < 1e-9
    assert default_model() is default_model()


def _arrays(path: Path) -> dict[str, np.ndarray]:
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _write(path: Path, arrays: dict[str, np.ndarray]) -> Path:
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    path.write_bytes(buf.getvalue())
    return path


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"nope\.npz: file not found"):
        load_model(tmp_path / "nope.npz")


def test_garbage_file(tmp_path: Path) -> None:
    p = tmp_path / "m.npz"
    p.write_bytes(b"this is not a model")
    with pytest.raises(ModelError, match="corrupt or not a model file"):
        load_model(p)


def test_truncated_file(tmp_path: Path) -> None:
    p = tmp_path / "m.npz"
    p.write_bytes(default_model_path().read_bytes()[:50_000])
    with pytest.raises(ModelError, match=str(p).replace(".", r"\.")):
        load_model(p)


def test_missing_array(tmp_path: Path) -> None:
    arrays = _arrays(default_model_path())
    del arrays["idf"]
    with pytest.raises(ModelError, match="missing idf"):
        load_model(_write(tmp_path / "m.npz", arrays))


def test_other_format(tmp_path: Path) -> None:
    arrays = _arrays(default_model_path())
    meta = json.loads(str(arrays["meta"]))
    meta["format"] = "petition-textmodel/99"
    arrays["meta"] = np.array(json.dumps(meta))
    with pytest.raises(ModelError, match="petition-textmodel/99"):
        load_model(_write(tmp_path / "m.npz", arrays))


def test_shape_mismatch(tmp_path: Path) -> None:
    arrays = _arrays(default_model_path())
    arrays["cat_coef"] = arrays["cat_coef"][:, :-1]
    with pytest.raises(ModelError, match="cat_coef has shape"):
        load_model(_write(tmp_path / "m.npz", arrays))


def test_calibrate_gives_np_interp_bits() -> None:
    """calibrate() reads the isotonic map in Python: the same bits as np.interp, at and between the
    thresholds, outside them, and for a map of one point."""
    import random

    model = default_model()
    xs, ys = model._cal_x, model._cal_y
    rng = random.Random(12)
    raws = [rng.uniform(-0.2, 1.2) for _ in range(20_000)] + xs.tolist() + [i / 100 for i in range(-10, 111)]
    for raw in raws:
        assert model.calibrate(raw) == float(np.interp(raw, xs, ys)), raw
    model._cal_xs, model._cal_ys = [0.5], [0.7]
    try:
        assert [model.calibrate(r) for r in (0.1, 0.5, 0.9)] == [0.7, 0.7, 0.7]
    finally:
        model._cal_xs, model._cal_ys = xs.tolist(), ys.tolist()
