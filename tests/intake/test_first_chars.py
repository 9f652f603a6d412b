"""A pattern made to fail fast finds the same matches (intake/first_chars.py)."""

from __future__ import annotations

import re

import pytest

from intake.first_chars import failing_fast, opening_words

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


OPENING_TEXTS = (
    "他结婚的时候摆了六十桌，大操大办，婚宴请了全村",
    "查账之前把凭证销毁了，检查组来前统一口径",
    "发了钱让大家投他的票；给红包选他",
    "违规经商，占了暗股，持有暗股",
    "",
)


@pytest.mark.parametrize(
    ("source", "written"),
    [
        (
            r"(?:结婚|婚宴)[^。]{0,16}?(?:摆|请)|大操大办",
            r"结婚[^。]{0,16}?(?:摆|请)|婚宴[^。]{0,16}?(?:摆|请)|大操大办",
        ),
        (
            r"(?:查账|检查)[^。]{0,8}?(?:销毁|统一口径)",
            r"查账[^。]{0,8}?(?:销毁|统一口径)|检查[^。]{0,8}?(?:销毁|统一口径)",
        ),
        (
            r"(?:发|给)(?<!还给)[^。；]{0,10}?(?:钱|红包)",
            r"发(?<!还给)[^。；]{0,10}?(?:钱|红包)|给(?<!还给)[^。；]{0,10}?(?:钱|红包)",
        ),
    ],
)
def test_opening_words_written_out(source: str, written: str) -> None:
    assert opening_words(source) == written
    pattern, out = re.compile(source), re.compile(written)
    for text in OPENING_TEXTS:
        assert [m.span() for m in out.finditer(text)] == [m.span() for m in pattern.finditer(text)], text


@pytest.mark.parametrize(
    "source",
    [
        r"(?:入|持有?|占)了?暗股",  # a word with a metacharacter
        r"(?:结婚|婚宴)?办酒",  # an optional group
        r"(?:结婚|婚宴)(?P<what>摆|请)",  # a capturing group in the rest
        r"(?:结婚|婚宴)(摆)\1",  # a back-reference
        r"[(|]|(?:a|b)",  # a | inside a class is not an alternative's end (and the rest is empty)
    ],
)
def test_opening_words_leaves_what_it_cannot_write_out(source: str) -> None:
    written = opening_words(source)
    assert written in (source, r"[(|]|a|b")
    pattern, out = re.compile(source), re.compile(written)
    for text in (*OPENING_TEXTS, "a(b|", "婚宴摆摆"):
        assert [m.span() for m in out.finditer(text)] == [m.span() for m in pattern.finditer(text)], text


def test_the_acts_open_with_their_characters() -> None:
    """Every act pattern of intake.structure but one opens with characters re can skip to."""
    from re import _compiler as sc  # type: ignore[attr-defined]
    from re import _parser as sp  # type: ignore[attr-defined]

    from intake.structure import _ACTS

    def prefixed(p: re.Pattern[str]) -> bool:
        tree = sp.parse(p.pattern, p.flags)
        return bool(sc._get_literal_prefix(tree, p.flags)[0] or sc._get_charset_prefix(tree, p.flags))

    assert sum(not prefixed(p) for _, p in _ACTS) <= 1
