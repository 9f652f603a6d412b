"""petitioned: the official a letter turns to for help is not the one it accuses. Messages written for
these tests in a citizen's words on situations of our own; none is taken from the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.inspection import Inspection, load_inspection
from intake.models import Category, InboundMessage
from intake.petitioned import petitioned
from intake.pipeline import decide
from intake.structure import Actor, find_structure

EXAMPLES = Path(__file__).resolve().parents[2] / "intake" / "examples"


def _inspection(cache: dict[str, Inspection] = {}) -> Inspection:  # noqa: B006 - a memo
    if "h" not in cache:
        cache["h"] = load_inspection(EXAMPLES / "henan-audit-2016.toml")
    return cache["h"]


def _at(text: str, post: str) -> tuple[int, int]:
    i = text.index(post)
    return i, i + len(post)


@pytest.mark.parametrize(
    ("text", "post"),
    [
        ("菜农们没地方卖菜了，请县长过问一下。", "县长"),
        ("恳请王局长亲自过问一下这件事。", "局长"),
        ("希望李书记为民做主，让拖欠的工钱早点发下来。", "书记"),
        ("拆迁户向区委书记讨个说法：补偿款到现在没有到位。", "区委书记"),
        ("盼望能引起市长的关注。", "市长"),
        ("这是写给一向关心百姓的镇长的一封信。", "镇长"),
        ("我们多次向厂长反映，车间的排风扇坏了没人修。", "厂长"),
        ("求求院长关注一下急诊科的排队问题。", "院长"),
    ],
)
def test_the_official_asked_for_help(text: str, post: str) -> None:
    assert petitioned(text, *_at(text, post)), text


@pytest.mark.parametrize(
    ("text", "post"),
    [
        # the official is the object of the asking: to be dealt with, not asked
        ("请纪委查处刘局长收受红包的问题。", "局长"),
        ("希望上级对镇长的所作所为进行调查。", "镇长"),
        ("向县纪委举报副县长，他在工程上吃回扣。", "副县长"),
        ("请把这个所长撤了。", "所长"),
        # 向 someone with a gift is a gift to him, not a plea
        ("包工头向科长送了两箱茅台。", "科长"),
        # nobody asked
        ("主任把扶贫款转给了他小舅子。", "主任"),
        ("希望院长以后别再收病人家属的红包了。", "院长"),
    ],
)
def test_an_official_not_asked_for_help(text: str, post: str) -> None:
    assert not petitioned(text, *_at(text, post)), text


def test_an_asked_official_is_never_the_one_acting_but_the_official_reported_is() -> None:
    text = "我向县长反映：副县长收了开发商的红包。"
    s, e = _at(text, "县长")
    s2 = text.index("副县长")
    asked = Actor(s, e, "县长", 0, asked=True)
    deputy = Actor(s2, s2 + 3, "副县长", 1)
    vote = find_structure(text, [asked, deputy], plea=False)
    assert vote.accusation and vote.actor is not None and vote.actor.index == 1
    alone = find_structure("我向县长反映：开发商收了我们的定金不退。", [asked], plea=False)
    assert not alone.accusation


@pytest.mark.parametrize(
    "text",
    [
        # a company's or a neighbour's wrong, told to the head of the inspected unit for help
        "厅长您好！我们楼下新开了一家烧烤店，油烟直冲窗户，属违规经营，请厅长过问一下。",
        "厅长您好！小区物业私自把楼顶租给别人装广告牌，这是违规的，请厅长出面协调。",
        # a body slow on the sender's own matter, told to an official asked to help
        "我的退休手续在社保局拖了半年还没办好，恳请县长过问一下，帮我们解决。",
    ],
)
def test_decide_keeps_a_plea_to_an_official_an_appeal(text: str) -> None:
    d = decide(InboundMessage(id="p1", text=text), _inspection())
    assert d.category is Category.APPEAL, d.reasons


def test_decide_still_takes_an_accusation_told_to_the_official_asked() -> None:
    text = "请厅长帮我们查一查：审计厅的一个处长收了被审计企业的购物卡，还让企业报销他的饭钱。"
    d = decide(InboundMessage(id="p2", text=text), _inspection())
    assert d.category is Category.ACCUSATION, d.reasons
    assert d.subject is not None and d.subject.post == "处长"


def test_an_official_a_complaint_goes_through_is_the_one_told() -> None:
    text = "业主们多次通过市长投诉：开发商挪用了小区的维修资金。"
    assert petitioned(text, *_at(text, "市长"))
    other = "他通过副县长的关系拿下了这个工程。"
    assert not petitioned(other, *_at(other, "副县长"))
