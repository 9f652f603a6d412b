"""Place names in a text resolved to GB/T 2260 codes, with ambiguity made explicit.

A name may denote several divisions (朝阳区 in Beijing and Changchun, 铁西区 in three cities,
城关镇 in dozens of counties). A candidate is chosen by, in order: agreement with another place
in the same text (沈阳市铁西区), lying inside the inspection's territory, and for short names
the higher level. Anything decided by the last two rules is flagged `ambiguous`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.extraction.scanner import Hit
from routing.divisions import CENTRAL, Divisions

LEVEL_RANK = {"central": 0, "province": 1, "city": 2, "county": 3, "township": 4, "village": 5}
_GENERIC = re.compile(
    r"(?:某|本|该|一个|一|那个|这个|我们|我)(省|市|州|盟|县|区|旗|镇|乡|苏木|街道|村|嘎查|社区|小区)"
)
# The level a level word names (某县, 一个镇, 县教育局: its body's level), shared with intake.post_owner.
LEVEL_WORDS = {
    "省": "province",
    "自治区": "province",
    "市": "city",
    "州": "city",
    "盟": "city",
    "县": "county",
    "区": "county",
    "旗": "county",
    "镇": "township",
    "乡": "township",
    "苏木": "township",
    "街道": "township",
    "村": "village",
    "嘎查": "village",
    "社区": "village",
}
# A bare 省/市/县 right before an organisation or post means the one the team sits in (省交通运输厅).
BARE_LEVEL = {
    "省": "province",
    "市": "city",
    "县": "county",
    "区": "county",
    "旗": "county",
    "镇": "township",
    "乡": "township",
}


@dataclass(frozen=True, slots=True)
class Place:
    """A place mention: the division (county or above) it lies in, and a township when named."""

    start: int
    end: int
    word: str
    level: str  # province | city | county | township | village
    code: str | None  # GB/T 2260 code of the division, or of the county for a township
    parent: str | None  # nearest known enclosing code when `code` is unknown (某市 in 河北省)
    town: str | None = None
    ambiguous: bool = False
    generic: bool = False
    candidates: tuple[str, ...] = ()


def _candidates(word: str, divisions: Divisions) -> list[tuple[str, str, str | None]]:
    """(code, level, town) candidates for one place word."""
    out: list[tuple[str, str, str | None]] = []
    for d in divisions.by_name(word):
        out.append((d.code, d.level, None))
    if not out:
        for code in divisions.towns.get(word, ()):
            div = divisions.get(code)
            if div is not None:
                # 虎门镇 of 东莞 (a city without counties): its towns stand where a city's counties stand
                out.append((code, "county" if div.level == "city" else "township", word))
    return out


def _agree(
    before: list[tuple[str, str, str | None]], cands: list[tuple[str, str, str | None]], divisions: Divisions
) -> bool:
    """Whether any candidate lies inside, or contains, any candidate of the place named before it."""
    return any(
        divisions.contains(b[0], c[0]) or divisions.contains(c[0], b[0]) for b in before for c in cands
    )


# Full district names that are also common nouns (the old town, the new town): a place only in the
# inspection's own province.
_COMMON_FULL = frozenset({"老城区", "新城区"})


def _city_districts(hits: list[Hit], text: str, divisions: Divisions) -> list[Hit]:
    """青岛市南区, 济南市中区: the city's 市南区 or 市中区 (a district whose name begins with 市), not
    the city followed by a bare 南区."""
    out: list[Hit] = []
    for h in hits:
        rest = text[h.end : h.end + 2]
        if h.word.endswith("市") and rest in ("南区", "北区", "中区"):
            cities = {d.code for d in divisions.by_name(h.word)}
            if any(d.parent in cities for d in divisions.by_name("市" + rest)):
                out.append(Hit(h.start, h.end - 1, h.layer, h.word[:-1]))
                out.append(Hit(h.end - 1, h.end + 2, h.layer, "市" + rest))
                continue
        out.append(h)
    return out


def _trusted(
    h: Hit,
    text: str,
    home_code: str,
    raw: list[tuple[Hit, list[tuple[str, str, str | None]]]],
    divisions: Divisions,
) -> list[tuple[str, str, str | None]]:
    """The candidates of a place hit that the text can mean, given the places read before it."""
    cands = _candidates(h.word, divisions)
    if cands and _street_name(h, text) and not any(_name_of(c[0], divisions) == h.word for c in cands):
        return []  # 北京路, 中山街: a street named after a city, in whatever town the text is about
    if h.word in _COMMON_FULL:  # 老城区停车太难: the old town, not 洛阳's district, outside 河南
        cands = [c for c in cands if divisions.contains(home_code, c[0])]
    if cands and cands[0][2] is None and not any(_name_of(c[0], divisions) == h.word for c in cands):
        # A short county name (栾川, 涧西) is too often a common word (大兴土木, 新建, 资源) to trust
        # outside the inspection's own province; short province and city names are kept.
        cands = [c for c in cands if c[1] != "county" or divisions.contains(home_code, c[0])]
        if raw and raw[-1][0].end == h.start and not _agree(raw[-1][1], cands, divisions):
            return []  # 大理古城: a short name right after another place describes it (not 丽江's 古城区)
    return cands


def resolve_places(hits: list[Hit], text: str, territory: str, divisions: Divisions) -> list[Place]:
    """Resolve place hits to codes, preferring agreement, then the inspection's `territory`."""
    home = divisions.province_of(territory)
    home_code = home.code if home is not None else territory
    raw: list[tuple[Hit, list[tuple[str, str, str | None]]]] = []
    for h in _city_districts(hits, text, divisions):
        cands = _trusted(h, text, home_code, raw, divisions)
        if cands:
            raw.append((h, cands))
    unique = {c[0][0] for _, c in raw if len({x[0] for x in c}) == 1}
    places: list[Place] = []
    for h, cands in raw:
        codes = list(dict.fromkeys(c[0] for c in cands))
        ambiguous = False
        chosen: list[tuple[str, str, str | None]] = cands
        if len(codes) > 1:
            agreeing = [
                c
                for c in cands
                # a town carries its county's code: 宾川县金牛镇 agrees with 宾川县 by the same code
                if any(divisions.contains(u, c[0]) or divisions.contains(c[0], u) for u in unique)
            ]
            inside = [c for c in cands if divisions.contains(territory, c[0])]
            # 江北区 in a letter to a 渝北区 team: Chongqing's, not Ningbo's (the inspection's province)
            nearby = [c for c in cands if divisions.contains(home_code, c[0])]
            if agreeing:
                chosen = agreeing
            elif inside:
                chosen = inside
                ambiguous = len({c[0] for c in inside}) > 1
            elif nearby and home_code != territory:
                chosen = nearby
                ambiguous = len({c[0] for c in nearby}) > 1
            else:
                ambiguous = True
            chosen = sorted(chosen, key=lambda c: LEVEL_RANK[c[1]])
        code, level, town = chosen[0]
        places.append(
            Place(
                h.start,
                h.end,
                h.word,
                level,
                code,
                None,
                town,
                ambiguous or len({c[0] for c in chosen}) > 1,
                False,
                tuple(codes),
            )
        )
    return places


