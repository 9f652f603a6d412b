"""Heads named after their body: 气象台的台长, 立案庭庭长, 博物馆馆长, 水文站副站长.

Chinese names a body's head by the body's last character and 长, whatever the kind of body; the post
lexicon lists the common ones (局长, 所长, 站长), but not those of every kind of unit a team may inspect
(台长 of a meteorological station, 场长 of a forest farm). A title "<c>长" right after a body's name
ending with the same character <c> is that body's head, wherever the lexicon has no such post.
"""

from __future__ import annotations

import re

from intake.extraction.lexicons import PostEntry, load_lexicons
from intake.extraction.scanner import Hit

__all__ = ["post_entry", "with_headed_titles"]

# <name ending with c><filler>(副)c长, c one or two characters (气象台…台长, 南京监狱的监狱长); at least
# one character of the name before c.
_HEADED = re.compile(
    r"[\u4e00-\u9fff](?P<c>[\u4e00-\u9fff]{1,2}?)(?:的|那个|这个|一个|有个|有一个|里的|的那个)?"
    r"(?P<title>副?(?P=c)长)$"
)
_WINDOW = 12
# 家长 (a parent), 学长 (a senior student), 兄长: no body's head.
_NOT_BODIES = frozenset("家学兄师班组")


def with_headed_titles(text: str, posts: list[Hit]) -> list[Hit]:
    """The lexicon's post hits and the heads named after their body that no post hit covers."""
    lexicon = load_lexicons().posts
    extra: list[Hit] = []
    at = text.find("长")
    while at != -1:  # only around each 长 (a regex over the whole text cost 70 µs a real letter)
        m = _HEADED.search(text, max(0, at - _WINDOW), at + 1)
        at = text.find("长", at + 1)
        if m is None:
            continue
        start, end = m.span("title")
        word = m.group("title")
        if m.group("c")[-1] in _NOT_BODIES or word in lexicon:
            continue
        if any(p.start < end and start < p.end for p in posts):
            continue
        extra.append(Hit(start, end, "post", word))
    if not extra:
        return posts
    return sorted(posts + extra, key=lambda h: h.start)


def post_entry(word: str) -> PostEntry:
    """The lexicon's entry for a post, or a head's (or deputy head's) for a title named after a body."""
    entry = load_lexicons().posts.get(word)
    if entry is not None:
        return entry
    return PostEntry(word, "org_deputy" if word.startswith("副") else "org_head", "")
