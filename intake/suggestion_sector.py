"""When a suggestion is one sector's matter, so that it goes to that sector's department (谁主管、谁负责)
rather than to the inspected unit or the 信访局 (policy 4.4).

The combined sector evidence (`vote.combine_sectors`: the model's sector probability plus the
lexicon's share) must lead clearly, and the words must not point at two sectors at once. The model's
lean alone is weaker evidence on a suggestion than on an appeal (it learned sectors mostly from
appeals), so the bar is lower only when the words also name the top sector's matter.
"""

from __future__ import annotations

from collections import Counter

# The combined evidence a suggestion's top sector needs on the model's lean alone ...
SUGGESTION_SECTOR = 0.4
# ... and when the words name that sector's matter too. Out of fold (`petition model evaluate`), 0.4
# for both: real messages to their department 0.825, labelled targets 1476/1792; 0.3 for both: 0.827,
# 1481, but a model-only lean of 0.38 sent 办事大厅 to 人社 on a released dev set.
SUGGESTION_SECTOR_NAMED = 0.3
# Combined evidence at which the words' pointing at a second sector too no longer matters.
SUGGESTION_SECTOR_STRONG = 0.6


def clear_lead(top: float, second: float) -> bool:
    """One sector's matter: it leads 3 to 1, or 2 to 1 with strong evidence."""
    return (top >= 3 and 3 * second <= top) or (top >= 5 and 2 * second <= top)


def lexicon_agrees(sectors: Counter[str]) -> bool:
    """The words do not point at two sectors at once (文化广场: housing and culture)."""
    ranked = sorted(sectors.values(), reverse=True)
    return len(ranked) < 2 or ranked[1] == 0 or clear_lead(ranked[0], ranked[1])


def one_sectors_matter(ranked: list[tuple[str, float]], sectors: Counter[str]) -> bool:
    """A suggestion whose top sector (`ranked`: combined evidence, best first) is one sector's matter."""
    top, score = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    floor = SUGGESTION_SECTOR_NAMED if sectors.get(top, 0) > 0 else SUGGESTION_SECTOR
    # A long letter's words touch several sectors (a school's canteen: education and market); when the
    # combined evidence, which already weighs the words, leads strongly, that is no doubt of its sector.
    strong = score >= SUGGESTION_SECTOR_STRONG and score >= 2 * second
    return score >= floor and (strong or lexicon_agrees(sectors))
