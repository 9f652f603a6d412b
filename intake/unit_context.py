"""What decide() needs from an inspection, computed once per inspection: the target's names and
territory, the roster, and for a unit inspection the words its own people use for it and its posts
(集团, 学校, 局里; 副总经理, 校长; 处长 of its divisions; 蜀通建材公司 as a subordinate unit).
"""

from __future__ import annotations

import re
from functools import lru_cache

from intake.branch_units import branch_pattern, system_team
from intake.extraction.lexicons import load_lexicons
from intake.extraction.places import Place
from intake.extraction.scanner import Hit
from intake.extraction.subjects import Context
from intake.first_chars import failing_fast
from intake.inspection import Inspection
from intake.models import SECTORS
from intake.unit_services import service_pattern
from intake.unit_trade import head_titles, local_names, name_parts, trade_pattern
from intake.where import Compiled
from routing.divisions import Divisions, load_divisions

__all__ = ["compile_inspection", "find_all", "namesakes_dropped", "subunits", "unit_words"]


@lru_cache(maxsize=64)
def compile_inspection(inspection: Inspection) -> Compiled:
    """The per-inspection context: target names, territory, roster (cached)."""
    divisions = load_divisions()
    t = inspection.target
    territory = divisions.current_code(t.region) or t.region
    names = tuple(sorted({t.name, *t.aliases}, key=len, reverse=True))
    unit = t.type == "unit"
    if unit:
        # 省审计厅 and 河南省审计厅 name the same unit as 审计厅.
        extra = {("省" + n) for n in names if not n.startswith(("省", "市", "县"))}
        prov = divisions.get(territory)
        if prov is not None:
            extra |= {prov.name + n for n in names}
        if t.name.endswith(_BANK[1:]) and prov is not None:
            # 陕西分行, 陕西省分行, 省分行: what its staff and customers call a bank's provincial branch
            level_word = {"province": "省", "city": "市"}.get(t.level, "")
            short = {prov.name, prov.short or prov.name}
            extra |= {w + "分行" for w in short} | ({level_word + "分行"} if level_word else set())
        names = tuple(
            sorted(set(names) | extra | local_names(t.name, territory, divisions), key=len, reverse=True)
        )
    titles, words = _unit_vocabulary(t.name) if unit else (frozenset(), ())
    if unit and not titles:
        titles, words = head_titles(t.name)
    if unit and t.name.endswith(("公司", "集团", "大学", "学院")):
        # 蜀通的收费站, 蜀通修的高速: an enterprise's or university's own short name stands for it
        words = (*words, *sorted(_stems(names) - set(names), key=len, reverse=True))
    div_titles, div_suffixes = _division_vocabulary(t.name) if unit else (frozenset(), ())
    sector = _unit_sector(names) if unit else None
    ctx = Context(
        unit_sector=sector,
        unit=unit,
        unit_names=names if unit else (),
        target_names=names,
        level=t.level,
        territory=territory,
        unit_titles=titles,
        unit_words=words,
        division_titles=div_titles,
        division_suffixes=div_suffixes,
    )
    roster = tuple((p.name, p.post, p.tier) for p in inspection.scope.people)
    return Compiled(
        ctx,
        territory if unit else None,
        roster,
        territory,
        _fast(_subunits_of(t.name, names, territory, divisions, inspection.team)) if unit else None,
        sector,
        _own_services(t.name, trade_pattern(name_parts(t.name, territory, divisions)), sector)
        if unit
        else None,
    )


def _own_services(name: str, trade: re.Pattern[str] | None, sector: str | None) -> re.Pattern[str] | None:
    """The unit's own business in a citizen's words: a department's own sector says it (so its trade is
    not read), otherwise its trade (退税, 电费); and for a unit of a known kind, the words of its services
    and parts (交警 for a 公安局, 营业厅 for a grid company: intake.unit_services)."""
    found = [p for p in (None if sector is not None else trade, service_pattern(name)) if p is not None]
    if len(found) < 2:
        return found[0] if found else None
    return re.compile("|".join(p.pattern for p in found))


