"""A post attached to the inspected unit's division across the filler of everyday speech:
"省局纳税服务处有个年轻科员", "局里办公室里有一名干部", "公司物资部的一个小经理". The body is the division
named right after the unit's own name, though the words between them and the post are too many for the
chain of context words (subjects._MAX_GAP) and the division's name is in no lexicon."""

from __future__ import annotations

import re

from intake.extraction.scanner import Hit

__all__ = ["division_across_filler"]

# After the unit's name: a division's name (up to 10 characters ending like one), then an everyday
# filler (有个, 有一名, 的一个, 里有个, 新来的) with at most two describing characters (年轻, 姓王的).
_DIVISION_THEN_FILLER = re.compile(
    r"^的?[\u4e00-\u9fff]{1,10}?(?:处|科|室|股|所|队|中心|大厅|部|办)"
    r"(?:里|里面|下面)?(?:有个|有一个|有一名|有一位|有位|有名|的一个|的一名|的一位|的|新来的|一个|一名|一位)"
    r"[\u4e00-\u9fff]{0,3}$"
)


def division_across_filler(text: str, post_start: int, targets: list[Hit]) -> bool:
    """Whether the post is held in a division of the inspected unit named right after the unit's own
    name (a target hit earlier in the same clause) with everyday filler before the post."""
    for t in targets:
        if t.layer == "target" and t.end < post_start and post_start - t.end <= 20:
            between = text[t.end : post_start]
            if not any(c in between for c in "，。！？；,.!?;\n") and _DIVISION_THEN_FILLER.match(between):
                return True
    return False
