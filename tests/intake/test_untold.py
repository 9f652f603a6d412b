"""untold: a conduct word named to be prevented or wished away is not told of anybody. Messages written
for these tests in our own words; none is taken from the data."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.inspection import load_inspection
from intake.models import Category, InboundMessage
from intake.pipeline import decide
from intake.untold import told

EXAMPLES = Path(__file__).resolve().parents[2] / "intake" / "examples"


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("修路的时候要杜绝回扣，把好质量关。", "回扣", False),
        ("希望窗口的办事人员不要借着审批谋取私利。", "谋取私利", False),
        ("要求村里以后不得再截留低保金。", "截留", False),
        ("所长收了回扣，把活给了他表弟。", "回扣", True),
        ("我们不希望看到这样的事：镇长截留了低保金。", "截留", True),
        ("维修早该完工了，不要让它变成谋取私利的生意。", "谋取私利", False),
        ("不能让贪污工程款的局长逍遥法外。", "贪污", True),
    ],
)
def test_told_or_not(text: str, word: str, expected: bool) -> None:
    assert told(text, text.index(word)) is expected, text


@pytest.mark.parametrize(
    "text",
    [
        "我们单位家属院的改造工程进度太慢，希望审计厅的领导加强监管，防止有人借机贪污工程款。",
        "审计厅宿舍楼的外墙维修拖了半年还没完工。审计厅领导应当加强监管，不要让维修变成谋取私利的机会。",
    ],
)
def test_decide_keeps_a_wish_for_clean_officials_no_accusation(text: str) -> None:
    """A slow repair of the sender's own building, with a wish that nobody profit from it: no act is
    told of the unit's leaders, so no accusation, though they are in the inspection's tiers."""
    insp = load_inspection(EXAMPLES / "henan-audit-2016.toml")
    d = decide(InboundMessage(id="u1", text=text), insp)
    assert d.category is not Category.ACCUSATION, d.reasons


@pytest.mark.parametrize(
    "text",
    [
        "我家的宅基地证申请交到镇国土所快一年了，所长一直拖着不办，推来推去，请帮忙解决。",
        "我的失业金在区人社局办了三个月，科长不管不问，窗口说等通知，希望尽快解决。",
        "我们小区的路灯坏了半年，街道办主任不作为，打了几次电话都说报上去了，请求解决。",
    ],
)
def test_a_body_slow_on_the_senders_own_matter_stays_an_appeal(text: str) -> None:
    """Policy 3: the sender's own grievance about a matter is an appeal, even when it blames the
    official who handles it for doing nothing."""
    insp = load_inspection(EXAMPLES / "henan-audit-2016.toml")
    d = decide(InboundMessage(id="u2", text=text), insp)
    assert d.category is Category.APPEAL, d.reasons


def test_inaction_with_a_gain_told_stays_an_accusation() -> None:
    """The plea does not unmake the rest: an official's gain told beside the delay is still reported."""
    insp = load_inspection(EXAMPLES / "henan-audit-2016.toml")
    text = "我的补偿款拖了两年，镇长不管不问，却把补偿款转给了他小舅子的公司，请帮忙解决。"
    d = decide(InboundMessage(id="u3", text=text), insp)
    assert d.category is Category.ACCUSATION, d.reasons


@pytest.mark.parametrize(
    ("text", "word", "expected"),
    [
        ("施工中要杜绝偷工减料、虚报工程量，不搞贪污浪费等腐败行为。", "贪污", False),
        ("防止出现截留挪用扶贫款的现象。", "挪用", False),
        ("为了防止被查，会计把账本烧了，贪污的钱也转走了。", "贪污", True),
    ],
)
def test_an_item_of_a_list_to_prevent_is_not_told(text: str, word: str, expected: bool) -> None:
    assert told(text, text.index(word)) is expected, text
