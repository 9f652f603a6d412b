"""Posts typed in pinyin (a phone without Chinese input, or one that lost it mid-word).

One table of posts by their syllables serves three readings:
- a post right after Chinese (市委fu shu ji, 镇zhang) is the post in characters;
- a post among other pinyin words of a text partly in characters (Yubei qu wei shu ji Tan …的亲戚,
  caizhengju juzhang 每周…) is the post in characters; a bare "zhang" (a surname as often) is not;
- a text written mostly in Latin letters that names a post (shenjiting de fu tingzhang …) names an
  official the decision cannot place, so the officer decides (intake.pipeline).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Posts by their syllables, as a phone's user types them (with or without the spaces).
_POSTS = {
    "shu ji": "书记",
    "shi zhang": "市长",
    "xian zhang": "县长",
    "zhen zhang": "镇长",
    "xiang zhang": "乡长",
    "qu zhang": "区长",
    "ju zhang": "局长",
    "ting zhang": "厅长",
    "chu zhang": "处长",
    "ke zhang": "科长",
    "cun zhang": "村长",
    "zhu ren": "主任",
    "xiao zhang": "校长",
    "yuan zhang": "院长",
    "guan zhang": "馆长",
    "qi zhang": "旗长",
    "suo zhang": "所长",
    "zhan zhang": "站长",
    "dui zhang": "队长",
}
# Words that tell a Latin text names an official, though they are not read as a post of a body.
_OFFICIAL_WORDS = (
    "zhi shu",
    "zong jing li",
    "dong shi zhang",
    "zong shen ji shi",
    "bu zhang",
    "lingdao",
    "gan bu",
    "chang wei",
    "hang zhang",
)


def _alternatives(words: Iterable[str]) -> str:
    """Each word's syllables with or without the space between them, as alternatives."""
    return "|".join(w.replace(" ", " ?") for w in words)


# Right after Chinese, a bare zhang is a post only after a body's last character (镇zhang, 局 zhang).
_AFTER_HAN = re.compile(
    rf"(?<=[\u4e00-\u9fff]) ?(fu ?)?({_alternatives(_POSTS)}|"
    r"(?<=[镇乡县市区局厅村省校院处科所站队] )zhang|(?<=[镇乡县市区局厅村省校院处科所站队])zhang)(?![a-z])",
    re.IGNORECASE,
)
_ALONE = re.compile(rf"(?<![A-Za-z])(fu ?)?({_alternatives(_POSTS)})(?![A-Za-z])", re.IGNORECASE)
_NAMES_OFFICIAL = re.compile(rf"\b(?:fu ?)?(?:{_alternatives([*_POSTS, *_OFFICIAL_WORDS])})\b")
_IN_CHARACTERS = {k.replace(" ", ""): v for k, v in _POSTS.items()} | {"zhang": "长"}
_ASCII_LETTER = re.compile(r"[A-Za-z]")  # every post the patterns read has some
_HAN = re.compile(r"[\u4e00-\u9fff]")


def _in_characters(m: re.Match[str]) -> str:
    return ("副" if m.group(1) else "") + _IN_CHARACTERS[m.group(2).lower().replace(" ", "")]


def pinyin_posts(text: str) -> str:
    """A normalised text with posts typed in pinyin written in characters (for the decision's
    reading; the model's training text is left as normalise() gives it)."""
    if text.isascii() or _ASCII_LETTER.search(text) is None:
        return text
    # Every post either pattern reads has zhang, shu or zhu (the text is NFKC: no ſ or Kelvin sign for
    # IGNORECASE to fold): the test spares most texts both regexes, 100 µs a letter with any Latin letter.
    if not _syllables(text):
        return text
    text = _AFTER_HAN.sub(_in_characters, text)
    if not _syllables(text) or _HAN.search(text) is None:
        return text
    return _ALONE.sub(_in_characters, text)


def _syllables(text: str) -> bool:
    lower = text.lower()
    return "zhang" in lower or "shu" in lower or "zhu" in lower


def mostly_latin(text: str) -> bool:
    """Written mostly in Latin letters (pinyin, English): two thirds of the characters ASCII."""
    return len(text.encode("ascii", "ignore")) * 3 >= 2 * len(text)


def pinyin_official(text: str) -> bool:
    """A text mostly in Latin letters that names a post or an official in pinyin."""
    return mostly_latin(text) and _NAMES_OFFICIAL.search(text.lower()) is not None
