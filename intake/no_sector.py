"""Matters that belong to a body none of policy 4.3's sectors names, so that an appeal about them goes to
the 信访局 of the place ("when no sector fits, `petition`"): a veteran's resettlement and 优抚 are the
退役军人事务局's, neither 民政's nor 人社's since 2018, whatever the model's lean from the words 安置 or 待遇.
"""

from __future__ import annotations

import re

__all__ = ["unlisted_matter"]

# A veteran named as such (the sender or a relative), and the veteran's own matter.
_VETERAN = re.compile(
    r"退役军人|退伍军人|退役士兵|退伍士兵|退伍兵|退役兵|退伍老兵|老兵|复员军人|转业军人|军转干部|参战|从部队退"
)
_MATTER = re.compile(r"安置|优抚|待遇|补助|补贴|抚恤|伤残|岗位|工作")


def unlisted_matter(text: str) -> str | None:
    """The words of a matter no listed department handles, or None."""
    veteran = _VETERAN.search(text)
    if veteran is None:
        return None
    matter = _MATTER.search(text)
    return f"{veteran.group(0)}、{matter.group(0)}" if matter is not None else None
