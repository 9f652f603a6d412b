"""Street offices, hospitals, schools, SOEs with subsidiaries and a city bureau (issue 12, held-back misses).

Each test decides with a fixed fake model (or none), so it checks the policy rules, not the learned
model: the tier and territory of the named official, where staff below the tiers go, and that an
advertisement the model recognises has no target.
"""

from __future__ import annotations

import pytest

from intake.models import Category, Scope, Tier
from intake.pipeline import NO_MODEL
from tests.fakes.corpus import decide_in as _decide
from tests.fakes.textmodel import FakeTextModel


@pytest.mark.parametrize(
    "text",
    [
        "北京街道办的副主任收了物业公司的购物卡，业主投诉他一概不管",
        "举报北京街道办事处主任：辖区商铺办证都要通过他介绍的中介",
        "北京街道的人大工委主任用公车接送孩子上学",
        "北京街道副主任的女儿没有考试就进了街道做合同工",
    ],
)
def test_a_street_office_head_and_deputies_are_its_leadership(text: str) -> None:
    d = _decide("yuexiu-bjjd-2024", text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.LEADERSHIP


def test_the_street_office_name_is_its_own_territory_not_the_city_it_starts_like() -> None:
    # 北京街 is the inspected street office in 越秀区, not 北京市; its 网格员 is below the tiers.
    d = _decide("yuexiu-bjjd-2024", "北京街的网格员上门登记出租屋要收五十块钱手续费")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "440104")


def test_a_street_named_after_a_city_is_not_that_city() -> None:
    appeal = FakeTextModel(sectors={"market": 0.9})
    d = _decide("yuexiu-bjjd-2024", "在北京路步行街买了件衣服，回家发现是假货，店家不给退", appeal)
    assert d.target is not None and d.target.region == "440104"


def test_a_place_inside_the_units_name_does_not_move_the_official_out_of_it() -> None:
    # 市中心医院 contains 市中 (a district elsewhere); the colon after the post follows a report, so
    # the 总会计师 is the accused, not the reader.
    d = _decide("nanyang-czyy-2024", "我实名反映市中心医院的总会计师：医院的钱转到了他老婆开的公司")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.post == "总会计师"


def test_a_salutation_is_still_the_reader() -> None:
    d = _decide("nanyang-czyy-2024", "尊敬的院长：您好，我想反映一下挂号难的问题", NO_MODEL)
    assert all(o.post != "院长" for o in d.officials)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("nanyang-czyy-2024", "院里的副院长让他女儿进了医院当护士，没考试"),
        ("ruzhou-yigao-2025", "学校的校长每年暑假都带着几个中层去外地旅游，费用全部在学校报销"),
        ("zhongyuan-mh-2024", "中原煤化三矿矿长把井下的运输活包给了他表弟"),
        ("zhongyuan-mh-2024", "化肥厂厂长把厂里的废旧设备当废铁卖了，钱进了他自己的腰包"),
    ],
)
def test_leaders_of_hospitals_schools_and_an_soes_mines_are_in_scope(name: str, text: str) -> None:
    assert _decide(name, text).scope is Scope.IN_SCOPE


@pytest.mark.parametrize(
    "text",
    [
        "煤化集团子公司的一个副经理用公司的钱给自己买了辆车",
        "三矿调度室的一个调度员收工人的钱给他们排轻松的班",
        "集团图书馆的管理员上班时间打游戏",
    ],
)
def test_staff_below_the_tiers_go_to_the_units_own_discipline_organ(text: str) -> None:
    d = _decide("zhongyuan-mh-2024", text)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("inspected_unit", "410000")


def test_another_city_official_is_not_placed_in_the_unit() -> None:
    d = _decide("luoyang-zjj-2024", "洛阳市规划局一个科长收了开发商的钱，帮他们改了规划")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "discipline"


def test_an_advertisement_the_model_recognises_has_no_target() -> None:
    spam = FakeTextModel(categories={Category.NO_CONTENT: 0.95, Category.APPEAL: 0.05})
    d = _decide("luoyang-zjj-2024", "高价回收购物卡 加油卡 烟酒 上门服务", spam)
    assert (d.scope, d.category, d.target) == (Scope.NO_CONTENT, Category.NO_CONTENT, None)
    assert any(g.code == "no_content" for g in d.grounds)
    assert d.model_version == spam.version  # the desk shows which model decided it
