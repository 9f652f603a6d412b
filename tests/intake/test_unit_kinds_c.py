"""Street offices, county-level cities, enterprise groups' mines and other ways of telling that held-back
set C showed the rules lacked (now `corpus/dev/hc-dev.jsonl`).

Texts here are written for these tests, on the corpus's own inspections (not set C's), and decide with
a fixed fake model, so they check the policy rules rather than the learned model.
"""

from __future__ import annotations

import pytest

from intake.models import Category, Decision, Scope, Tier
from intake.normalise import normalise
from intake.pinyin_posts import pinyin_posts
from intake.structure import Actor, find_structure
from intake.vote import Vote, unearned
from tests.fakes.corpus import decide_in as _decide
from tests.fakes.textmodel import FakeTextModel

APPEAL = FakeTextModel(categories={Category.APPEAL: 0.9, Category.ACCUSATION: 0.1}, sectors={"housing": 0.8})
# A model with no opinion: the structure alone must find the accusation.
UNSURE = FakeTextModel(categories={Category.APPEAL: 0.55, Category.ACCUSATION: 0.45})


def _target(d: Decision) -> tuple[str, str] | None:
    return (d.target.kind, d.target.region) if d.target is not None else None


# --- places: a street with its section is no city -------------------------------------------------


@pytest.mark.parametrize(
    "text", ["上海中路那栋老楼的楼道灯坏了三个月，物业不修", "住在天津西街的老房子，下水道堵了半年没人修"]
)
def test_a_city_name_with_a_street_section_is_a_street(text: str) -> None:
    d = _decide("yuexiu-bjjd-2024", text, APPEAL)
    assert _target(d) == ("department:housing", "440104")


# --- street offices: their residents' committees, their offices and how residents name them ---------


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("盘福路居委的书记把活动室租给外人开棋牌室，租金自己拿了", Tier.NEXT_PRINCIPAL),
        ("街道一个副主任逢年过节都让辖区的商户给他送红包", Tier.LEADERSHIP),
        ("街道便民服务中心的主任办个证明都要收'辛苦费'，不给就拖着", Tier.NEXT_PRINCIPAL),
    ],
)
def test_a_street_offices_committees_and_offices(text: str, tier: Tier) -> None:
    d = _decide("yuexiu-bjjd-2024", text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is tier


def test_another_street_office_named_in_full_is_not_the_inspected_one() -> None:
    d = _decide("yuexiu-bjjd-2024", "流花街道的主任天天开公车接孩子放学")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.subject is not None and d.subject.unit == "流花街道"


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("李主任（街道办事处）的小舅子承包了街道的绿化工程", Scope.IN_SCOPE),
        ("张局长(广州市城管局)收了摊贩的红包", Scope.OUT_OF_SCOPE),
    ],
)
def test_a_posts_body_in_brackets_after_it(text: str, scope: Scope) -> None:
    d = _decide("yuexiu-bjjd-2024", text)
    assert d.scope is scope
    assert d.subject is not None and d.subject.unit is not None


# --- a county-level city is 市 to its residents ------------------------------------------------------


