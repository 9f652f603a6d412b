"""Whose post, round two (issue 12, items 2 and 5): posts the reading missed, a price asked inside the
sender's own request, and what an accusation costs when its subject was never read.

The inspections are the invented ones of `test_who_unplaced` (a city water bureau, a township, a
county-level city), none of them a corpus set's kind.
"""

from __future__ import annotations

import pytest

from intake.models import Category, Decision, InboundMessage, Scope, Tier
from intake.pipeline import decide
from tests.fakes.textmodel import FakeTextModel
from tests.intake.test_who_unplaced import _decide, _inspection

# A model that reads the sender's own request as an appeal: the structure must find the accusation.
_APPEAL = FakeTextModel(categories={Category.APPEAL: 0.9, Category.ACCUSATION: 0.1})


def _decide_appeal(key: str, text: str) -> Decision:
    return decide(InboundMessage(id="t", text=text), _inspection(key), model=_APPEAL)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("township", "始阳镇党委宣传委员把镇里的宣传经费拿去给自己家装修"),
        ("township", "镇党委组织委员提拔干部都要收钱"),
    ],
)
def test_a_party_committee_member_called_by_his_charge_is_its_leadership(key: str, text: str) -> None:
    d = _decide(key, text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.tier is Tier.LEADERSHIP


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("tengzhou", "滕州市政协主壬在换届时请委员吃饭送红包"),
        ("water", "市水利局的主仁收了包工头的钱"),
        ("water", "市水利局的副主壬收了包工头的钱"),
    ],
)
def test_zhuren_typed_by_ear_is_read_as_zhuren(key: str, text: str) -> None:
    d = _decide(key, text)
    assert d.scope is Scope.IN_SCOPE
    assert d.subject is not None and d.subject.post is not None and d.subject.post.endswith(("主仁", "主壬"))


@pytest.mark.parametrize(
    ("key", "text"),
    [
        # a price in the official's words, then the sender asks about the own matter
        (
            "township",
            "我家低保一直批不下来，去镇上问，副镇长说要先拿两条烟过去才好办，我想问问巡察组，低保到底怎么才能批？",
        ),
        ("water", "我们申请取水许可半年了，水利局的副局长说给他五千块就能批，我想问一下这样合法吗"),
        # a meal as the price
        ("water", "取水许可半年了还压着，科里的人说找他们局长吃顿饭就好办了，我就想问问这事啥时候能办？"),
    ],
)
def test_a_price_asked_by_an_official_in_the_senders_own_matter_is_an_accusation(key: str, text: str) -> None:
    d = _decide_appeal(key, text)
    assert d.category is Category.ACCUSATION
    assert d.scope is Scope.IN_SCOPE
    assert next(g.args["by"] for g in d.grounds if g.code == "decided_by") == "structure"


def test_a_question_about_the_act_itself_still_holds_it_back() -> None:
    d = _decide_appeal("township", "我家低保一直批不下来，我想问问副镇长是不是收了钱？")
    assert d.category is not Category.ACCUSATION


@pytest.mark.parametrize(
    ("key", "text"),
    [
        ("tengzhou", "今年的退耕还林补助市林业局局长那边一直拖着不发，听说钱拿去垫了别的工程"),
        ("water", "水利局副局长那边的移民扶持金一直不发，听说钱被挪去还了局里的欠账"),
    ],
)
def test_money_owed_put_to_another_use_by_an_official_is_misuse_of_funds(key: str, text: str) -> None:
    d = _decide_appeal(key, text)
    assert d.category is Category.ACCUSATION
    assert d.scope is Scope.IN_SCOPE


def test_the_senders_own_money_put_to_another_use_is_no_accusation() -> None:
    d = _decide_appeal("tengzhou", "我把钱拿去还了房贷，现在交不起学费，希望政府帮帮忙")
    assert d.category is Category.APPEAL
