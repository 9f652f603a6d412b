"""Which body a text names, for a unit inspection: the county banks of a province's rural credit union
are its own subordinate units; a court is called 法院 by its people; another city's namesake bureau
(株洲市市场监督管理局), a court of another rank (市中级人民法院) are not the unit."""

from __future__ import annotations

from intake.models import InboundMessage, Scope, Tier
from intake.pipeline import decide
from tests.fakes.inspections import invented_inspection

CREDIT_UNION = invented_inspection(
    "rcc",
    committee="province",
    type="unit",
    name="湖北省农村信用社联合社",
    aliases=["省联社"],
    region="420000",
    level="province",
)
COURT = invented_inspection(
    "court",
    committee="county",
    type="unit",
    name="平舆县人民法院",
    aliases=["平舆法院", "县法院"],
    region="411723",
    level="county",
)
BUREAU = invented_inspection(
    "amr",
    committee="city",
    type="unit",
    name="长沙市市场监督管理局",
    aliases=["市市场监管局"],
    region="430100",
    level="city",
)


def test_a_county_bank_of_the_union_is_its_subordinate_unit() -> None:
    d = decide(
        InboundMessage(id="t", text="谷城农商行的行长卖官，网点主任一个位子八万，不交钱干得再好也上不去"),
        CREDIT_UNION,
    )
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.NEXT_PRINCIPAL


def test_a_courts_people_call_it_fayuan() -> None:
    text = "法院二把手为了给他亲戚遮丑，纪检组来查案子的时候他让人把卷宗里的材料换了，这是阻挠调查"
    d = decide(InboundMessage(id="t", text=text), COURT)
    assert d.scope is Scope.IN_SCOPE


def test_a_courts_ordinary_officer_is_its_own_staff() -> None:
    text = "反映县法院执行局一个普通干警，天天跟被执行人一起喝酒，人家的车就在院子里停着他都说找不到财产。"
    d = decide(InboundMessage(id="t", text=text), COURT)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "inspected_unit"


def test_a_court_of_another_rank_is_not_the_unit() -> None:
    d = decide(
        InboundMessage(id="t", text="我的案子二审在市中级人民法院，一个法官收了对方的钱，判决明显偏向一方"),
        COURT,
    )
    assert d.target is None or d.target.kind != "inspected_unit"


def test_another_citys_namesake_bureau_is_not_the_unit() -> None:
    text = "株洲市市场监督管理局局长收受企业好处，对假冒伪劣产品睁一只眼闭一只眼"
    d = decide(InboundMessage(id="t", text=text), BUREAU)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.region == "430200"


def test_whoever_serves_at_the_units_counter_is_its_staff() -> None:
    text = "市场监管局办证大厅窗口一个年轻女的，办事要我们给五十块“加急费”，不给就说材料不全"
    d = decide(InboundMessage(id="t", text=text), BUREAU)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "inspected_unit"


def test_the_old_town_is_no_district_of_another_province() -> None:
    haimen = invented_inspection(
        "hm",
        committee="city",
        type="region",
        name="南通市海门区",
        aliases=["海门区", "海门"],
        region="320614",
        level="county",
    )
    d = decide(InboundMessage(id="t", text="建议区里多建几个停车场，老城区停车太难了。"), haimen)
    assert d.target is not None and d.target.region == "320614"
