"""The sector head weighs its classes by the inverse of their rows (train.Params.sector_class_weight):
a sector with few rows is not drowned by the real messages' many rows of a frequent one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

pytest.importorskip("sklearn")

from intake.models import Category
from intake.normalise import normalise
from intake.textmodel.data import Row
from intake.textmodel.train import DEFAULT_PARAMS, fit

_HOUSING = ["小区物业不管电梯坏了", "小区门口的路灯坏了", "物业乱收停车费", "小区楼道漏水没人修"]
_AGRICULTURE = ["村里土地承包合同到期不续", "种粮补贴没有发到农户手里"]


def _rows() -> list[Row]:
    rows = [
        Row("teddy", f"h{i}", normalise(f"{t}，第{i}次反映"), Category.APPEAL, "housing")
        for i in range(30)
        for t in _HOUSING
    ]
    rows += [
        Row("corpus", f"a{i}", normalise(f"{t}，第{i}次反映"), Category.APPEAL, "agriculture")
        for i in range(3)
        for t in _AGRICULTURE
    ]
    # the category head needs three classes
    rows += [Row("corpus", f"s{i}", normalise("建议多种树"), Category.SUGGESTION, None) for i in range(3)]
    rows += [Row("corpus", f"c{i}", normalise("局长收受红包"), Category.ACCUSATION, None) for i in range(3)]
    return rows


def _proba(out: tuple[list[str], np.ndarray]) -> dict[str, float]:
    classes, p = out
    return {c: float(v) for c, v in zip(classes, p[0], strict=True)}


def test_a_rare_sector_is_not_drowned_by_a_frequent_one() -> None:
    text = normalise("小区旁边的土地承包")  # words of both: the rare sector's matter is named
    balanced = fit(_rows(), replace(DEFAULT_PARAMS, max_features=2000))
    unweighted = fit(_rows(), replace(DEFAULT_PARAMS, max_features=2000, sector_class_weight=None))
    assert DEFAULT_PARAMS.sector_class_weight == "balanced"
    p_bal = _proba(balanced.sector_proba([text]))
    p_raw = _proba(unweighted.sector_proba([text]))
    assert p_bal["agriculture"] > p_raw["agriculture"]
    assert max(p_bal, key=p_bal.__getitem__) == "agriculture"
    assert max(p_raw, key=p_raw.__getitem__) == "housing"
