"""decide() is total and deterministic: any text gives a valid Decision."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from intake.inspection import bundled_inspections, load_inspection
from intake.models import Decision, InboundMessage, Scope
from intake.pipeline import decide

INSPECTIONS = [load_inspection(p) for p in bundled_inspections()]
WORDS = [
    "西虢镇",
    "镇长",
    "收受",
    "红包",
    "没有",
    "法院",
    "判决",
    "审计厅",
    "副厅长",
    "拖欠工资",
    "朝阳区",
    "某村",
    "村支书",
    "建议",
    "你好",
    "查询",
    " ",
    "\n",
    "，",
    "。",
    "？",
    "舉報",
    "Ｍ",
    "took money",
    "😀",
]
texts = st.one_of(st.text(max_size=300), st.lists(st.sampled_from(WORDS), max_size=30).map("".join))


@settings(max_examples=300, deadline=None)
@given(text=texts, which=st.integers(min_value=0, max_value=len(INSPECTIONS) - 1))
def test_decide_is_total_and_valid(text: str, which: int) -> None:
    d = decide(InboundMessage(id="p", text=text), INSPECTIONS[which])
    Decision.model_validate(d.model_dump())
    assert 0.0 <= d.confidence <= 1.0
    if d.scope in (Scope.IN_SCOPE, Scope.NO_CONTENT):
        assert d.target is None
    else:
        assert d.target is not None
    assert d == decide(InboundMessage(id="p", text=text), INSPECTIONS[which])
    assert not any("internal error" in r for r in d.reasons), d.reasons


def test_bundled_paths_exist() -> None:
    assert all(Path(p).exists() for p in bundled_inspections())
