"""General rules read from the misses of set E (session 22), each tested on kinds of unit that set E
does not have: a financial regulator's provincial office, a city public-security bureau, a city water
group, a provincial transport-investment group, a county-level city and a township of a Guangxi county.

Each test decides with a fixed fake model, so it checks the policy rules: how a post is attached to its
body, how a subordinate unit is read from the inspected unit's own name, a title named again, a
township named without its ethnic word, and the inspected unit's own business (policy 2, 4.1, 4.3, 4.4).
"""

from __future__ import annotations

from functools import cache

import pytest

from intake.classify import proposes, signals
from intake.extraction.scanner import scan
from intake.inspection import Inspection
from intake.models import Category, Decision, InboundMessage, Scope, Tier
from intake.normalise import normalise
from intake.pipeline import NO_MODEL, decide
from routing.divisions import load_divisions
from tests.fakes.corpus import ACCUSE, decide_in
from tests.fakes.inspections import invented_inspection
from tests.fakes.textmodel import FakeTextModel


@cache
def _inspection(name: str) -> Inspection:
    kinds = {
        # a national regulator's provincial office: vertical management, its city offices are its own
        "jrjg": (
            "central",
            "unit",
            "国家金融监督管理总局湖南监管局",
            ("湖南金融监管局", "省监管局"),
            "430000",
            "province",
        ),
        # a city bureau of a local government
        "lygaj": ("city", "unit", "洛阳市公安局", ("市公安局",), "410300", "city"),
        "lysw": ("city", "unit", "洛阳市水务集团有限公司", ("洛阳水务集团", "水务集团"), "410300", "city"),
        "hbjt": (
            "province",
            "unit",
            "湖北省交通投资集团有限公司",
            ("湖北交投", "省交投公司"),
            "420000",
            "province",
        ),
        "court": ("province", "unit", "洛阳市中级人民法院", ("洛阳中院", "市中院"), "410300", "city"),
        "customs": ("central", "unit", "南京海关", ("海关",), "320100", "city"),
        "ewenki": ("city", "region", "鄂温克族自治旗", ("鄂温克旗",), "150724", "county"),
        "lyjy": ("city", "unit", "洛阳市教育局", ("市教育局",), "410300", "city"),
        "hkg": (
            "city",
            "unit",
            "郑州航空港经济综合实验区管理委员会",
            ("航空港区管委会", "航空港区"),
            "410100",
            "city",
        ),
        "yubei": ("city", "region", "重庆市渝北区", ("渝北区", "渝北"), "500112", "county"),
        "anchui": ("county", "region", "安陲乡", ("安陲",), "450225", "township"),
    }
    committee, kind, name_, aliases, region, level = kinds[name]
    return invented_inspection(
        name,
        committee=committee,
        type=kind,
        name=name_,
        aliases=aliases,
        region=region,
        level=level,
    )


def _decide(name: str, text: str, model: object = ACCUSE) -> Decision:
    return decide(InboundMessage(id="t", text=text), _inspection(name), model=model)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "岳阳监管分局局长收了一家小贷公司老板二十万，帮他把违规放贷的事压了下来",
        "常德金融监管分局的一把手让辖区银行给他老婆的公司拉存款",
    ],
)
def test_a_vertical_systems_bodies_in_its_territory_are_its_subordinate_units(text: str) -> None:
    # the unit's name puts a national body before its region: the same trade in a lower place is its own
    d = _decide("jrjg", text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.NEXT_PRINCIPAL


def test_a_branch_of_a_local_bureau_is_its_own_but_a_namesake_bureau_is_not() -> None:
    d = _decide("lygaj", "西工公安分局的局长收了KTV老板的钱，每次检查前都打招呼")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.NEXT_PRINCIPAL
    # a county's own bureau of the same trade is the county's, not a subordinate unit of the city's
    d = decide_in("luoyang-zjj-2024", "栾川县住建局局长收了施工方的钱")
    assert d.scope is Scope.OUT_OF_SCOPE


@pytest.mark.parametrize(
    "text",
    ["省交投公司副总经理的小舅子包了好几段高速的绿化工程", "省交投公司的纪委书记和一个供应商的老板关系暧昧"],
)
def test_the_units_own_name_right_before_a_post_makes_it_the_units_leader(text: str) -> None:
    # 公司 also ends its divisions' names (物流公司): the unit's own name right before the post wins
    d = _decide("hbjt", text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.LEADERSHIP


def test_a_title_named_again_with_a_demonstrative_is_the_official_named_before() -> None:
    # 这个常委 is the 徐州 常委 of the first clause, not a second one in the inspected 邳州
    d = decide_in("pizhou-2023", "徐州市委一个常委的侄子包了好多拆迁工程，都是这个常委打的招呼")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "320000")


def test_an_ethnic_township_named_without_its_ethnic_word_is_that_township() -> None:
    towns = load_divisions().towns
    assert towns["同练乡"] == ("450225",) and towns["同练瑶族乡"] == ("450225",)
    assert "槐店镇" in towns  # 槐店回族镇
    # 隔壁同练乡的乡长 is another township's head: out of scope, to the county's discipline organ
    d = _decide("anchui", "隔壁同练乡的乡长来我们这边收购杉木，压价压得厉害，还让手下人拦车收钱")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "450225")


