"""Titles that are their bodies' own (场长 of a forest farm, 工会主席 of an enterprise, 园长 of a
kindergarten): the post is read, so the official is the subject, in scope or routed by level."""

from __future__ import annotations

from intake.models import InboundMessage, Scope
from intake.pipeline import decide
from tests.fakes.inspections import invented_inspection

COUNTY = invented_inspection(
    "cty", committee="city", type="region", name="某某县", aliases=[], region="130922", level="county"
)
COMPANY = invented_inspection(
    "co",
    committee="city",
    type="unit",
    name="沧州市城市建设投资集团有限公司",
    aliases=["沧州城投"],
    region="130900",
    level="city",
)


def test_a_title_said_without_its_body_is_read() -> None:
    # (林场场长 is read from the body named before the title; 场长 alone must be known by itself)
    d = decide(InboundMessage(id="t", text="我们场长收了木材老板的钱，让他们进山乱砍树"), COUNTY)
    assert d.subject is not None and d.subject.post.endswith("场长")
    d = decide(InboundMessage(id="t", text="公司财务总监把公司的钱转到他亲戚的账户上"), COMPANY)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.post == "财务总监"


def test_an_enterprises_union_chair_is_its_leadership() -> None:
    d = decide(
        InboundMessage(id="t", text="公司工会主席把职工的福利费拿去请客吃喝，账上全是餐费发票"), COMPANY
    )
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.post == "工会主席"


HOSPITAL = invented_inspection(
    "hosp",
    committee="city",
    type="unit",
    name="黔东南州人民医院",
    aliases=["州人民医院", "州医院"],
    region="522600",
    level="city",
)


def test_another_places_namesake_body_is_not_the_unit() -> None:
    # 从江县人民医院: a county's hospital, its own 院长, not the inspected 州人民医院's
    d = decide(
        InboundMessage(id="t", text="从江县人民医院院长收医药公司回扣，县里老百姓看病贵得狠"), HOSPITAL
    )
    assert d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and (d.target.kind, d.target.region) == ("discipline", "522633")
    d = decide(InboundMessage(id="t", text="州人民医院院长收医药公司回扣，老百姓看病贵得狠"), HOSPITAL)
    assert d.scope is Scope.IN_SCOPE
