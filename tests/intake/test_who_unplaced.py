"""Whose post is it, on kinds of inspection no corpus set has (issue 12, items 2 and 4).

A city water bureau, a city procuratorate, a county-level city, a provincial tobacco bureau inspected
by its own system's team, a banner and a township: invented here, so that the reading is checked on
kinds the lexicons were not written for. Each test decides with a fixed fake model (sure of an
accusation), so it checks the rules of "who", not the learned model.
"""

from __future__ import annotations

from functools import cache

import pytest

from intake.inspection import Inspection
from intake.models import Decision, InboundMessage, Scope, Tier
from intake.pipeline import decide
from intake.reasons import render_zh
from tests.fakes.corpus import ACCUSE
from tests.fakes.inspections import invented_inspection

_ROSTER = {
    "forestcity": (("覃志远", "党组书记、局长"), ("黎明华", "党组成员、副局长"), ("覃秀英", "办公室主任")),
}
_INSPECTIONS = {
    "water": ("岳阳市委第三巡察组", "city", "unit", "岳阳市水利局", ("市水利局", "水利局"), "430600", "city"),
    "procuratorate": (
        "芜湖市委第二巡察组",
        "city",
        "unit",
        "芜湖市人民检察院",
        ("市检察院", "芜湖市检察院"),
        "340200",
        "city",
    ),
    "tengzhou": ("枣庄市委第一巡察组", "city", "region", "滕州市", ("滕州",), "370481", "county"),
    "tobacco": (
        "国家烟草专卖局党组第三巡视组",
        "central",
        "unit",
        "湖南省烟草专卖局",
        ("省烟草专卖局", "湖南烟草"),
        "430000",
        "province",
    ),
    "forestry": (
        "湖南省委第五巡视组",
        "province",
        "unit",
        "湖南省林业局",
        ("省林业局",),
        "430000",
        "province",
    ),
    "banner": ("乌兰察布市委第二巡察组", "city", "region", "四子王旗", ("四子王",), "150929", "county"),
    "forestcity": (
        "黑河市委第一巡察组",
        "city",
        "unit",
        "黑河市林业和草原局",
        ("市林草局", "林草局"),
        "231100",
        "city",
    ),
    "port": (
        "烟台市委第二巡察组",
        "city",
        "unit",
        "烟台港集团有限公司",
        ("烟台港集团", "烟台港"),
        "370600",
        "city",
    ),
    "prisons": (
        "江苏省委第三巡视组",
        "province",
        "unit",
        "江苏省监狱管理局",
        ("省监狱管理局", "监狱局"),
        "320000",
        "province",
    ),
    "transport": (
        "湖北省委第六巡视组",
        "province",
        "unit",
        "湖北省交通运输厅",
        ("省交通运输厅", "省交通厅"),
        "420000",
        "province",
    ),
    "township": (
        "天全县委第一巡察组",
        "county",
        "region",
        "始阳镇",
        ("始阳", "始阳镇党委", "始阳镇政府"),
        "511825",
        "township",
    ),
}


@cache
def _inspection(key: str) -> Inspection:
    team, committee, kind, name, aliases, region, level = _INSPECTIONS[key]
    return invented_inspection(
        key,
        team=team,
        committee=committee,
        type=kind,
        name=name,
        aliases=aliases,
        region=region,
        level=level,
        leaders=_ROSTER.get(key, ()),
    )


def _decide(key: str, text: str) -> Decision:
    return decide(InboundMessage(id="t", text=text), _inspection(key), model=ACCUSE)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    ["水文站站长虚报加班费，把钱分给了几个领导", "堤防管理站的站长收了包工头的钱，验收时睁一只眼闭一只眼"],
)
def test_a_leading_post_of_a_body_nothing_places_elsewhere_is_in_scope_for_an_officer(text: str) -> None:
    d = _decide("water", text)
    assert d.scope is Scope.IN_SCOPE
    assert d.confidence <= 0.5  # low confidence: the queue puts it before an officer first
    assert any(g.code == "doubt" and g.args.get("why") == "unplaced" for g in d.grounds)
    assert any("未表明其属于其他地区或单位" in line for line in render_zh(d.grounds))


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("water", "华容县一个水管站站长收了承包商的钱"),  # a lower region's own body
        ("water", "市卫健委的一个处长收了药商的钱"),  # a body of another kind
        ("water", "市财政局的副局长收了承包商的钱"),
        ("procuratorate", "省检察院的一个处长每次下来检查都要我们安排吃住还要土特产"),  # a higher body
        ("procuratorate", "区里一个派出所所长收了当事人的钱"),
    ],
)
def test_an_official_plainly_of_another_body_region_or_level_stays_out_of_scope(key: str, text: str) -> None:
    d = _decide(key, text)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "discipline"
    assert not any(g.args.get("why") == "unplaced" for g in d.grounds)


def test_plain_staff_of_an_unplaced_body_stay_out_of_scope() -> None:
    d = _decide("water", "水文站的一个技术员虚报加班费")
    assert d.scope is Scope.OUT_OF_SCOPE


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("市财政局局长把专项资金挪去搞节庆活动，账上做成其他支出", Tier.NEXT_PRINCIPAL),
        ("穆副市长过年前让企业老板送礼，不送就专门查他的安全", Tier.LEADERSHIP),
        ("市政协副主席上班时间在茶楼打麻将，老板买单", Tier.LEADERSHIP),
    ],
)
def test_a_county_level_citys_residents_call_it_shi(text: str, tier: Tier) -> None:
    d = _decide("tengzhou", text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is tier


def test_the_prefecture_named_is_not_the_county_level_city() -> None:
    d = _decide("tengzhou", "枣庄市财政局局长把专项资金挪作他用")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "370400")


