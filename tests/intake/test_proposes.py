"""The rules' suggestion test (policy 3): a proposal on public work, not the sender's own grievance."""

from __future__ import annotations

import pytest

from intake.classify import proposes, signals
from intake.extraction.scanner import scan
from intake.normalise import normalise


def _proposes(text: str) -> bool:
    t = normalise(text)
    return proposes(t, signals(scan(t)))


@pytest.mark.parametrize(
    "text",
    [
        "建议县城公交线路延伸到高铁站，方便外出的群众。",
        "为我市发展建言：建议在城北多建几个街心公园。",  # 我市 is the city, not the sender's own matter
        "老城区一下大雨就积水，严重影响交通，建议结合道路改造实行雨污分流。",  # a public harm
    ],
)
def test_a_proposal_on_public_work_is_a_suggestion(text: str) -> None:
    assert _proposes(text)


@pytest.mark.parametrize(
    "text",
    [
        "建议尽快给我们小区解决停水问题，已经三天没有水了。",  # for the sender: an appeal
        "我家楼下的烧烤摊每天营业到凌晨，严重影响我们休息，建议城管管一管。",  # the sender's own harm
        "建议有关部门督促公司把拖欠的工资发给我们。",
        "我家承包的山林被村里重新分了，没有征求我意见。",  # 意见 alone proposes nothing
    ],
)
def test_the_senders_own_grievance_is_no_suggestion(text: str) -> None:
    assert not _proposes(text)


@pytest.mark.parametrize(
    "text",
    [
        "外省早就推行了夜间急诊挂号网上预约，希望我们这里也尽快实行。",  # 希望 … 实行 a policy
        "请政府考虑在新区增加一条通往火车站的公交线路，谢谢。",  # a body asked to weigh a change
        "退休职工体检的项目太少，能否在明年的体检中调整一下，加一项骨密度检查？",
        "解决停车难，最好的办法就是把老旧厂房改成立体停车场。",
        "社区图书室周末不开门，如果开放时间能够调整到周末，来借书的人会多很多。",
    ],
)
def test_a_proposal_on_policy_without_the_word_jianyi_is_a_suggestion(text: str) -> None:
    assert _proposes(text)


@pytest.mark.parametrize(
    "text",
    [
        "我的社保关系转不过来，能否帮我调整一下缴费基数？",  # a plea for the sender
        "公司拖欠我三个月工资，希望劳动部门尽快落实。",  # the sender's own debt
        "我们小区物业乱收费，请有关部门考虑一下业主的损失，我已经投诉了三次。",
    ],
)
def test_policy_words_in_the_senders_own_grievance_are_no_suggestion(text: str) -> None:
    assert not _proposes(text)


@pytest.mark.parametrize(
    "text",
    [
        "强烈要求今年中考报名实行人脸识别，防止替考。",
        "请市交通局在高峰时段增设两条快线，缓解早高峰的拥挤。",
        "老街口车多人多，应该建一座人行天桥。",
        "婚丧嫁娶燃放大量烟花污染空气，应当禁止。",
        "希望从方便群众出发，把社区医院的门诊时间调整到晚上八点。",
    ],
)
def test_a_demand_for_a_public_measure_is_a_suggestion(text: str) -> None:
    assert _proposes(text)


@pytest.mark.parametrize(
    "text",
    [
        "按照考试院的要求，各县统一报名，我的报名表到现在还没审核。",  # 要求 of a rule, not the sender's
        "我给县里写了一份材料，题目是《关于加强农村道路管护的建议》，想问问现在办到哪一步了？",
        "单位向法院出具了一份建议函，说明他不应承担责任，我们对此不服。",
    ],
)
def test_a_rule_or_a_documents_title_is_not_the_sender_proposing(text: str) -> None:
    assert not _proposes(text)
