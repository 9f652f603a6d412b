"""structure_duty: a public employee's own business, and an act told of a vague someone after officials
were named (the writer does not know which of them)."""

from __future__ import annotations

from pathlib import Path

from intake.structure import Actor, find_structure


def test_an_official_running_a_business_is_an_act() -> None:
    text = "水利局副局长在职期间违规经商办企业，工地上的砂石都是他的公司供的。"
    vote = find_structure(text, [Actor(3, 6, "副局长", 0)], plea=False)
    assert vote.accusation
    assert "business" in vote.kinds


def test_holding_hidden_shares_is_an_act() -> None:
    text = "听说镇长在本地的采石场里入了暗股，每年分红不少。"
    vote = find_structure(text, [Actor(2, 4, "镇长", 0)], plea=False)
    assert "business" in vote.kinds


def test_a_business_with_no_official_is_no_act() -> None:
    assert not find_structure("我想经商办企业，营业执照怎么办理？", [], plea=False).accusation


def test_money_gone_into_some_peoples_pockets_refers_to_the_cadres_named_before() -> None:
    text = "去年村干部说修路每户有补助。到现在一分钱没见到，补助款都进了某些人的腰包。"
    vote = find_structure(text, [Actor(2, 5, "村干部", 0)], plea=False)
    assert vote.accusation
    assert vote.acts[0].kind == "funds" and vote.acts[0].actor.label == "村干部"


def test_a_vague_someone_with_no_official_named_before_is_nobody() -> None:
    text = "小区门口的路灯坏了。补助款都进了某些人的腰包，说是这么说，谁也不知道。"
    vote = find_structure(text, [Actor(30, 32, "局长", 0)], plea=False)  # named only after the act
    assert not any(a.kind == "funds" for a in vote.acts)


def test_collective_land_let_without_the_villagers_consent_is_an_act() -> None:
    text = "上个月村主任没有经过村民大会讨论，就把村里的鱼塘租给了外地老板。"
    vote = find_structure(text, [Actor(3, 6, "村主任", 0)], plea=False)
    assert "dispose" in vote.kinds


def test_property_sold_in_secret_is_an_act() -> None:
    text = "我们组的组长私自卖掉了集体的林木，钱去了哪里谁也不知道。"
    vote = find_structure(text, [Actor(4, 6, "组长", 0)], plea=False)
    assert "dispose" in vote.kinds


def test_a_lease_the_villagers_agreed_to_is_no_act() -> None:
    text = "村主任经过村民大会表决同意后，把荒山承包给了种果树的大户。"
    assert "dispose" not in find_structure(text, [Actor(0, 3, "村主任", 0)], plea=False).kinds


def test_pay_for_years_of_absence_told_at_length_is_an_act() -> None:
    text = "镇中心校的副校长人在外地做生意，吃了好几年的空饷。"
    vote = find_structure(text, [Actor(5, 8, "副校长", 0)], plea=False)
    assert any(a.kind == "funds" and "空饷" in a.words for a in vote.acts)


def test_community_cadres_named_as_a_group_are_officials_who_can_act() -> None:
    from intake.inspection import load_inspection
    from intake.models import Category, InboundMessage
    from intake.pipeline import decide

    examples = Path(__file__).resolve().parents[2] / "intake" / "examples"
    insp = load_inspection(examples / "henan-audit-2016.toml")
    d = decide(InboundMessage(id="t", text="小区的社区干部利用职权，把廉租房名额分给了自己的亲戚。"), insp)
    assert d.category is Category.ACCUSATION
    assert any(g.code == "decided_by" and g.args["by"] in ("structure", "both") for g in d.grounds)


def test_a_false_certificate_an_official_issued_does_not_clear_him() -> None:
    issued = "院长让办公室给检察院出具了一份不实证明，替犯事的分院长开脱。"
    assert find_structure(issued, [Actor(0, 2, "院长", 0)], plea=False).against is None
    cleared = "有人说院长收了钱，经组织调查，举报不实。"
    assert find_structure(cleared, [Actor(3, 5, "院长", 0)], plea=False).against == "praise"
