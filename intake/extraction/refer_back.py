"""A post named again with a demonstrative (这个常委, 该局长, 那位书记) is the official named before, not a
new one: "长春市委一个常委的弟弟…都是这个常委打的招呼" names one 长春 official, not a second 常委 that the
reader would otherwise place, by default, in the inspected region."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # subjects.py calls this module: the type only, to avoid an import cycle
    from intake.extraction.subjects import Body

__all__ = ["refer_back"]

# Right before the post, possibly with a measure word: 这个, 这位, 该, 那名, 此, 上述, 这个副.
_DEMONSTRATIVE = re.compile(r"(?:这|那|该|此|上述|前述|上面说的)(?:个|位|名|一位|一个)?$")


def refer_back(bodies: list[Body], text: str) -> list[Body]:
    """Each post led by a demonstrative and placed by nothing in the text takes the body of the
    nearest earlier mention of the same title (or of a longer title ending with it: 市委常委, 常委)."""
    out: list[Body] = []
    for b in bodies:
        if b.implicit and _DEMONSTRATIVE.search(text, max(0, b.start - 6), b.start):
            earlier = next(
                (e for e in reversed(out) if e.end <= b.start and not e.implicit and e.post.endswith(b.post)),
                None,
            )
            if earlier is not None:
                b = replace(earlier, post=b.post, start=b.start, end=b.end, addressee=False)
        out.append(b)
    return out