def generic_places(text: str, places: list[Place], territory: str, divisions: Divisions) -> list[Place]:
    """某市, 本县, 某村 and the like: a level without a name, inside the place named just before."""
    out: list[Place] = []
    for m in _GENERIC.finditer(text):
        if any(p.start < m.end() and m.start() < p.end for p in places):
            continue
        level = LEVEL_WORDS.get(m.group(1), "village")
        before = [p for p in places if p.end <= m.start() and m.start() - p.end <= 4]
        parent = before[-1].code if before else None
        if m.group(0).startswith(("本", "我", "该")) and not before:
            # 本人四川南充仪陇县人……我县一名副县长: the sender's own county, named earlier at that level
            named = [p for p in places if p.end <= m.start() and p.level == level and p.code]
            if named and level in ("province", "city", "county"):
                own = named[-1]
                out.append(
                    Place(m.start(), m.end(), m.group(0), level, own.code, None, None, own.ambiguous, True)
                )
                continue
            parent = territory
        if before and LEVEL_RANK[before[-1].level] >= LEVEL_RANK[level]:
            continue
        town = before[-1].town if before else None
        code = (
            parent
            if level in ("township", "village") and parent and _is_county_or_below(parent, divisions)
            else None
        )
        # 朝阳区某小区 is as ambiguous as 朝阳区.
        ambiguous = bool(before) and before[-1].ambiguous
        candidates = before[-1].candidates if before else ()
        out.append(
            Place(m.start(), m.end(), m.group(0), level, code, parent, town, ambiguous, True, candidates)
        )
    return out


def _street_name(h: Hit, text: str) -> bool:
    nxt = text[h.end : h.end + 3]
    if nxt[:1] in "东西南北中" and nxt[1:2] in ("路", "街", "巷"):
        nxt = nxt[1:]  # 南京东路, 浙江中路, 北京西街: a street with its section, not the city
    return nxt[:1] in ("路", "巷") or (nxt[:1] == "街" and nxt[:2] != "街道") or nxt[:2] == "大道"


def _name_of(code: str, divisions: Divisions) -> str | None:
    d = divisions.get(code)
    return d.name if d is not None else None


def _is_county_or_below(code: str, divisions: Divisions) -> bool:
    d = divisions.get(code)
    return d is not None and d.level == "county"


def ancestor_at(code: str, level: str, divisions: Divisions) -> str | None:
    """The division at `level` containing `code` (itself when it is at that level)."""
    if level == "central":
        return CENTRAL
    d = divisions.get(code)
    while d is not None and d.level != "central":
        if d.level == level:
            return d.code
        if LEVEL_RANK[d.level] < LEVEL_RANK[level]:
            return None
        d = divisions.get(d.parent) if d.parent else None
    return None


def own_township(text: str, places: list[Place], names: tuple[str, ...], territory: str) -> list[Place]:
    """A township or street office inspected under its own names (北京街, 北京街道办): each mention is
    that township, in the inspection's county, whatever division the name's first characters also
    denote (北京 the capital, 玉林 the city). Place hits inside a mention give way to it."""
    found: list[tuple[int, int, str]] = []
    for name in names:  # longest first
        start = text.find(name)
        while start != -1:
            end = start + len(name)
            if not any(s < end and start < e for s, e, _ in found):
                found.append((start, end, name))
            start = text.find(name, end)
    if not found:
        return places
    kept = [p for p in places if not any(s <= p.start and p.end <= e for s, e, _ in found)]
    town = names[-1] if names else None
    # 北京街道办事处主任: the place is 北京街道; the office (街道办事处) stays an organisation.
    own = [
        Place(s, e - _office_suffix(w), w[: len(w) - _office_suffix(w)], "township", territory, None, town)
        for s, e, w in found
    ]
    return sorted(kept + own, key=lambda p: p.start)


def _office_suffix(name: str) -> int:
    # 阿万仓镇党委书记, 阿万仓镇政府的副镇长: the township's committee and government are organisations
    # after the place, as its office is.
    for suffix in ("办事处", "办", "党工委", "党委", "人民政府", "政府"):
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return len(suffix)
    return 0