def test_a_bare_shi_after_a_county_level_city_is_that_city() -> None:
    text = "我是邳州市的居民。市住建局局长把安置房的好楼层都分给了他的亲戚"
    d = _decide("pizhou-2023", text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.NEXT_PRINCIPAL


# --- an enterprise group's mines and works are named by their place -------------------------------


def test_a_groups_mine_named_by_its_place_is_a_subordinate_unit() -> None:
    d = _decide("zhongyuan-mh-2024", "平顶山矿业的董事长让供货商给他在郑州买了套房")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.NEXT_PRINCIPAL


def test_a_mines_front_line_staff_go_to_the_groups_own_discipline_organ() -> None:
    d = _decide("zhongyuan-mh-2024", "义马矿务局一个区队长克扣工人的夜班补助")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert _target(d) == ("inspected_unit", "410000")


def test_a_mine_workers_own_matter_goes_to_the_group() -> None:
    d = _decide("zhongyuan-mh-2024", "我是平顶山矿业的职工，去年的年终奖到现在还没发", APPEAL)
    assert _target(d) == ("inspected_unit", "410000")


def test_a_suppliers_company_named_by_a_place_is_no_subsidiary() -> None:
    d = _decide("zhongyuan-mh-2024", "郑州一家公司的董事长收了回扣")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert all("下属" not in (o.unit or "") for o in d.officials)


@pytest.mark.parametrize(
    "text", ["绵阳一家化工厂晚上偷偷排废水，河里的鱼都死了", "绵阳化工厂晚上偷偷排废水，河里的鱼都死了"]
)
def test_a_factory_of_another_trade_or_unnamed_is_not_the_groups(text: str) -> None:
    polluter = FakeTextModel(
        categories={Category.APPEAL: 0.9, Category.ACCUSATION: 0.1}, sectors={"environment": 0.9}
    )
    d = _decide("sichuan-shutong-2023", text, polluter)  # a transport group: a chemical works is not its own
    assert d.target is not None and d.target.kind == "department:environment"


# --- a namesake body of another region --------------------------------------------------------------


def test_the_units_bare_name_after_another_place_is_that_places_body() -> None:
    d = _decide("luoyang-zjj-2024", "偃师区住建局一个副局长收了开发商的购物卡")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.subject is not None and d.subject.tier is None
    assert _target(d) is not None and _target(d) != ("inspected_unit", "410300")


# --- ways of telling an act --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "局长办事要收'跑腿费'。",  # a fee no rule sets, in the sender's quotes
        "局长在一家酒楼占着干股。",  # a stake in a business
        "局长克扣敬老院的口粮。",  # withholding what others are owed, whatever it is
        "局长说上级的要求听听就行了。",  # defying policy
    ],
)
def test_acts_told_in_everyday_words(text: str) -> None:
    assert find_structure(text, [Actor(0, 2, "局长", 0)], plea=False).accusation


def test_a_quoted_word_that_is_no_fee_is_no_act() -> None:
    assert not find_structure("局长说要'抓紧'办。", [Actor(0, 2, "局长", 0)], plea=False).accusation


def test_pinyin_post_right_after_chinese_is_the_post() -> None:
    assert pinyin_posts(normalise("县委fu shu ji换届前请客")) == "县委副书记换届前请客"
    assert pinyin_posts(normalise("镇 zhang不管")) == "镇长不管"
    assert pinyin_posts(normalise("我住在Zhang家村")) == "我住在Zhang家村"  # a name, not a post


# --- no content ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["领导好", "中考数学一对一，名师包提分，加微信咨询", "新店开业，全场八折，欢迎光临"]
)
def test_a_bare_greeting_or_an_advert_naming_its_trade_is_no_content(text: str) -> None:
    d = _decide("ruzhou-yigao-2025", text, APPEAL)
    assert d.category is Category.NO_CONTENT


def test_a_greeting_before_a_matter_is_content() -> None:
    d = _decide("ruzhou-yigao-2025", "老师好，学校食堂的饭菜涨价了一倍", APPEAL)
    assert d.category is not Category.NO_CONTENT


# --- confidence: out of scope on a bare title is a guess --------------------------------------------


def test_a_bare_title_with_no_body_costs_more_confidence_than_a_placed_post() -> None:
    vote = Vote(Category.ACCUSATION, "both", 0.9, None, 0.8)
    common = {"acts": True, "officials": 1, "chars": 40, "tiered": False}
    assert unearned(vote, tier_guessed=2, **common) > unearned(vote, tier_guessed=1, **common) > 0  # type: ignore[arg-type]


def test_an_unplaced_title_out_of_scope_is_less_sure_than_a_placed_one() -> None:
    unplaced = _decide("pizhou-2023", "徐州有个主任收了开发商送的购物卡，还让开发商给他家装修")
    placed = _decide("pizhou-2023", "徐州市住建局的副局长收了开发商送的购物卡，还让开发商给他家装修")
    assert unplaced.scope is Scope.OUT_OF_SCOPE and placed.scope is Scope.OUT_OF_SCOPE
    assert unplaced.confidence < placed.confidence


def test_a_bare_title_of_no_body_and_no_place_is_in_scope_for_the_officer() -> None:
    d = _decide("pizhou-2023", "有个副主任收了开发商送的购物卡，还让开发商给他家装修")
    assert d.scope is Scope.IN_SCOPE and d.confidence <= 0.5
    assert any(g.code == "doubt" for g in d.grounds)
