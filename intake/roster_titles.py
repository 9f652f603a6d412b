"""The roster's people as citizens name them: by full name (覃志成), or by surname and title (覃局长,
韦组长, 黎副局长), the everyday way to speak of a leader.

The inspection file lists who holds which post; a surname followed by the end of one of that person's
posts is that person, when no one else on the roster has the same surname and such a post, and when
it is not the greeting of a letter (尊敬的刘厅长：您好).
"""

from __future__ import annotations

from intake.extraction.scanner import Hit
from intake.extraction.subjects import addressed
from intake.models import Tier
from intake.unit_context import find_all

__all__ = ["roster_mentions"]

_MIN_TITLE = 2  # 长 or 记 alone names no post


def roster_mentions(text: str, roster: tuple[tuple[str, str, Tier], ...]) -> list[Hit]:
    """Hits of the roster's people (word: the full name), by full name or by surname and title."""
    hits = find_all(text, tuple(n for n, _, _ in roster), "roster")
    by_call: dict[str, list[str]] = {}
    for name, post, _ in roster:
        for part in post.replace("，", "、").replace(",", "、").split("、"):
            for i in range(len(part) - _MIN_TITLE + 1):
                calls = by_call.setdefault(name[0] + part[i:], [])
                if name not in calls:
                    calls.append(name)
    for call, names in sorted(by_call.items(), key=lambda kv: len(kv[0]), reverse=True):
        if len(names) != 1:
            continue  # two people the call could be: the officer reads the text
        start = text.find(call)
        while start != -1:
            end = start + len(call)
            # 尊敬的刘厅长：您好 greets the reader of a letter to a board, not someone reported
            taken = any(h.start < end and start < h.end for h in hits)
            greeted = addressed(text, Hit(start, end, "post", call)) or text[start - 1 : start] == "致"
            if not taken and not greeted:
                hits.append(Hit(start, end, "roster", names[0]))
            start = text.find(call, end)
    return sorted(hits, key=lambda h: h.start)
