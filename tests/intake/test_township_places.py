"""A township's official told after its county, a town told after its county, and the towns of the
cities that have no counties (东莞, 中山, 儋州, 嘉峪关): where they are and who manages them."""

from __future__ import annotations

import pytest

from intake.models import InboundMessage, Scope
from intake.pipeline import decide
from routing.divisions import load_divisions
from tests.fakes.inspections import BANNER, DISTRICT, invented_inspection

DALI = invented_inspection(
    "dali",
    committee="province",
    type="region",
    name="大理白族自治州",
    aliases=["大理州"],
    region="532900",
    level="city",
)
DONGGUAN = invented_inspection(
    "dg", committee="province", type="region", name="东莞市", aliases=["东莞"], region="441900", level="city"
)
SINOPEC = invented_inspection(
    "sh",
    committee="central",
    type="unit",
    name="中国石化湖南石油分公司",
    aliases=["湖南石油"],
    region="430000",
    level="province",
)


@pytest.mark.parametrize(
    "text",
    [
        "宾川县有个镇的镇长收了老板的钱，把镇上的葡萄市场给他亲戚承包了",
        "宾川县一个乡的乡长收了老板的钱，把乡里的工程给他亲戚做了",
    ],
)
def test_a_townships_head_after_a_county_is_not_the_countys_leadership(text: str) -> None:
    d = decide(InboundMessage(id="t", text=text), DALI)
    # a 州 inspection's tiers reach its counties' leaders, not their townships'
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None
    assert (d.target.kind, d.target.region) == ("discipline", "532924")  # the county manages its townships


def test_the_countys_own_head_is_still_the_countys() -> None:
    d = decide(InboundMessage(id="t", text="宾川县县长收了老板的钱，把葡萄市场给他亲戚承包了"), DALI)
    assert d.scope is Scope.IN_SCOPE


def test_a_town_named_after_its_county_is_that_countys_town() -> None:
    # 金牛镇 is in several counties; 宾川县 named beside it says which, even to a team in Hunan
    d = decide(InboundMessage(id="t", text="宾川县金牛镇镇长收了老板的钱，给他亲戚批了地"), SINOPEC)
    assert d.target is not None
    assert (d.target.kind, d.target.region) == ("discipline", "532924")


def test_the_towns_of_a_city_without_counties_are_the_citys() -> None:
    divisions = load_divisions()
    for town in ("凤岗镇", "虎门镇", "长安镇"):
        assert "441900" in divisions.towns[town]
    d = decide(
        InboundMessage(id="t", text="凤岗镇那个分管招商的副镇长，收老板红包，不给钱就拖着不办手续"), DONGGUAN
    )
    assert d.target is not None
    assert (d.target.kind, d.target.region) == ("discipline", "441900")
    # a town's party secretary in 东莞 stands where a county's would: next below the city
    d = decide(
        InboundMessage(id="t", text="虎门镇的镇委书记天天坐公家的车去打高尔夫，油钱都是公家报"), DONGGUAN
    )
    assert d.scope is Scope.IN_SCOPE


def test_the_autonomous_regions_bureau_is_a_provinces_body() -> None:
    # 自治区林草局 (林业和草原局): the autonomous region's, so its 处长 is managed at the province's level
    text = "自治区林草局有个处长，下来验收造林项目，老板给他塞了个信封，不合格的也验收过了"
    d = decide(InboundMessage(id="t", text=text), BANNER)
    assert d.target is not None
    assert (d.target.kind, d.target.region) == ("discipline", "150000")
    # ... and the banner's own 林草局 is the banner's
    d = decide(InboundMessage(id="t", text="旗林草局的一个稽查员收了老板的钱，放他们半夜拉木头出去"), BANNER)
    assert d.target is not None
    assert (d.target.kind, d.target.region) == ("discipline", "152222")


YUBEI = invented_inspection(
    "yb",
    committee="city",
    type="region",
    name="重庆市渝北区",
    aliases=["渝北区", "渝北"],
    region="500112",
    level="county",
)


def test_a_post_across_an_organisations_name_is_that_organisations() -> None:
    # 区农业农村委主任: the district's 农业农村委's head (next to the district's leaders), not a 村委主任
    text = "今年种粮补贴区农业农村委主任那边一直拖起不发，听说钱拿去垫了别的项目，农民等到现在"
    d = decide(InboundMessage(id="t", text=text), YUBEI)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.post == "主任"


def test_a_short_name_right_after_another_place_describes_it() -> None:
    # 大理古城 is 大理's old town, not 丽江's 古城区 (a short county name of the same province)
    text = "我是外地游客，在大理古城一家玉石店买了一个手镯，花了八千，回去鉴定是假的，店家不认账。"
    d = decide(InboundMessage(id="t", text=text), DALI)
    assert d.region != "530702"
    assert d.target is not None and d.target.region.startswith("5329")


def test_the_second_in_command_is_the_leadership() -> None:
    d = decide(
        InboundMessage(id="t", text="雁塔区二把手把区里的征收项目安排给他小舅子的公司干，价格比市场高一截"),
        DISTRICT,
    )
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.post == "二把手"


def test_the_senders_own_post_told_with_although_is_not_the_accused() -> None:
    text = (
        "呈贡区的区长在大学城周边土地开发中为一家房地产企业违规开绿灯，收受对方房产一套。"
        "我虽然是师大的老师，但这是在学校门口发生的事，请转给有管辖权的机关。"
    )
    d = decide(
        InboundMessage(id="t", text=text),
        invented_inspection(
            "ynnu",
            committee="province",
            type="unit",
            name="云南师范大学",
            aliases=["云师大", "师大"],
            region="530000",
            level="province",
        ),
    )
    assert d.subject is not None and d.subject.post == "区长"
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "530100")


def test_my_county_is_the_county_the_sender_named() -> None:
    text = (
        "尊敬的巡视组：本人四川南充仪陇县人，在东莞务工多年。我县一名副县长在老家修路项目中收受承包商贿赂，"
        "群众意见很大，特此反映，请转交有权处理的机关。"
    )
    d = decide(InboundMessage(id="t", text=text), DONGGUAN)
    assert d.target is not None
    # a county's deputy head is managed by its city: 南充市's 纪委监委
    assert (d.target.kind, d.target.region) == ("discipline", "511300")


def test_a_district_whose_name_begins_with_the_citys_shi() -> None:
    shandong = invented_inspection(
        "sd",
        committee="province",
        type="unit",
        name="山东省人力资源和社会保障厅",
        aliases=["人社厅"],
        region="370000",
        level="province",
    )
    d = decide(
        InboundMessage(id="t", text="青岛市南区人社局一个工作人员，办失业金的，不给好处就说材料不齐"),
        shandong,
    )
    assert d.target is not None and d.target.region == "370202"
    d = decide(InboundMessage(id="t", text="青岛市南边的海水浴场太脏，没人管"), shandong)
    assert d.target is not None and d.target.region == "370200"


def test_the_inspected_regions_own_bodies_are_of_its_level_whatever_its_codes() -> None:
    # 石河子市 (659001) is a county-level code, yet the file inspects it as the 八师's city
    shihezi = invented_inspection(
        "shz",
        committee="province",
        type="region",
        name="石河子市",
        aliases=["石河子", "八师"],
        region="659001",
        level="city",
    )
    d = decide(
        InboundMessage(id="t", text="石河子二把手过年收老板的购物卡，一张一万，好几个老板都送了"), shihezi
    )
    assert d.scope is Scope.IN_SCOPE
