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