# A bank's branch (中国农业银行陕西省分行): its own lower branches are its subordinate units.
_BANK = ("银行", "分行", "支行")
# What the members of a unit call it and its leaders, by the kind of unit its name ends with.
# The bare titles of a unit's division heads, and words ending its divisions' names, by unit kind.
_DIVISIONS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (("公司", "集团"), ("部长", "副部长"), ("公司", "厂", "矿")),
    (("大学", "学院", "学校"), ("处长", "副处长", "院长", "副院长"), ()),
    (("医院",), ("科主任",), ()),
    (("局",), ("股长", "所长", "队长", "大队长"), ()),
    # 社会组织管理局 inside a 民政厅: a bureau the text does not place is one of the 厅's own (厅管局).
    (("厅",), ("处长", "副处长", "所长"), ("局",)),
    # A bank's departments are headed by a 总经理 (信贷管理部总经理, 部门总经理).
    (_BANK, ("总经理", "副总经理", "支行长", "副支行长"), ()),
)
_UNIT_KINDS: tuple[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]], ...] = (
    (
        ("公司", "集团"),
        (
            "董事长",
            "副董事长",
            "总经理",
            "副总经理",
            "副总",
            "老总",
            "总会计师",
            "总工程师",
            "总经济师",
            "党委书记",
            "党委副书记",
            "纪委书记",
            "监事会主席",
            "一把手",
            "二把手",
        ),
        ("集团公司", "集团", "总公司", "本公司", "我们公司", "我公司"),
    ),
    (
        ("大学", "学院", "学校", "中学", "小学"),
        ("校长", "副校长", "党委书记", "党委副书记", "纪委书记", "总会计师", "一把手", "二把手"),
        ("学校", "我校", "本校", "校党委", "校领导", "校里"),
    ),
    (
        ("医院",),
        ("院长", "副院长", "党委书记", "党委副书记", "纪委书记", "总会计师", "一把手", "二把手"),
        ("医院", "院里", "我院", "本院", "院党委", "院领导"),
    ),
    (
        ("局",),
        ("局长", "副局长", "党组书记", "纪检组长", "一把手", "二把手"),
        ("局里", "本局", "我局", "局党组", "局领导"),
    ),
    (
        ("厅",),
        ("厅长", "副厅长", "党组书记", "纪检组长", "一把手", "二把手"),
        ("厅里", "本厅", "我厅", "厅党组", "厅领导"),
    ),
    (
        _BANK,
        (
            "行长",
            "副行长",
            "行长助理",
            "首席风险官",
            "党委书记",
            "党委副书记",
            "纪委书记",
            "监事长",
            "一把手",
            "二把手",
        ),
        ("行里", "本行", "我行", "行党委", "行领导"),
    ),
)
# A generic word is the unit's own only when not part of another name (恒大集团, 物业公司).
_RISKY_WORDS = frozenset({"集团", "总公司", "集团公司"})
_OWN_BEFORE = frozenset("本我该个在到去回进的，。、：:,.!！？?\n 们议报映告让给对和被向跟求望说找问")


def _unit_vocabulary(name: str) -> tuple[frozenset[str], tuple[str, ...]]:
    for suffixes, titles, words in _UNIT_KINDS:
        if name.endswith(suffixes):
            return frozenset(titles), words
    return frozenset(), ()


def _division_vocabulary(name: str) -> tuple[frozenset[str], tuple[str, ...]]:
    for suffixes, titles, words in _DIVISIONS:
        if name.endswith(suffixes):
            return frozenset(titles), words
    return frozenset(), ()


def unit_words(text: str, words: tuple[str, ...], taken: list[Hit]) -> list[Hit]:
    """The unit's generic names (集团, 学校) where they stand alone."""
    out = []
    for h in find_all(text, words, "target"):
        if any(t.start <= h.start < t.end for t in taken):
            continue
        before = text[h.start - 1] if h.start else ""
        own = before in _OWN_BEFORE or not ("\u4e00" <= before <= "\u9fff")
        # 集团 may end another group's name (恒大集团), and 厅领导, 局里 another department's (人社厅领导,
        # 教育局里); 学校 and a bare 厅里 or 省厅领导 stand for the unit.
        if own or (h.word not in _RISKY_WORDS and not (h.word[0] in "厅局" and before not in "省市县")):
            out.append(h)
    return out


_GENERIC_SUFFIXES = (
    "管理委员会",  # 高新区管委会 -> 高新区 -> 高新: 高新投资集团 is the zone's company
    "管委会",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "集团",
    "分公司",  # 中国石化湖南石油分公司 -> 中国石化湖南石油, not …石油分
    "公司",
    "大学",
    "学院",
    "学校",
    "局",
    "厅",
)
_SUBUNIT_KINDS = "分公司|子公司|公司|集团|中心|研究院|学院|医院|项目部|管理处|煤矿|矿|分厂|厂"


