"""A unit's own business in the words citizens bring it in (intake.unit_services; policy 4.3, 4.4): 交警
and 出入境 to a 公安局, 执行款 to a court, 营业厅 to a grid company, 加油站 to an oil company, 园区 to a
development zone's committee. The same words in the inspection of a unit of another kind are not its
business: they still go to the competent department. Each test decides with a fixed fake model leaning
to another department, as the learned model did on such texts.
"""

from __future__ import annotations

from functools import cache

import pytest

from intake.inspection import Inspection
from intake.models import Category, Decision, InboundMessage, Scope
from intake.pipeline import decide
from intake.unit_services import unit_kind
from tests.fakes.inspections import invented_inspection
from tests.fakes.textmodel import FakeTextModel

_UNITS = {
    "police": ("city", "洛阳市公安局", ("市公安局",), "410300", "city"),
    "court": ("province", "洛阳市中级人民法院", ("洛阳中院", "市中院"), "410300", "city"),
    "procuratorate": ("city", "栾川县人民检察院", ("县检察院",), "410324", "county"),
    "weather": ("province", "河南省气象局", ("省气象局",), "410000", "province"),
    "power": ("province", "国网洛阳供电公司", ("洛阳供电公司",), "410300", "city"),
    "oil": ("province", "中国石化河南石油分公司", ("河南石油",), "410000", "province"),
    "zone": ("city", "洛阳高新技术产业开发区管理委员会", ("高新区管委会",), "410300", "city"),
    "mine": ("province", "河南能源煤业集团有限公司", ("河南煤业",), "410000", "province"),
    "university": ("province", "洛阳理工学院", ("洛理",), "410300", "city"),
    "audit": ("province", "河南省审计厅", ("省审计厅",), "410000", "province"),
}


@cache
def _inspection(key: str) -> Inspection:
    committee, name, aliases, region, level = _UNITS[key]
    return invented_inspection(
        key, committee=committee, type="unit", name=name, aliases=aliases, region=region, level=level
    )


def _model(category: Category, sector: str) -> FakeTextModel:
    other = Category.ACCUSATION if category is not Category.ACCUSATION else Category.APPEAL
    return FakeTextModel(categories={category: 0.95, other: 0.05}, sectors={sector: 0.9})


def _decide(key: str, text: str, model: FakeTextModel) -> Decision:
    return decide(InboundMessage(id="t", text=text), _inspection(key), model=model)  # type: ignore[arg-type]


APPEAL, SUGGESTION = Category.APPEAL, Category.SUGGESTION

# (the unit of the kind, another kind's unit, the text, its category, the department the model leans to)
CASES = [
    (
        "police",
        "university",
        "建议出入境办证大厅星期六也开放，上班的人请不了假",
        SUGGESTION,
        "human_resources",
    ),
    (
        "police",
        "university",
        "交警把我的电动车拖走了，到停车场取车还要交三天的停车费，也没开票",
        APPEAL,
        "transport",
    ),
    ("police", "audit", "派出所说户口迁移要等两个月，孩子上学报名等不了", APPEAL, "education"),
    ("court", "police", "执行款到账以后没人告诉我，等了三个月才知道钱早就到了", APPEAL, "transport"),
    ("procuratorate", "court", "建议控告申诉接待窗口中午也留个人", SUGGESTION, "human_resources"),
    ("weather", "power", "天气预报的小程序广告弹窗太多，老人点错了还扣钱", APPEAL, "market"),
    ("power", "audit", "建议营业厅周六周日也开半天，平时上班没空去办", SUGGESTION, "human_resources"),
    ("oil", "power", "加油站开发票的时候总说系统坏了，让下次再来", APPEAL, "market"),
    ("oil", "audit", "在加油站的易捷便利店买的面包过期了，店员不给退", APPEAL, "market"),
    ("zone", "university", "园区北门那个十字路口建议装个红绿灯，上下班车太多", SUGGESTION, "transport"),
    ("mine", "audit", "关于煤矿井下安全监测系统升级改造的几点建议", SUGGESTION, "housing"),
]


@pytest.mark.parametrize(("own", "other", "text", "category", "sector"), CASES)
def test_a_units_own_service_named_in_citizens_words_goes_to_the_unit(
    own: str, other: str, text: str, category: Category, sector: str
) -> None:
    d = _decide(own, text, _model(category, sector))
    assert d.scope is Scope.OUT_OF_SCOPE and d.category is category
    assert d.target is not None and d.target.kind == "inspected_unit"


@pytest.mark.parametrize(("own", "other", "text", "category", "sector"), CASES)
def test_the_same_words_to_a_unit_of_another_kind_go_to_the_competent_department(
    own: str, other: str, text: str, category: Category, sector: str
) -> None:
    d = _decide(other, text, _model(category, sector))
    assert d.scope is Scope.OUT_OF_SCOPE and d.category is category
    assert d.target is not None and d.target.kind == f"department:{sector}"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("绵阳市公安局", "police"),
        ("宜宾市中级人民法院", "court"),
        ("国网福建省电力有限公司", "power"),
        ("中国石化湖南石油分公司", "oil"),
        ("辽宁省交通高等专科学校", "school"),  # a school named after its trade is a school
        ("西南石油大学", "school"),
        ("某某大学附属医院", "hospital"),
        ("襄阳高新技术产业开发区管理委员会", "zone"),
        ("河南省审计厅", None),  # a department: its sector or trade says its business
        ("甘肃省民政厅", None),
    ],
)
def test_the_kind_of_unit_is_the_marker_ending_latest_in_its_name(name: str, kind: str | None) -> None:
    assert unit_kind(name) == kind
