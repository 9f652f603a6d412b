"""The piecewise NFKC of intake.normalise gives unicodedata's NFKC, character for character."""

from __future__ import annotations

import random
import sys
import unicodedata
from functools import cache

import pytest

from intake.normalise import _starts_alone, nfkc


@cache
def _seconds() -> frozenset[str]:
    """Every character that canonical composition joins to one before it (Unicode's data)."""
    out: set[str] = set()
    for cp in range(sys.maxunicode + 1):
        parts = unicodedata.decomposition(chr(cp)).split()
        if len(parts) == 2 and not parts[0].startswith("<"):
            out.add(chr(int(parts[1], 16)))
    return frozenset(out)


def _begins_alone(ch: str) -> bool:
    """NFKC of `ch` begins with a starter that composes with nothing before it."""
    first = unicodedata.normalize("NFKD", ch)[:1]
    return unicodedata.combining(first) == 0 and first not in _seconds()


def test_inert_characters_are_their_own_nfkc_and_begin_alone() -> None:
    # ASCII and the Han block are left as they are and cut the text into independent pieces.
    for cp in [*range(0x80), *range(0x4E00, 0xA000)]:
        ch = chr(cp)
        assert unicodedata.normalize("NFKC", ch) == ch
        assert _begins_alone(ch), hex(cp)


def test_the_characters_said_to_begin_alone_do() -> None:
    ranges = [(0xA0, 0xFF), (0x2000, 0x206F), (0x3000, 0x3029), (0x3030, 0x303F), (0xFF01, 0xFF5E)]
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            assert _starts_alone(cp)
            assert _begins_alone(chr(cp)), hex(cp)
    # Ones that do not: a combining accent, a Hangul vowel jamo, a combining kana mark.
    assert not any(_starts_alone(c) for c in (0x301, 0x1161, 0x3099, 0x302A))


@pytest.mark.parametrize(
    "text",
    [
        "举报，局长：收受红包！（１２３）",
        "cafe\u0301 咖啡",  # the accent composes with the e before it
        "\u0301开头",
        "\u1100\u1161\u11a8 한국",  # Hangul jamo compose into one syllable
        "か\u3099ガ\uff76\uff9e",  # kana and half-width kana with voicing marks
        "①②　ｆｉ ﬁ ㎏ ℡",
        "",
    ],
)
def test_examples(text: str) -> None:
    assert nfkc(text) == unicodedata.normalize("NFKC", text)


def test_random_mixtures() -> None:
    rng = random.Random(7)
    pools = [
        "举报局长收钱",
        "abcE ",
        "，。：；！？（）“”、　",
        "\u0301\u0308\u0323\u302a\u3099",
        "\u1100\u1161\u11a8\uac00",
        "ｆＡ１ﬁ①㎏かカｶﾞ",
        "é\u00a0\u2026\u2002",
    ]
    alphabet = "".join(pools)
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12)))
        assert nfkc(text) == unicodedata.normalize("NFKC", text), [hex(ord(c)) for c in text]