def _unit_sector(names: tuple[str, ...]) -> str | None:
    """The sector of an inspected department (自然资源局: natural_resources), from orgs.tsv."""
    orgs = load_lexicons().orgs
    for n in names:
        for word, org in orgs.items():
            if n.endswith(word) and len(word) >= 3 and org.sector in SECTORS:
                return org.sector
    return None


def _fast(pattern: re.Pattern[str] | None) -> re.Pattern[str] | None:
    """The subordinate units' pattern (an alternative per place in the territory) fails fast."""
    return None if pattern is None else failing_fast(pattern)


def _stems(names: tuple[str, ...]) -> set[str]:
    """The unit's names without their generic ending (蜀通集团 -> 蜀通)."""
    stems = set()
    for n in names:
        for suffix in _GENERIC_SUFFIXES:
            if n.endswith(suffix) and len(n) - len(suffix) >= 2:
                stems.add(n[: -len(suffix)])
                break
    # 高新区 (a zone's committee's area) -> 高新: its companies are named 高新投资集团
    stems |= {s[:-1] for s in stems | set(names) if s.endswith("区") and len(s) >= 3 and "委" not in s}
    return stems


def _subunits_of(
    name: str, names: tuple[str, ...], territory: str, divisions: Divisions, team: str = ""
) -> re.Pattern[str] | None:
    if name.endswith(_BANK[1:]):
        return _bank_subunits(territory, divisions)
    if name.endswith(_CREDIT_UNION):
        return _credit_union_subunits(territory, divisions)
    own = _subunit_pattern(names)
    parts = name_parts(name, territory, divisions)
    branches = branch_pattern(parts, _places_inside(territory, divisions), system_team(parts, team))
    if branches is not None:
        own = re.compile(f"{own.pattern}|{branches}" if own is not None else branches)
    if not name.endswith(("公司", "集团")):
        return own
    # An enterprise group's mines and works are named by where they are (黄陵矿业, 铜川矿务局, 韩城电厂),
    # not by the group's stem: an industrial enterprise named after a place in the group's territory,
    # in a letter to the group's team, is taken as one of its subordinate units (policy 2).
    kinds = [words for marks, words in _TRADES if any(m in name for m in marks)] + ["分公司|子公司"]
    places = "|".join(_places_inside(territory, divisions))
    trade = f"(?:{places})(?:{'|'.join(kinds)})"
    return re.compile(f"{own.pattern}|{trade}" if own is not None else trade)


# What an industrial group's subsidiaries of its own trade are called after their place, right after
# it (彭州一个化工厂 is some factory; a bare 公司 is as often a supplier or a briber as a subsidiary).
_TRADES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("煤", "矿", "能源"), "矿业公司|矿业|矿务局|煤业|煤矿|矿区"),
    (("化工",), "化工厂|化工"),
    (("钢",), "钢铁|钢厂"),
    (("电",), "电厂|发电厂|电力"),
)


def _places_inside(territory: str, divisions: Divisions) -> list[str]:
    names: set[str] = set()
    for d in divisions:
        if d.code != territory and divisions.contains(territory, d.code):
            names |= {x for x in (d.name, d.short) if x and len(x) >= 2}
    return [re.escape(x) for x in sorted(names, key=len, reverse=True)]


def _subunit_pattern(names: tuple[str, ...]) -> re.Pattern[str] | None:
    """蜀通建材公司, 蜀通物流公司: a unit whose name starts with the inspected unit's own stem."""
    stems = _stems(names)
    if not stems:
        return None
    alt = "|".join(re.escape(x) for x in sorted(stems, key=len, reverse=True))
    return re.compile(f"(?:{alt})[\u4e00-\u9fff]{{1,6}}?(?:{_SUBUNIT_KINDS})")


def _bank_subunits(territory: str, divisions: Divisions) -> re.Pattern[str]:
    """西安分行, 雁塔支行, 一个支行, 营业部: the lower branches of an inspected bank branch, named by a
    place inside its territory or not at all."""
    return re.compile(f"{_named_by_place(territory, divisions, '(?:二级)?')}(?:分行|支行)|营业部|网点")


