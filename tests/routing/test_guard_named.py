"""Never toward the accused, whatever the category: an item naming an official of body X (or of a body
that official leads) never goes to X or to a body X leads, in the router, and the desk's check agrees."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from intake.inspection import bundled_inspections, load_inspection
from intake.models import Category, InboundMessage
from intake.pipeline import decide
from routing.guard import Named, accused_body_problem, barred, steer

INSPECTIONS = [load_inspection(p) for p in bundled_inspections()]
# Each official, with the bodies it is or leads, written out by hand from the policy (not from the code).
OFFICIALS: dict[str, set[tuple[str, str]]] = {
    "栾川县县长": {("*", "410324")},
    "栾川县委书记": {("*", "410324")},
    "洛阳市副市长": {("*", "410300")},
    "孟州市市长": {("*", "410883")},
    "栾川县住建局局长": {("department:housing", "410324")},
    "栾川县人社局局长": {("department:human_resources", "410324")},
    "洛阳市教育局局长": {("department:education", "410300")},
    "栾川县公安局局长": {("department:public_security", "410324")},
    "栾川县纪委书记": {("discipline", "410324")},
    "河南省审计厅副厅长": {("inspected_unit", "410000")},
}
TEMPLATES = {
    "accusation": "{o}收了老板送的红包。",
    "appeal": "我家的拖欠工资半年了还没解决，{o}说归他们管，希望帮忙解决。",
    "appeal2": "我家门口的路灯坏了好几个月，找过{o}，到现在也没人修，请求解决。",
    "litigation": "法院判决不公，我要求再审，{o}也知道这个案子。",
    "suggestion": "建议{o}多听听群众意见，加强学校周边的交通管理。",
}


def _forbidden(kind: str, region: str, bars: set[tuple[str, str]]) -> bool:
    return any(r == region and k in ("*", kind) for k, r in bars)


def test_no_item_goes_to_a_body_of_an_official_it_names() -> None:
    categories: set[Category] = set()
    for official, bars in OFFICIALS.items():
        for template in TEMPLATES.values():
            for inspection in INSPECTIONS:
                d = decide(InboundMessage(id="g", text=template.format(o=official)), inspection)
                categories.add(d.category)
                if d.target is None:
                    continue
                assert not _forbidden(d.target.kind, d.target.region, bars), (official, template, d.reasons)
                # the desk asks the same question before a transfer
                named = [Named(o.post, o.unit, tuple(o.bars)) for o in d.officials]
                assert (
                    accused_body_problem(
                        category=d.category.value,
                        subject_post=d.subject.post if d.subject else None,
                        subject_unit=d.subject.unit if d.subject else None,
                        subject_region=d.region,
                        target_kind=d.target.kind,
                        target_region=d.target.region,
                        target_name=d.target.name,
                        named=named,
                    )
                    is None
                ), (official, template, d.target)
    assert {Category.ACCUSATION, Category.APPEAL, Category.LITIGATION, Category.SUGGESTION} <= categories


def test_the_desk_refuses_an_officers_choice_of_the_named_body_for_every_category() -> None:
    d = decide(
        InboundMessage(id="g", text="我家门口的路灯坏了，找过栾川县住建局局长也没人修，请求解决。"),
        INSPECTIONS[0],
    )
    named = [Named(o.post, o.unit, tuple(o.bars)) for o in d.officials]
    for category in Category:
        problem = accused_body_problem(
            category=category.value,
            subject_post=None,
            subject_unit=None,
            subject_region=None,
            target_kind="department:housing",
            target_region="410324",
            target_name="栾川县住建局",
            named=named,
        )
        assert problem is not None and "栾川县住建局" in problem


KINDS = [
    "discipline",
    "petition",
    "political_legal",
    "inspected_unit",
    "department:housing",
    "department:health",
]
REGIONS = ["410324", "410300", "410000", "410883", "410800", "210000", "210100"]
bars_st = st.lists(
    st.builds(lambda k, r: f"{k}@{r}", st.sampled_from([*KINDS, "*"]), st.sampled_from(REGIONS)), max_size=4
)


@settings(max_examples=300, deadline=None)
@given(bars=bars_st, kind=st.sampled_from(KINDS), region=st.sampled_from(REGIONS), accusation=st.booleans())
def test_steer_never_lands_on_a_bar(bars: list[str], kind: str, region: str, accusation: bool) -> None:
    moved = steer(kind, region, bars, accusation=accusation)
    final = moved or (kind, region)
    if final[1] != "000000":  # the centre has nowhere above it to go
        assert barred(bars, *final) is None
    if barred(bars, kind, region) is None:
        assert moved is None
