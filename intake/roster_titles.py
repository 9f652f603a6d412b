"""The roster's people as citizens name them: by full name (覃志成), or by surname and title (覃局长,
韦组长, 黎副局长), the everyday way to speak of a leader.

The inspection file lists who holds which post; a surname followed by the end of one of that person's
posts is that person, when no one else on the roster has the same surname and such a post, and when
it is not the greeting of a letter (尊敬的刘厅长：您好).
"""

from __future__ import annotations

from functools import lru_cache

from intake.extraction.scanner import Hit
from intake.extraction.subjects import addressed
from intake.models import Tier
from intake.unit_context import find_all

__all__ = ["roster_mentions"]

_MIN_TITLE = 2  # 长 or 记 alone names no post


def roster_mentions(text: str, roster: tuple[tuple[str, str, Tier], ...]) -> list[Hit]:
    """Hits of the roster's people (word: the full name), by full name or by surname and title."""
    hits = find_all(text, tuple(n for n, _, _ in roster), "roster")
    for call, name in _calls(roster):
        if call[0] not in text:
            continue
        start = text.find(call)
        while start != -1:
            end = start + len(call)
            # 尊敬的刘厅长：您好 greets the reader of a letter to a board, not someone reported
            overlaps = any(h.start < end and start < h.end for h in hits)
            taken = overlaps or _word_goes_on(call, text[end : end + 1])
            greeted = addressed(text, Hit(start, end, "post", call)) or text[start - 1 : start] == "致"
            if not taken and not greeted:
                hits.append(Hit(start, end, "roster", name))
            start = text.find(call, end)
    return sorted(hits, key=lambda h: h.start)


_SHORT_CALLS = (("总", ("总经理", "总会计师", "总工程师", "总经济师", "总裁", "总监")), ("董", ("董事长",)))


@lru_cache(maxsize=64)
def _calls(roster: tuple[tuple[str, str, Tier], ...]) -> tuple[tuple[str, str], ...]:
    """(surname + title, full name) for each title only one person on the roster can be called by,
    longest first."""
    by_call: dict[str, dict[str, None]] = {}  # a call and the names answering to it, in roster order
    for name, post, _ in roster:
        titles = [
            part[i:]
            for part in post.replace("，", "、").replace(",", "、").split("、")
            for i in range(len(part) - _MIN_TITLE + 1)
        ]
        # 邓总, 彭总: in an enterprise, whoever holds a 总 post (总经理, 副总经理, 总会计师, 总工程师) is
        # called by surname and 总; a 董事长 by surname and 董.
        titles += [short for short, marks in _SHORT_CALLS if any(m in post for m in marks)]
        for title in titles:
            by_call.setdefault(name[0] + title, {})[name] = None
    # a call two people could answer to is left to the officer
    unique = [(call, next(iter(names))) for call, names in by_call.items() if len(names) == 1]
    return tuple(sorted(unique, key=lambda c: len(c[0]), reverse=True))


# 王总是, 李董事: the colloquial 总 or 董 that is the first character of a longer word
_GOES_ON = {"总": "是算共结之体数额量部局队站监裁", "董": "事"}


def _word_goes_on(call: str, after: str) -> bool:
    return bool(after) and after in _GOES_ON.get(call[-1], "")
