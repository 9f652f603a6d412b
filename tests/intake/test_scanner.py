"""The scanner reads byte pairs (for speed); it must find exactly what a character automaton finds."""

from __future__ import annotations

from functools import cache
from typing import Any

import ahocorasick

from intake.extraction.scanner import _automaton, _matches, scan

TEXTS = [
    "西虢镇镇长收受红包，县纪委不作为。",
    "😀😀举报西虢镇镇长收受红包🙏，小区电梯坏了。",  # characters beyond the BMP before and between words
    "我是𠀀村村民，村支书挪用扶贫款。",  # a rare Han character (CJK extension B) before words
    "Hi, the 局长 took a bribe; this is not hi.",
    "县长水镇的路灯坏了，schools 学校收费",
    "\ud800孤立的代理项 镇长",  # a lone surrogate (from a JSON escape) must not break anything
    "",
]


@cache
def _reference() -> Any:
    """A character automaton of the same words (as the scanner was before it read byte pairs)."""
    ref = ahocorasick.Automaton()
    for word, layers, _ in _automaton().values():
        ref.add_word(word, (word, layers))
    ref.make_automaton()
    return ref


def _by_characters(text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    if not text:
        return []
    return [(end - len(w) + 1, end + 1, w, layers) for end, (w, layers) in _reference().iter(text)]


def test_byte_pairs_find_what_characters_find() -> None:
    for text in TEXTS:
        assert _matches(text) == _by_characters(text), text


def test_positions_after_emoji_are_character_positions() -> None:
    text = "😀😀举报西虢镇镇长收受红包"
    posts = scan(text)["post"]
    assert [(text[h.start : h.end], h.word) for h in posts] == [("镇长", "镇长")]


def test_ascii_lower_lowers_ascii_capitals_only() -> None:
    """Positions must not move: İ, Σ, the Kelvin sign and full-width Ａ stay; a lone surrogate passes."""
    import re

    from intake.extraction.scanner import _ascii_lower

    for text in ("XX市A区的ABC公司", "İSTANBUL ΣΑΣ \u212a Ａ", "\ud800AB\udfff", "", "abc DEF"):
        assert _ascii_lower(text) == re.sub("[A-Z]+", lambda m: m.group().lower(), text)
