"""What an inspected unit's name says about it, for any kind of unit: the system it belongs to, its
trade, and the words in which citizens bring it their own business.

"国家税务总局山西省税务局" is prefix 国家税务总局, region 山西省, trade 税务, ending 局;
"国网福建省电力有限公司" is 国网 / 福建省 / 电力 / 有限公司; "河南省审计厅" has no prefix (a local
government's department).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from routing.divisions import Divisions

__all__ = ["NameParts", "name_parts", "trade_pattern"]

# The generic ending of a unit's name, and what the names of its branches end with.
_ENDINGS: tuple[tuple[str, str], ...] = (
    ("集团有限公司", "公司|集团"),
    ("有限责任公司", "公司"),
    ("有限公司", "公司"),
    ("分公司", "公司"),
    ("公司", "公司"),
    ("集团", "公司|集团"),
    ("局", "局"),
    ("厅", "厅"),
)


@dataclass(frozen=True, slots=True)
class NameParts:
    prefix: str  # the nationwide system before the region's name (国家税务总局, 国网), or ""
    stem: str  # the trade (税务, 电力, 审计)
    branch_ending: str  # an alternation of what its branches' names end with (公司|集团, 局)


def name_parts(name: str, territory: str, divisions: Divisions) -> NameParts | None:
    """The parts of a unit's name around its region's name, or None when it shows no trade."""
    region = divisions.get(territory)
    if region is None:
        return None
    found = [
        (name.find(r), r) for r in sorted({region.name, region.short or ""} - {""}, key=len, reverse=True)
    ]
    at, region_name = next(((a, r) for a, r in found if a >= 0), (-1, ""))
    if at < 0:
        return None
    rest = name[at + len(region_name) :]
    ending = next(((e, alt) for e, alt in _ENDINGS if rest.endswith(e)), None)
    if ending is None or len(rest) == len(ending[0]):
        return None
    return NameParts(name[:at], rest[: -len(ending[0])], ending[1])


# A citizen's own business with a unit of a trade: its fee or meter (电费, 税费, 电表), or a service verb
# right before the trade's first character (停电, 退税, 交税, 纳税, 办税, 供电, 用电, 充电, 欠税), or the
# unit's kind named bare (电子税务局, 电力公司; not 县审计局, another place's namesake).
_SERVICE_BEFORE = "停退交缴纳办供用充欠"
_SERVICE_AFTER = "费表"


def trade_pattern(parts: NameParts | None) -> re.Pattern[str] | None:
    """The words that make an appeal or a suggestion the inspected unit's own business (policy 4.3:
    its own business goes to it), read from its trade: 退税 for a tax bureau, 电费 for a grid company."""
    if parts is None:
        return None
    head = re.escape(parts.stem[0])
    # Every alternative opens with a character (the look-behind after the stem's first one, the class of
    # service verbs written out), so re skips to where a match can begin (13 -> 3 µs a letter).
    bare = f"{head}(?<![省市县区州旗盟乡镇]{head}){re.escape(parts.stem[1:])}(?:{parts.branch_ending})"
    before = "".join(f"|{re.escape(c)}{head}" for c in _SERVICE_BEFORE)
    brands = "".join(f"|{re.escape(b)}" for b in brand_names(parts.prefix))
    return re.compile(f"{bare}{before}|{head}[{_SERVICE_AFTER}]{brands}")


_COMPANY_FORMS = re.compile(r"(?:股份有限公司|有限责任公司|有限公司|集团|股份|公司)$")


def brand_names(prefix: str) -> tuple[str, ...]:
    """The nationwide system's name as its customers say it: 中国石化 and 中石化, 中国石油天然气股份有限公司
    as 中国石油 and 中石油; a branch's customers bring it their business by its brand (中石化的加油卡)."""
    brand = prefix
    while _COMPANY_FORMS.search(brand):
        brand = _COMPANY_FORMS.sub("", brand)
    if not brand.startswith("中国") or len(brand) < 4:
        return ()  # 国网, 国家税务总局: its trade words (电费, 退税) already say it
    short = brand[2:4]
    return tuple(dict.fromkeys((brand, "中国" + short, "中" + short)))


def own_business(
    ranked: list[tuple[str, float]], unit_sector: str | None, trade: re.Pattern[str] | None, text: str
) -> bool:
    """The item is the inspected unit's own business: its department's own sector is among the two the
    evidence points at (不动产证 in a 自然资源和规划局 inspection, whatever the model's lean towards 住建), or
    the text speaks of its trade (退税 to a tax bureau, 电费 to a grid company)."""
    if unit_sector is not None and any(s == unit_sector and v >= 0.2 for s, v in ranked[:2]):
        return True
    return trade is not None and trade.search(text) is not None


# A unit of any kind is headed by its name's last character + 长 (法院: 院长, 海关: 关长, 署: 署长), or a
# commission or committee (卫健委, 管委会) by its 主任.
_HEADED_BY_CHAR = "院局厅行校所站馆社署关"
_COMMITTEE_ENDINGS = ("委", "委员会", "管委会")


def head_titles(name: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The bare titles of a unit's own leaders and the words its people use for it (院里, 本院), read
    from its name: for a unit of a kind no vocabulary of unit_context lists (a court, a customs office)."""
    last = name[-1:]
    common = {"党组书记", "党委书记", "纪检组长", "一把手", "二把手"}
    if last and last in _HEADED_BY_CHAR:
        # 法院二把手 in a court's inspection: its people and citizens call it by its kind alone
        kind = tuple(k for k in ("法院", "检察院") if name.endswith(k))
        words = (last + "里", "本" + last, "我" + last, *kind)
        return frozenset({last + "长", "副" + last + "长"} | common), words
    if name.endswith(_COMMITTEE_ENDINGS):
        return frozenset({"主任", "副主任"} | common), ()
    return frozenset(), ()


def local_names(name: str, territory: str, divisions: Divisions) -> set[str]:
    """A local government's unit without its region's name, as its own citizens say it: 洛阳市教育局
    is 教育局 and 市教育局 in Luoyang (县教育局, 栾川县教育局 are other bodies:
    unit_context.namesakes_dropped)."""
    region = divisions.get(territory)
    if region is None:
        return set()
    for r in sorted({region.name, region.short or ""} - {""}, key=len, reverse=True):
        rest = name[len(r) :]
        if name.startswith(r) and len(rest) >= 3:
            level_word = region.name[-1] if region.name[-1] in "省市州盟县区旗" else ""
            return {rest} | ({level_word + rest} if level_word else set())
    return set()
