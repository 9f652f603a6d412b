"""An enterprise's leaders as its staff call them (邓总, 刘董) and its business as its customers bring it
(中石化的加油卡): the roster and the unit's own trade."""

from __future__ import annotations

from intake.models import Category, InboundMessage, Scope
from intake.pipeline import decide
from tests.fakes.inspections import invented_inspection
from tests.fakes.textmodel import FakeTextModel

SINOPEC = invented_inspection(
    "sh",
    committee="central",
    type="unit",
    name="中国石化湖南石油分公司",
    aliases=["湖南石油分公司"],
    region="430000",
    level="province",
    leaders=[
        ("邓红梅", "党委委员、总会计师"),
        ("彭建新", "党委委员、副总经理"),
        ("刘志强", "党委书记、董事长"),
    ],
)


def test_a_leader_called_by_surname_and_zong_is_the_rosters() -> None:
    d = decide(InboundMessage(id="t", text="公司管钱的邓总把一笔账外资金转到她弟弟的公司，数额很大"), SINOPEC)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.name == "邓红梅"
    d = decide(InboundMessage(id="t", text="刘董把公司加油站的装修工程都给了他小舅子"), SINOPEC)
    assert d.subject is not None and d.subject.name == "刘志强"


def test_zong_as_the_first_character_of_a_word_is_no_call() -> None:
    d = decide(InboundMessage(id="t", text="邓总是说油价要涨，我们加油站的油卡能不能先充值"), SINOPEC)
    assert d.subject is None or d.subject.name != "邓红梅"


def test_the_brand_in_an_appeal_is_the_branchs_own_business() -> None:
    market = FakeTextModel(categories={Category.APPEAL: 0.9}, sectors={"market": 0.9})
    d = decide(
        InboundMessage(id="t", text="中石化加油卡里两千多块钱被莫名其妙扣掉了，客服说查不到，要求退还"),
        SINOPEC,
        model=market,
    )  # type: ignore[arg-type]
    assert d.target is not None
    assert (d.target.kind, d.target.region) == ("inspected_unit", "430000")
