"""A provincial 民政厅, a bank's provincial branch, a mountain township and a western city (corpus e).

Each test decides with a fixed fake model, so it checks the policy rules, not the learned model: the
tier of the named official for new kinds of unit, where the unit's staff go, and that an appeal in
the inspected department's own sector goes to the department of the county or city where it happens.
"""

from __future__ import annotations

import pytest

from intake.models import Category, Scope, Tier
from tests.fakes.corpus import decide_in as _decide
from tests.fakes.textmodel import FakeTextModel

CIVIL_APPEAL = FakeTextModel(
    categories={Category.APPEAL: 0.95, Category.ACCUSATION: 0.05}, sectors={"civil_affairs": 0.9}
)


@pytest.mark.parametrize(
    "text",
    [
        "省救助管理站站长虚报救助人数冒领经费",
        "甘肃省儿童福利院院长把院里的新楼装修包给了他同学，没招标",
        "厅下面的老年公寓主任用公款给自己家装修",
        "社会组织管理局的局长给行业协会年检开绿灯，会长年底给他发顾问费",
    ],
)
def test_a_provincial_departments_own_institutions_and_bureaus_are_its_subordinate_units(text: str) -> None:
    d = _decide("e-gansu-mzt-2025", text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.NEXT_PRINCIPAL


@pytest.mark.parametrize(
    ("text", "region"),
    [("榆中县敬老院院长克扣老人伙食费", "620123"), ("天水市儿童福利院院长收了供货商的钱", "620500")],
)
def test_a_county_or_citys_own_institution_is_not_the_provincial_departments(text: str, region: str) -> None:
    d = _decide("e-gansu-mzt-2025", text)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", region)


def test_an_appeal_in_the_departments_sector_goes_to_the_county_where_it_happens() -> None:
    d = _decide("e-gansu-mzt-2025", "我们是榆中县的，老人申请低保半年了一直没批下来", CIVIL_APPEAL)
    assert d.target is not None
    assert (d.target.kind, d.target.region) == ("department:civil_affairs", "620123")
    # with no place named it is the inspected department's own business
    d = _decide("e-gansu-mzt-2025", "申请低保半年了一直没批下来，请帮忙问问", CIVIL_APPEAL)
    assert d.target is not None and d.target.kind == "inspected_unit"


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("西安分行行长给客户放贷款要收咨询费，由他小舅子的公司出面收", Tier.NEXT_PRINCIPAL),
        ("延安分行的党委书记在干部调整前收钱，一个位子要二十万", Tier.NEXT_PRINCIPAL),
        ("延安分行的党委书记每年春节让支行长去他家拜年", Tier.NEXT_PRINCIPAL),
        ("陕西省分行三农金融部的总经理把惠农贷款指标给了熟人企业", Tier.NEXT_PRINCIPAL),
        ("省分行的副行长周末用行里的车带家人去华山玩", Tier.LEADERSHIP),
        ("省分行纪委书记压下了举报，收了被举报人的钱", Tier.LEADERSHIP),
    ],
)
def test_a_bank_branchs_leaders_and_its_lower_branches_heads_are_in_its_tiers(text: str, tier: Tier) -> None:
    d = _decide("e-abc-shaanxi-2025", text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is tier


@pytest.mark.parametrize(
    "text",
    [
        "我们支行的一个客户经理私下给客户介绍高息借款，收好处费",
        "省分行营业部的一个柜员挪用客户的存款炒股",
        "西安分行的一个保安队长收了外包公司的钱",
    ],
)
def test_a_banks_front_line_staff_go_to_the_banks_own_discipline_organ(text: str) -> None:
    d = _decide("e-abc-shaanxi-2025", text)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("inspected_unit", "610000")


def test_another_regions_official_is_not_the_banks() -> None:
    d = _decide("e-abc-shaanxi-2025", "西安市雁塔区的一个副区长收了老板的钱，帮他到我们行打招呼要贷款")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "610100")


def test_a_townships_armed_forces_head_sits_on_its_party_committee() -> None:
    d = _decide("e-badong-ysg-2025", "镇里的武装部长在征兵的时候收钱，体检不合格的也能送走")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.LEADERSHIP


def test_a_city_sasac_head_is_a_city_department_principal() -> None:
    d = _decide("e-qujing-2025", "曲靖市国资委主任在国企改制的时候把几块地低价卖给了他的朋友")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.NEXT_PRINCIPAL


def test_a_bureau_named_with_a_region_word_is_that_regions_not_the_departments() -> None:
    d = _decide("e-gansu-mzt-2025", "原州煤炭局的局长收了矿老板的钱")
    assert d.subject is None or d.subject.tier is None
    assert d.scope is Scope.OUT_OF_SCOPE


def test_a_bare_level_word_stands_for_the_place_of_that_level_named_before() -> None:
    # 区教育局 after 麒麟区: that district's bureau, two levels below the city (policy 4.1: the county).
    d = _decide("e-qujing-2025", "我家是麒麟区的，孩子上学的事，区教育局局长说要先打点才能进公办学校")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "530302")


def test_a_district_committee_member_written_in_pinyin_goes_to_the_officer() -> None:
    d = _decide(
        "e-wuhan-jianghan-2024",
        "jiang han qu wei chang wei de lao po kai lv xing she, qu li jie dai dou zai ta jia",
    )
    assert d.scope is Scope.IN_SCOPE
    assert d.confidence <= 0.5


def test_cadres_in_general_bar_no_body_but_a_named_leader_does() -> None:
    proposal = FakeTextModel(categories={Category.SUGGESTION: 0.9, Category.APPEAL: 0.1})
    d = _decide("e-qujing-2025", "建议曲靖市的干部多下基层听听老百姓的声音，少开会少发文件", proposal)
    assert d.target is not None and (d.target.kind, d.target.region) == ("petition", "530300")
    d = _decide("e-qujing-2025", "曲靖市长来我们社区慰问，很接地气，希望巡视组表扬一下", proposal)
    assert d.target is not None and (d.target.kind, d.target.region) == ("petition", "530000")
