"""The subordinate units of an inspected unit that belongs to a nationwide system, read from the
unit's own name, for any kind of unit.

A unit named "<a national body><its region><its trade>" (国家税务总局山西省税务局, 国网福建省电力有限公司,
中国某某集团某省分公司) is that system's branch in the region, under vertical management: the same
system's bodies in places inside its territory are its subordinate units (policy 2, next_principal), and
citizens name them by the place and the trade, often in their own words: 大同市税务局, 国网泉州供电公司,
龙岩供电公司. A unit of a local government (河南省审计厅, 杭州市卫健委) starts with its region's name: the
same trade in a lower place is that place's own body, not a subordinate unit, except a body named a
branch (分局, 分公司) of the unit's trade, which is the unit's own (城东公安分局 of a city 公安局).
"""

from __future__ import annotations

import re

from intake.unit_trade import NameParts

__all__ = ["branch_pattern", "system_team"]

_HAN = "[\u4e00-\u9fff]"


def branch_pattern(parts: NameParts | None, places: list[str], vertical: bool = False) -> str | None:
    """A regular expression for the unit's subordinate units named after a place (escaped `places`,
    the names of the divisions inside its territory), or None when its name shows no trade.

    `vertical`: the inspection file says the unit is a branch of a nationwide system though its name
    does not (广西壮族自治区气象局 inspected by 中国气象局党组's team): its system's bodies in its
    places (钦州市气象局) are its subordinate units, as for a name with the system's prefix."""
    if parts is None or not places:
        return None
    trade = "[" + re.escape("".join(sorted(set(parts.stem)))) + "]"
    where = "(?:" + "|".join(places) + ")"
    # The trade's characters somewhere in at most seven characters between the place and the ending.
    middle = f"{_HAN}{{0,3}}?{trade}{_HAN}{{0,3}}?"
    if parts.prefix or vertical:
        brand = re.escape(parts.prefix[:2])  # 国网, 国家: how the system's bodies are usually prefixed
        return (
            f"(?:{brand})?{where}{middle}(?:{parts.branch_ending})"
            if brand
            else f"{where}{middle}(?:{parts.branch_ending})"
        )
    # 西工分局, 西工公安分局: a branch named by its place alone, or with the unit's trade
    return f"{where}(?:{middle})?分(?:{parts.branch_ending})"


def system_team(parts: NameParts | None, team: str) -> bool:
    """The team belongs to the unit's own nationwide system (中国气象局党组第二巡视组 inspecting
    广西壮族自治区气象局): its name holds the unit's trade with the unit's ending, which a region's
    committee's team (遵义市委第三巡察组) never does."""
    if parts is None or parts.prefix:
        return False
    return any(parts.stem + ending in team for ending in parts.branch_ending.split("|"))