HOUSING_APPEAL = FakeTextModel(
    categories={Category.APPEAL: 0.95, Category.ACCUSATION: 0.05}, sectors={"housing": 0.9}
)
HOUSING_SUGGESTION = FakeTextModel(
    categories={Category.SUGGESTION: 0.95, Category.APPEAL: 0.05}, sectors={"housing": 0.9}
)


@pytest.mark.parametrize(
    ("text", "model"),
    [
        ("我家这个月水费比上个月多了三倍，水表也没人来查，打电话一直说登记了", HOUSING_APPEAL),
        ("小区停水从来不提前通知，老人孩子在家没水用，问了几次都说在走流程", HOUSING_APPEAL),
        ("建议停水能提前三天在小区门口贴个通知", HOUSING_SUGGESTION),
    ],
)
def test_the_units_own_business_in_a_citizens_words_goes_to_the_unit(text: str, model: FakeTextModel) -> None:
    # policy 4.3/4.4: a water group's own service (水费, 水表, 停水) is its business, not 住建's
    d = _decide("lysw", text, model)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "inspected_unit"


def test_an_appeal_outside_the_units_trade_still_goes_to_the_competent_department() -> None:
    d = _decide("lysw", "小区物业乱收停车费，一个月涨了两百，业主都不同意", HOUSING_APPEAL)
    assert d.target is not None and d.target.kind == "department:housing"


TRANSPORT_APPEAL = FakeTextModel(
    categories={Category.APPEAL: 0.95, Category.ACCUSATION: 0.05}, sectors={"transport": 0.9}
)


def test_a_village_known_only_to_lie_in_the_province_does_not_outrank_the_city_named() -> None:
    # 我们村 with no place before it lies somewhere in the inspected province; 天水 is where the bus runs
    d = decide_in(
        "e-gansu-mzt-2025",
        "天水那条公交线改线以后我们村一班车都没有了，老人去城里看病要走一个小时",
        TRANSPORT_APPEAL,
    )
    assert d.target is not None and (d.target.kind, d.target.region) == ("department:transport", "620500")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("lygaj", "市公安局出入境管理科有个年轻科员，办护照的人不给他塞好处就一直拖着不办"),
        ("hunan-xcu-2024", "湘楚大学资产设备管理处有个年轻科员，供货商逢年过节都给他送购物卡"),
    ],
)
def test_a_staff_post_after_the_units_division_and_everyday_filler_is_the_units_staff(
    name: str, text: str
) -> None:
    # policy 4.1, last row: staff of the inspected unit below the tiers go to the unit's own organ
    d = _decide(name, text) if name == "lygaj" else decide_in(name, text)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "inspected_unit"


@pytest.mark.parametrize(
    ("name", "text", "tier"),
    [
        ("court", "院长的儿子开了个律师事务所，院里的案子都往他那介绍", Tier.LEADERSHIP),
        ("court", "一个副院长在办案中打招呼，让法官照顾他亲戚", Tier.LEADERSHIP),
        ("court", "刑一庭庭长收了当事人家属五万块钱，判决就改了", Tier.NEXT_PRINCIPAL),
        ("customs", "副关长的小舅子开了家报关行，查验的时候都给他们开绿灯", Tier.LEADERSHIP),
    ],
)
def test_a_units_bare_head_title_is_read_from_its_name(name: str, text: str, tier: Tier) -> None:
    # a kind of unit no vocabulary lists: 法院 is headed by a 院长, 海关 by a 关长; a 庭 is a court's division
    d = _decide(name, text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is tier


def test_a_branch_named_by_its_place_alone_is_the_bureaus_own() -> None:
    d = _decide("lygaj", "西工分局局长收了KTV老板的钱，每次检查前都打招呼")
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.NEXT_PRINCIPAL


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("锡尼河西苏木的苏木达收了牧民的好处费才给办草场证", Tier.NEXT_PRINCIPAL),  # a township's head
        ("旗委副书记的老婆开公司承揽旗里的工程", Tier.LEADERSHIP),  # the banner's leadership
        ("我们嘎查的嘎查长把草场承包给了外地老板，钱不知道去哪了", None),  # a village head: below the tiers
    ],
)
def test_inner_mongolias_divisions_are_read_as_the_levels_they_are(text: str, tier: Tier | None) -> None:
    # 旗 is a county, 苏木 a township, 嘎查 a village (policy 2: a county's next tier is its townships)
    d = _decide("ewenki", text)
    assert d.subject is not None and d.subject.tier is tier
    assert (d.scope is Scope.IN_SCOPE) is (tier is not None)
    if tier is None:
        assert d.subject.post is not None and d.subject.post.startswith("嘎查")
        assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "150724")


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("教育局的副局长每年让各学校给他拜年送购物卡", Tier.LEADERSHIP),  # the unit without its city's name
        ("市第一中学校长收了家长的钱给孩子调班", Tier.NEXT_PRINCIPAL),  # a city school: its subordinate unit
        ("市实验中学的校长把食堂承包给他小舅子", Tier.NEXT_PRINCIPAL),
        ("县教育局局长收了校长们的红包", None),  # a county's namesake bureau, not the inspected one
    ],
)
def test_a_local_departments_short_name_and_its_own_institutions(text: str, tier: Tier | None) -> None:
    d = _decide("lyjy", text)
    assert d.subject is not None and d.subject.tier is tier
    assert (d.scope is Scope.IN_SCOPE) is (tier is not None)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("court", "法官收了对方律师的钱，判决就偏向那边"),
        ("lygaj", "有个辅警晚上到夜市收黑钱，不给就说要查证件"),
        ("customs", "科员每次查验都要报关行请吃饭"),
    ],
)
def test_staff_named_by_a_bare_title_in_a_unit_inspection_are_the_units_own(name: str, text: str) -> None:
    # nothing places them in another body: the inspected unit's staff, to its own organ (policy 4.1)
    d = _decide(name, text)
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind == "inspected_unit"