def test_a_team_of_the_units_own_system_makes_its_bodies_below_subordinate_units() -> None:
    d = _decide("tobacco", "郴州市烟草专卖局局长把零售许可证都批给他亲戚开的店")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.NEXT_PRINCIPAL
    # a department of the province, inspected by the province's own team: the city's bureau is the city's
    d = _decide("forestry", "郴州市林业局局长把护林员名额给了他亲戚")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "431000")


def test_a_regions_title_after_another_regions_name_the_gazetteer_lacks_is_that_regions() -> None:
    d = _decide("banner", "达茂旗的旗长让他小舅子包了草原围栏工程，价格高出一倍")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "discipline"
    d = _decide("banner", "旗长让他小舅子包了草原围栏工程，价格高出一倍")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.LEADERSHIP


def test_a_townships_committee_named_after_it_is_its_own() -> None:
    d = _decide("township", "巡察组领导：始阳镇党委书记在镇上一个人说了算，项目、用人都是他一句话")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.LEADERSHIP


def test_a_head_named_after_a_body_the_lexicon_lacks_is_a_head() -> None:
    # 场长 is in no post list: 林场 + 场长 says whose head it is
    d = _decide("forestcity", "胜山林场的场长把林地偷偷租给老板种人参，钱进了自己腰包")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.post == "场长"
    assert any(g.args.get("why") == "unplaced" for g in d.grounds)
    # a parent (家长) heads no body
    d = _decide("forestcity", "班上的家长都要给老师送礼")
    assert d.scope is Scope.OUT_OF_SCOPE


def test_a_groups_subsidiary_named_by_its_place_is_not_another_regions_body() -> None:
    d = _decide("port", "蓬莱港务公司经理逼着每个装卸工买他亲戚卖的酒，不买就扣工资")
    assert d.scope is Scope.IN_SCOPE
    # but a company among others (一家公司), or another group, is not the group's own
    for text in ("蓬莱一家公司的经理收了回扣", "大连港集团的一个副总收了货代的钱"):
        assert _decide("port", text).scope is Scope.OUT_OF_SCOPE


def test_a_roster_member_called_by_surname_and_title_is_that_member() -> None:
    d = _decide("forestcity", "黎副局长把护林员的工资截了一部分，说是统筹")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.name == "黎明华" and d.subject.tier is Tier.LEADERSHIP
    # 覃 is two people's surname: 覃局长 is the one whose post ends with 局长
    d = _decide("forestcity", "覃局长让他小舅子包了防火通道工程")
    assert d.subject is not None and d.subject.name == "覃志远"


def test_a_roster_members_title_greeting_a_letter_is_no_subject() -> None:
    d = _decide("forestcity", "尊敬的覃局长：您好！我家的林地补偿款一直没发，请帮忙问问")
    assert d.subject is None or d.subject.name is None


@pytest.mark.parametrize(
    ("key", "text", "post"),
    [
        ("water", "shuiwenzhan de zhanzhang 每个月都虚报加班费，钱分给了几个领导", "站长"),
        ("tengzhou", "fu shi zhang Zhang 的小舅子拿了好几块地, price 低得不得了", "副市长"),
    ],
)
def test_a_post_typed_in_pinyin_among_pinyin_words_is_read(key: str, text: str, post: str) -> None:
    d = _decide(key, text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.post == post


def test_a_bare_title_after_a_higher_level_body_is_not_the_regions_own() -> None:
    # 自治区林草局 is in no lexicon, but 自治区 is above the banner
    d = _decide("banner", "自治区林草局有个处长，下来验收造林项目，老板给他塞了个信封，不合格的也验收过了")
    assert d.scope is Scope.OUT_OF_SCOPE
    d = _decide("banner", "处长下来验收造林项目，老板给他塞了个信封，不合格的也验收过了")
    assert d.scope is Scope.IN_SCOPE


def test_staff_of_any_kind_named_as_such_are_no_unnamed_official() -> None:
    # 讲解员 is in no staff list: 一个…员 is staff, below the tiers, for the unit's own discipline organ
    d = _decide("water", "水利局一个讲解员私下收参观的人红包")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "inspected_unit"
    d = _decide("water", "水利局有个处长私下收施工方红包")
    assert d.scope is Scope.IN_SCOPE


def test_a_body_of_the_units_own_trade_is_its_subordinate_unit_whatever_place_names_it() -> None:
    # 监狱长 is in no post list and 南京 is a city: the unit's trade (监狱) says whose prison it is
    d = _decide("prisons", "南京监狱的监狱长收了犯人家属的钱给犯人减刑")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.post == "监狱长"
    # ... but a place's own department of the same trade is that place's, and a higher department's
    # body is that department's
    d = _decide("transport", "宜昌市交通运输局下属的公路段段长收了承包商的钱")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "420500")
    assert _decide("prisons", "省司法厅有个处长每次来检查都要我们安排吃住").scope is Scope.OUT_OF_SCOPE


def test_a_deputy_the_text_places_in_a_subordinate_unit_goes_to_the_units_own_discipline_organ() -> None:
    # below the tiers (a subordinate unit's deputy in no key body), but the unit's own staff, not 苏州's
    d = _decide("prisons", "苏州监狱一个副监狱长和犯人家属吃饭喝酒")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("inspected_unit", "320000")
