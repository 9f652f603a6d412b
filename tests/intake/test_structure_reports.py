"""structure: an explicit report aimed at officials the sender only describes (个别领导, 当官的), and a
relative's post that is no favour. Messages written for these tests in our own words; none is taken
from the data."""

from __future__ import annotations

import pytest

from intake.structure import BY_BODY, Actor, find_structure
from intake.structure_body import BODY_INDEX
from intake.structure_duty import described_reported


@pytest.mark.parametrize(
    ("text", "who"),
    [
        ("对于在分房中做手脚的个别领导，我们一定要实名举报。", "个别领导"),
        ("针对那些吃拿卡要的当官的，大家应该站出来检举。", "当官的"),
        ("我今天实名举报我们镇上的几个村干部。", "村干部"),
    ],
)
def test_a_report_aimed_at_described_officials_is_an_accusation(text: str, who: str) -> None:
    assert described_reported(text) is not None
    vote = find_structure(text, [], plea=False)
    assert vote.accusation, text
    assert vote.actor is not None and vote.actor.index == BODY_INDEX and vote.actor.label == who
    assert vote.kinds == [BY_BODY, "report"]
    assert vote.disciplines == []


@pytest.mark.parametrize(
    "text",
    [
        # a channel, not a report; a report of a shop; a report with nobody described
        "我打了举报电话找有关领导，到现在也没人回。",
        "我要举报小区门口的饭店油烟扰民。",
        "我已经向区里举报了，希望尽快处理。",
        # a plea for the sender's own matter is no report of anybody
        "对于我家的低保，请有关领导尽快审批。",
    ],
)
def test_no_report_of_described_officials(text: str) -> None:
    assert not find_structure(text, [], plea=False).accusation, text


def test_a_plea_is_not_made_a_report() -> None:
    text = "我想跟有关领导说说：请举报中心的领导帮我查一下我的举报进度，我只想要回我的押金。"
    assert not find_structure(text, [], plea=True).accusation


@pytest.mark.parametrize(
    "text",
    [
        "村主任说了，我老父亲当了半辈子护林员，哪懂这些手续。",
        "镇长跟我说，他母亲被安排进了养老院，他也放心了。",
    ],
)
def test_a_parents_life_is_no_favour_in_appointments(text: str) -> None:
    post = "村主任" if "村主任" in text else "镇长"
    i = text.index(post)
    vote = find_structure(text, [Actor(i, i + len(post), post, 0)], plea=False)
    assert "favour_kin" not in vote.kinds, vote.acts


def test_a_child_given_a_post_is_still_favour() -> None:
    text = "局长的女儿去年被安排进了局里当科员。"
    vote = find_structure(text, [Actor(0, 2, "局长", 0)], plea=False)
    assert "favour_kin" in vote.kinds, vote.acts


@pytest.mark.parametrize(
    ("text", "post"),
    [
        ("客运站的站长默许无证的黑车进站拉客，每天几十趟。", "站长"),
        ("市场办主任纵容违规经营的摊位占道，谁说都不听。", "主任"),
        ("镇长批准了那家违法采砂的船继续开工。", "镇长"),
    ],
)
def test_an_official_shielding_what_is_unlawful_abuses_the_post(text: str, post: str) -> None:
    i = text.index(post)
    vote = find_structure(text, [Actor(i, i + len(post), post, 0)], plea=False)
    assert vote.accusation and "abuse" in vote.kinds, vote.acts


def test_a_body_acting_on_what_is_unlawful_is_the_senders_matter() -> None:
    """Asking an official to act against it, or the body failing to, is the sender's appeal."""
    text = "请站长把无证的黑车清理出去，我们排队的乘客都被抢了生意。"
    i = text.index("站长")
    vote = find_structure(text, [Actor(i, i + 2, "站长", 0)], plea=False)
    assert not vote.accusation, vote.acts
