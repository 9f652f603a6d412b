"""structure_duty: a public employee's own business, and an act told of a vague someone after officials
were named (the writer does not know which of them)."""

from __future__ import annotations

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