def _proposes(text: str) -> bool:
    t = normalise(text)
    return proposes(t, signals(scan(t)))


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("希望区图书馆周末的自习座位多开一些，现在去晚了根本没位置", True),
        ("希望县医院门诊的挂号窗口多设几个，老人排队要一上午", True),
        ("公交末班车能不能延长到晚上十点，下夜班的人都没车坐", True),
        ("希望领导多关心一下我的问题，我的工资到现在还没发", False),  # the sender's own grievance
    ],
)
def test_a_wish_for_more_of_a_public_service_is_a_suggestion(text: str, suggestion: bool) -> None:
    # policy 3: an opinion on work with no grievance of the sender's is a suggestion, however it is worded
    assert _proposes(text) is suggestion


@pytest.mark.parametrize(
    ("text", "tier"),
    [
        ("财政局的局长让做工程的老板拿五个点，才给排拨款", Tier.NEXT_PRINCIPAL),  # the zone's own bureau
        ("建设管理局局长把安置房工程给了他表弟", Tier.NEXT_PRINCIPAL),  # a bureau no lexicon knows
        ("航空港投资集团董事长每周都被承包商请去吃饭", Tier.NEXT_PRINCIPAL),  # the zone's company
        ("市财政局局长收了开发商的钱", None),  # the city's bureau, not the zone's
    ],
)
def test_a_zone_committees_bureaus_and_companies_are_its_own(text: str, tier: Tier | None) -> None:
    # a 管委会 governs an area as a government does: its bureaus are its departments (policy 2)
    d = _decide("hkg", text)
    assert d.subject is not None and d.subject.tier is tier
    assert (d.scope is Scope.IN_SCOPE) is (tier is not None)


def test_a_work_from_home_scam_is_no_content_but_an_official_taking_red_packets_is_not() -> None:
    d = decide_in("luoyang-zjj-2024", "宝妈学生在家就能做，日赚五百，加微信领红包", NO_MODEL)
    assert d.category is Category.NO_CONTENT and d.target is None
    d = decide_in("luoyang-zjj-2024", "局长每年过节都让下面的人给他送红包", NO_MODEL)
    assert d.category is Category.ACCUSATION


def test_a_place_name_shared_across_provinces_is_the_one_in_the_inspections_province() -> None:
    # 江北区 is a district of Chongqing and of Ningbo: to a 渝北区 team, Chongqing's; its head is a
    # district leader managed by the city above (policy 4.1), here the municipality itself
    d = _decide("yubei", "江北区区长的弟弟包了好多市政工程，都是他打的招呼")
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "500000")


UNSURE = FakeTextModel(categories={Category.APPEAL: 0.4, Category.SUGGESTION: 0.3, Category.LITIGATION: 0.3})


def test_a_proposal_on_a_courts_work_is_a_suggestion_but_the_senders_own_case_is_litigation() -> None:
    # policy 3: litigation is a case (a judgement, its execution, a retrial), not an opinion on the court
    d = _decide("court", "建议法院网站公开更多的判决文书，方便群众监督", UNSURE)
    assert d.category is Category.SUGGESTION
    assert d.target is not None and d.target.kind == "inspected_unit"
    d = _decide("court", "建议法院尽快执行我的案子，判决生效两年了一分钱没拿到", UNSURE)
    assert d.category is Category.LITIGATION
