"""A veteran's resettlement or 优抚 is the 退役军人事务局's, a body none of policy 4.3's sectors names: the
appeal goes to the 信访局 (when no sector fits, `petition`), whatever the words 安置 or 待遇 suggest. An
opinion on a leader's manner with no conduct (讲话官腔, 能力一般) is a suggestion (policy 2)."""

from __future__ import annotations

import pytest

from intake.models import Category, InboundMessage
from intake.pipeline import decide
from intake.reasons import render_zh
from tests.fakes.inspections import DISTRICT
from tests.fakes.textmodel import FakeTextModel

HOUSING_APPEAL = FakeTextModel(
    categories={Category.APPEAL: 0.9}, sectors={"housing": 0.6, "civil_affairs": 0.3}
)


@pytest.mark.parametrize(
    "text",
    [
        "巡视组领导好：本人2019年从部队退役回到雁塔，当时说好的安置岗位到现在都没落实，找了好多部门，互相推。",
        "我是一名退伍老兵，参加过边境作战，这些年一直没享受到应有的优抚待遇，去街道问说不归他们管",
    ],
)
def test_a_veterans_matter_goes_to_the_petition_office(text: str) -> None:
    d = decide(InboundMessage(id="t", text=text), DISTRICT, model=HOUSING_APPEAL)  # type: ignore[arg-type]
    assert d.category is Category.APPEAL
    assert d.target is not None and (d.target.kind, d.target.region) == ("petition", "610113")
    assert any("退役军人事务" in z for z in render_zh(d.grounds))


def test_a_veterans_relatives_hospital_bill_keeps_its_department() -> None:
    d = decide(InboundMessage(id="t", text="我爸是老兵，现在住院押金交不起"), DISTRICT, model=HOUSING_APPEAL)  # type: ignore[arg-type]
    assert d.target is not None and d.target.kind.startswith("department:")


def test_an_opinion_on_a_leaders_manner_is_a_suggestion() -> None:
    lean = FakeTextModel(categories={Category.APPEAL: 0.55, Category.SUGGESTION: 0.45})
    d = decide(InboundMessage(id="t", text="区长讲话太官腔，没什么新意，能力我看一般"), DISTRICT, model=lean)  # type: ignore[arg-type]
    assert d.category is Category.SUGGESTION
