"""Where a suggestion goes (policy 4.4, 分级负责、属地管理): the inspected unit for its own work; a
suggestion on a facility or service of a place the text names goes to the body of that place's level
(its department when one sector's matter, else its 信访局), on both kinds of inspection."""

from __future__ import annotations

import pytest

from intake.models import Category, Decision, InboundMessage
from intake.pipeline import decide
from intake.textmodel.oof import inspection_named
from routing.rules import route_suggestion
from tests.fakes.corpus import decide_in
from tests.fakes.textmodel import FakeTextModel

# A model that reads a suggestion and leans to no sector: the rules choose the body.
SUGGEST = FakeTextModel(categories={Category.SUGGESTION: 0.8, Category.APPEAL: 0.2})


def _decide(inspection: str, text: str) -> Decision:
    return decide(InboundMessage(id="t", text=text), inspection_named(inspection), model=SUGGEST)  # type: ignore[arg-type]


def test_route_suggestion_keeps_the_unit_for_its_own_work() -> None:
    assert route_suggestion("410000", "410000").kind == "inspected_unit"
    # the unit named: its own work, whatever the sector or place
    r = route_suggestion("410000", "410300", "transport", about_unit=True)
    assert (r.kind, r.region) == ("inspected_unit", "410000")


def test_route_suggestion_on_a_named_place_goes_to_that_places_body() -> None:
    r = route_suggestion("410000", "410324", None, placed_elsewhere=True)
    assert (r.kind, r.region) == ("petition", "410324")
    r = route_suggestion("410000", "410324", "transport", placed_elsewhere=True)
    assert (r.kind, r.region) == ("department:transport", "410324")
    # a region inspection: the named place's own 信访局, not the province's
    assert (route_suggestion(None, "210200").kind, route_suggestion(None, "210200").region) == (
        "petition",
        "210200",
    )


@pytest.mark.parametrize(
    ("text", "region", "name"),
    [
        ("希望洛阳市多办几场夜市，搞活夜间经济。", "410300", "洛阳市信访局"),
        ("建议在郑州市二七区设一个便民服务中心，老年人办事不用跑远路。", "410103", "二七区信访局"),
    ],
)
def test_a_unit_inspections_suggestion_on_a_named_place_is_not_the_units(
    text: str, region: str, name: str
) -> None:
    # 河南省审计厅 is inspected; the text is about a city's or a district's service, not the 审计厅's work.
    d = _decide("henan-audit-2016", text)
    assert d.category is Category.SUGGESTION
    assert d.target is not None
    assert (d.target.kind, d.target.region, d.target.name) == ("petition", region, name)


def test_a_unit_inspections_suggestion_on_its_own_work_stays_with_the_unit() -> None:
    d = _decide("henan-audit-2016", "建议审计厅把每年的审计报告全文放到网上，方便群众监督。")
    assert d.category is Category.SUGGESTION
    assert d.target is not None and d.target.kind == "inspected_unit"


def test_an_inspected_departments_own_sector_is_its_own_work() -> None:
    # 洛阳市住建局 inspected: a housing suggestion in its own city is its work (policy 4.4) ...
    housing = FakeTextModel(
        categories={Category.SUGGESTION: 0.8, Category.APPEAL: 0.2}, sectors={"housing": 0.9}
    )
    d = decide_in("luoyang-zjj-2024", "建议老旧小区改造的时候统一加装电梯，老人上下楼太难了。", housing)
    assert d.target is not None and d.target.kind == "inspected_unit"
    # ... one on a county's parks is that county's department's, at the county's level
    d = decide_in("luoyang-zjj-2024", "建议栾川县城多建几个街心公园，县城里能散步的地方太少了。", housing)
    assert d.target is not None
    assert (d.target.kind, d.target.name) == ("department:housing", "栾川县住建局")


def test_a_region_inspections_suggestion_goes_to_the_named_places_level() -> None:
    # 辽宁省 inspected: a suggestion on 大连's service goes to 大连's bodies, not the province's.
    d = _decide("liaoning-followup-2017", "建议大连市的政务大厅中午不休息，上班族午休时也能办事。")
    assert d.target is not None
    assert d.target.region == "210200" and d.target.name.startswith("大连市")
    d = _decide("liaoning-followup-2017", "建议省委多听听基层群众的声音，多下来走走。")
    assert d.target is not None
    assert (d.target.kind, d.target.region) == ("petition", "210000")


@pytest.mark.parametrize(
    ("inspection", "text", "region"),
    [
        # transport's matter, and the model sure of it: still the region's 信访局 (policy 4.4)
        ("yingshan-2022", "建议营山县城多开几趟到南充的公交车，早上挤不上去。", "511322"),
        ("hengyang-2023", "建议衡阳市区多修几个停车场，现在停车太难了。", "430400"),
    ],
)
def test_a_region_inspections_suggestion_on_its_territory_goes_to_the_petition_office(
    inspection: str, text: str, region: str
) -> None:
    transport = FakeTextModel(
        categories={Category.SUGGESTION: 0.9, Category.APPEAL: 0.1}, sectors={"transport": 0.95}
    )
    d = decide_in(inspection, text, transport)
    assert d.category is Category.SUGGESTION
    assert d.target is not None
    assert (d.target.kind, d.target.region) == ("petition", region)


def test_a_unit_inspections_suggestion_on_another_sector_keeps_its_department() -> None:
    # 河南省审计厅 inspected: bus lines are no part of its work; the sector's department has them.
    transport = FakeTextModel(
        categories={Category.SUGGESTION: 0.9, Category.APPEAL: 0.1}, sectors={"transport": 0.95}
    )
    d = decide(
        InboundMessage(id="t", text="建议多开几趟公交车，早上挤不上去。"),
        inspection_named("henan-audit-2016"),
        model=transport,
    )  # type: ignore[arg-type]
    assert d.target is not None and d.target.kind == "department:transport"
