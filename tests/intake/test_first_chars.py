"""A pattern made to fail fast finds the same matches (intake/first_chars.py)."""

from __future__ import annotations

import re

import pytest

from intake.first_chars import failing_fast

TEXTS = (
    "洛阳西工分局的局长和涧西公安分局副局长一起吃饭",
    "某支行行长，一个支行的主任，营业部经理",
    "国网郑州供电公司和新郑市供电公司",
    "没有任何单位名称的一句话。",
    "",
)


@pytest.mark.parametrize(
    "source",
    [
        r"(?:西工|涧西|新郑市?)(?:[\u4e00-\u9fff]{0,3}?[公安][\u4e00-\u9fff]{0,3}?)?分(?:局|所)",
        r"(?:(?:郑州|新郑市)(?:二级)?|某|一个|我们)(?:分行|支行)|营业部|网点",
        r"(?:国网)?(?:郑州|新郑市)[\u4e00-\u9fff]{0,3}?供电(?:公司|局)",
    ],
)
def test_the_same_matches_as_the_pattern(source: str) -> None:
    pattern = re.compile(source)
    fast = failing_fast(pattern)
    assert fast.pattern.startswith("(?=[")  # these start with known characters
    for text in TEXTS:
        assert [m.span() for m in fast.finditer(text)] == [m.span() for m in pattern.finditer(text)], text


@pytest.mark.parametrize(
    "source",
    [
        r"[\u4e00-\u9fff]{1,3}局",  # a wide class can begin it
        r"(?:某)?局?",  # it may match the empty string
        r"(?<=市)局长",  # a lookbehind first: not read
        r".局",
    ],
)
def test_a_start_it_cannot_tell_leaves_the_pattern_as_it_is(source: str) -> None:
    pattern = re.compile(source)
    assert failing_fast(pattern) is pattern


def test_an_optional_start_adds_what_may_follow_it() -> None:
    fast = failing_fast(re.compile(r"(?:国网)?郑州供电"))
    assert fast.pattern.startswith("(?=[国郑])")
    assert [m.group() for m in fast.finditer("国网郑州供电和郑州供电")] == ["国网郑州供电", "郑州供电"]