# A province's rural credit union (农村信用社联合社): the county banks it manages are its own subordinate
# units, named by their county (谷城农商行, 麻城农村商业银行, 某县信用联社).
_CREDIT_UNION = ("信用社联合社", "信用联社", "农村信用社")


def _credit_union_subunits(territory: str, divisions: Divisions) -> re.Pattern[str]:
    kinds = "农商行|农商银行|农村商业银行|农村合作银行|农合行|信用联社|信用社|农信社"
    return re.compile(f"{_named_by_place(territory, divisions)}(?:{kinds})")


def _named_by_place(territory: str, divisions: Divisions, after_place: str = "") -> str:
    """What comes before a lower branch's kind (支行, 农商行): a place inside the territory, or a word
    that stands for one (某, 一个, 下面的, 各)."""
    alt = "|".join(_places_inside(territory, divisions))
    return f"(?:(?:{alt}){after_place}|某|一个|我们|这个|该|下面的?|各)"


def subunits(text: str, pattern: re.Pattern[str], taken: list[Hit]) -> list[Hit]:
    """`taken` with the unit's subordinate units added: a subordinate unit's name that holds one of the
    unit's own bare names (钦州市气象局 holds 气象局) is that subordinate unit, not the unit."""
    found = [Hit(m.start(), m.end(), "subunit", m.group()) for m in pattern.finditer(text)]
    found = [
        m for m in found if not any(t.start < m.end and m.start < t.end and not _within(t, m) for t in taken)
    ]
    kept = [
        t for t in taken if not any(_within(t, m) and (t.start, t.end) != (m.start, m.end) for m in found)
    ]
    return kept + found


def _within(inner: Hit, outer: Hit) -> bool:
    return outer.start <= inner.start and inner.end <= outer.end


def find_all(text: str, words: tuple[str, ...], layer: str) -> list[Hit]:
    hits: list[Hit] = []
    taken: list[tuple[int, int]] = []
    for w in words:  # longest first, so 省审计厅 wins over 审计厅
        start = text.find(w)
        while start != -1:
            end = start + len(w)
            if not any(s < end and start < e for s, e in taken):
                hits.append(Hit(start, end, layer, w))
                taken.append((start, end))
            start = text.find(w, end)
    hits.sort(key=lambda h: h.start)
    return hits


# A bare level word right before the unit's name names a lower region's namesake (县教育局 in a city's).
_LOWER_BARE = {"province": "市州盟县区旗镇乡", "city": "县区旗镇乡", "county": "镇乡"}
# ... and of the levels above it (省检察院 to a city procuratorate's team)
_HIGHER_BARE = {"city": "省", "county": "省市州盟", "township": "省市州盟县区旗"}


# What stands between a place and a generic word inside a body's name (从江县人民医院, 凯里市第一中学)
_NAME_MIDDLE = re.compile(r"(?:人民|中医|中西医结合|妇幼保健|第[一二三四五六七八九十]+|实验|职业技术)$")


def namesakes_dropped(
    text: str, targets: list[Hit], places: list[Place], territory: str, level: str = ""
) -> list[Hit]:
    """The unit's bare names less those another place's name comes right before: 杭州市卫健委 and
    某县审计局 are that region's namesake body, not the inspected 卫健委 or 审计厅."""
    ends = {p.end: p for p in places if p.code != territory}
    # 株洲市市场监督管理局: the place's own 市 read as the start of the unit's local name (市市场监督管理局)
    ends |= {p.end - 1: p for p in places if p.code != territory and p.word[-1] in "省市县区州旗"}
    other = _LOWER_BARE.get(level, "") + _HIGHER_BARE.get(level, "")
    out = []
    for t in targets:
        p = ends.get(t.start) or (ends.get(t.start - 1) if text[t.start - 1 : t.start] == "的" else None)
        if p is None and t.layer == "target":
            # 从江县人民医院: the middle of another body's name (人民, 中医, 第一) between place and word
            m = _NAME_MIDDLE.search(text, 0, t.start)
            p = ends.get(m.start()) if m is not None else None
        before = text[t.start - 1] if t.start > 0 else ""
        bare = bool(other) and before != "" and before in other and t.word[0] not in "省市县"
        # 市中级人民法院 to a county court's team: a court of another rank, not the unit's 人民法院
        bare = bare or text[max(0, t.start - 2) : t.start] in ("中级", "高级")
        if (p is None and not bare) or t.layer != "target":
            out.append(t)
    return out
