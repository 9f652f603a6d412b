"""Who a report is about: each post in the text, read with the places and organisations before it.

"孟州市化工镇某村的村支书" is the principal of a village in 化工镇 in 410883; "审计厅人事处处长" the
head of an internal division of the inspected unit; "台安县一名副县长" a member of a county's
leadership team. The result (`Body`) is what the tier test and the router reason about.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from intake.extraction.across_filler import division_across_filler
from intake.extraction.area_bureaus import own_bureau
from intake.extraction.headed_titles import post_entry, with_headed_titles
from intake.extraction.lexicons import OrgEntry, PostEntry, load_lexicons
from intake.extraction.places import BARE_LEVEL, LEVEL_RANK, Place, ancestor_at
from intake.extraction.refer_back import refer_back
from intake.extraction.scanner import Hit
from routing.divisions import Divisions

SUBUNIT = OrgEntry("下属单位", "division", "", False)
PRINCIPAL_ROLES = frozenset({"sec", "head", "org_head", "vsec", "vhead"})
REGION_ROLES = frozenset({"sec", "dsec", "standing", "head", "dhead", "congress", "cppcc", "disc"})
LEADING_ROLES = REGION_ROLES | {"org_head", "org_deputy", "chief", "vsec", "vhead", "leader"}
_SENTENCE_END = frozenset("。！？!?；;\n")
# 胡厅长您好, 区长：你好, 尊敬的卢局长, 致县委书记: a greeting names the reader, not the accused.
_GREETING_AFTER = re.compile(r"(?:同志|先生|女士)?\s*[:：,，!！]?\s*(?:您好|你好|好[!！,，])|\s*[:：]")
_GREETING_BEFORE = re.compile(r"(?:尊敬的|敬爱的|亲爱的|敬的|(?:^|\n)致)[^\s。！？!?，,]{0,6}$")
# Its matches end at the post (or before a last newline) and are at most 9 characters long: searched in
# the characters before the post only, not from the start of the letter at every post.
_GREETING_REACH = 12
_MAX_GAP = 8  # characters of filler (某, 一名, 下属, 的) allowed between a context word and the next
_ORG_LEVEL_BY_SUFFIX = {"厅": "province"}
_COMMITTEE_LEVEL = {
    "省委": "province",
    "市委": "city",
    "州委": "city",
    "盟委": "city",
    "旗委": "county",
    "苏木党委": "township",
    "盟行政公署": "city",
    "旗政府": "county",
    "苏木政府": "township",
    "县委": "county",
    "区委": "county",
    "镇党委": "township",
    "乡党委": "township",
    "街道办事处": "township",
    "街道办": "township",
    "街道": "township",  # 街道一个副主任: the street office, as its residents call it
    "镇政府": "township",
    "乡政府": "township",
    "县政府": "county",
    "区政府": "county",
    "市政府": "city",
    "省政府": "province",
}


@dataclass(frozen=True, slots=True)
class Body:
    """The post a subject holds and the body it holds it in."""

    post: str
    role: str
    kind: str  # region | dept | station | division | village | institution | enterprise | unit | unknown
    level: str | None  # level of the region the body belongs to (province ... village)
    code: str | None  # most precise known division code (county or above)
    parent: str | None  # nearest known enclosing code when `code` is None
    town: str | None
    org: OrgEntry | None
    in_unit: bool  # held in the inspected unit (unit inspections)
    place: Place | None
    start: int
    end: int
    implicit: bool  # nothing in the text placed it; the inspection's own territory was assumed
    addressee: bool = False  # the letter is addressed to this post (尊敬的王局长：您好), not about it

    @property
    def principal(self) -> bool:
        return self.role in PRINCIPAL_ROLES

    @property
    def where(self) -> str | None:
        return self.code or self.parent


@dataclass(frozen=True, slots=True)
class Context:
    """What the extraction needs to know about the inspection."""

    unit: bool  # a unit inspection
    unit_names: tuple[str, ...]
    target_names: tuple[str, ...]
    level: str  # target level
    territory: str  # target region code (a township's county)
    # Unit inspections: the titles of the unit's own leadership, bare (副总经理 in an SOE, 校长 in a
    # university), and the words its members use for it (集团, 学校, 局里).
    unit_titles: frozenset[str] = frozenset()
    unit_words: tuple[str, ...] = ()
    # ... the bare titles of its divisions' heads (处长 in a 厅, 院长 in a university, 股长 in a 局), and
    # what else ends a division's name in it (物流公司 in an SOE).
    division_titles: frozenset[str] = frozenset()
    division_suffixes: tuple[str, ...] = ()
    # An inspected department's own sector (民政厅: civil_affairs): its institutions are its units.
    unit_sector: str | None = None


def _sentence_start(text: str, pos: int) -> int:
    # One rfind per mark, in C, rather than a Python step back per character of a long sentence.
    return max(text.rfind(mark, 0, pos) for mark in _SENTENCE_END) + 1


def _context_before(
    post: Hit, tokens: list[tuple[int, int, str, object]], text: str
) -> tuple[list[tuple[str, object]], int]:
    """The chain of place/org/target words that ends right before `post`, and where it starts."""
    start = _sentence_start(text, post.start)
    chain: list[tuple[str, object]] = []
    cursor = post.start
    for s, e, kind, value in reversed(tokens):
        if e > cursor or s < start:
            # 沈阳市委书记: the place shares its last character with the post.
            if e > cursor and s < post.start and kind == "place" and e - cursor <= 1 and s < cursor:
                chain.append((kind, value))
                cursor = s
            continue
        if cursor - e > _MAX_GAP:
            break
        chain.append((kind, value))
        cursor = s
    chain.reverse()
    return chain, cursor


def _tokens(
    hits: dict[str, list[Hit]], places: list[Place], targets: list[Hit]
) -> list[tuple[int, int, str, object]]:
    """The place, organisation and target words a post's context chain is read from, in text order."""
    lex = load_lexicons()
    tokens: list[tuple[int, int, str, object]] = [(p.start, p.end, "place", p) for p in places]
    target_spans = [(t.start, t.end) for t in targets]
    # 党委 inside 党委书记 is part of that title, not the body of a post written after it (…让支行长).
    post_spans = [(p.start, p.end) for p in hits["post"] if p.end - p.start > 2]
    # 街道 inside 外滩街道 is that place's own suffix, not another body.
    place_spans = [(p.start, p.end) for p in places if p.end - p.start > 2]
    for h in hits["org"]:
        if any(s <= h.start and h.end <= e for s, e in target_spans + post_spans + place_spans):
            continue
        tokens.append((h.start, h.end, "org", lex.orgs[h.word]))
    for t in targets:
        if t.layer == "subunit":
            # 蜀通建材公司: a subordinate unit of the inspected one, read as the unit and a division of it.
            tokens.append((t.start, t.start + 1, "target", t.word))
            tokens.append((t.start + 1, t.end, "org", SUBUNIT))
        else:
            tokens.append((t.start, t.end, "target", t.word))
    tokens.sort(key=lambda t: (t[0], t[1]))
    return tokens


def find_bodies(
    text: str,
    hits: dict[str, list[Hit]],
    places: list[Place],
    targets: list[Hit],
    ctx: Context,
    divisions: Divisions,
) -> list[Body]:
    """Every post in the text with the body it is held in."""
    target_spans = [(t.start, t.end) for t in targets]
    tokens = _tokens(hits, places, targets)
    bodies: list[Body] = []
    for post_hit in with_headed_titles(text, _posts_after_orgs(hits["post"], hits["org"], text)):
        if any(s <= post_hit.start and post_hit.end <= e for s, e in target_spans):
            continue
        entry = post_entry(post_hit.word)
        chain, chain_start = _context_before(post_hit, [t for t in tokens if t[0] < post_hit.start], text)
        chain = chain or _context_in_brackets(post_hit, tokens, text)
        bare = _bare_level_word(text, chain_start)
        body = _county_city(_body(post_hit, entry, chain, bare, ctx, divisions), ctx)
        if body.implicit and body.place is None and not body.in_unit and bare in BARE_LEVEL:
            body = _named_before(body, places, post_hit.start)
        body = own_bureau(body, bare, ctx, text[max(0, post_hit.start - 2) : post_hit.start])
        if (
            body.in_unit
            and body.kind == "unit"
            and _division_before(text, post_hit.start, ctx)
            and not _unit_named_right_before(targets, post_hit.start, text)
        ):
            body = replace(body, kind="division")  # 学校一个研究所的副所长: a division's, not the unit's
        org = body.org
        # 湘楚大学的党委副书记: the unit's own party committee, unless a division's (经管学院党委)
        if (
            body.in_unit
            and body.kind == "division"
            and org is not None
            and org.type == "committee"
            and not _division_before(text, post_hit.start - len(org.word), ctx)
        ):
            body = replace(body, kind="unit")
        if (
            ctx.unit
            and not body.in_unit
            and (body.place is None or body.kind == "institution")  # 甘肃省儿童福利院 of a 甘肃省民政厅
            and _own_post(post_hit, chain, text, ctx)
        ):
            body = replace(body, in_unit=True, implicit=True, kind=_own_kind(post_hit, chain, text, ctx))
            body = replace(body, level=ctx.level, code=ctx.territory, parent=None)
        if ctx.unit and not (body.in_unit or chain) and division_across_filler(text, post_hit.start, targets):
            body = replace(body, in_unit=True, implicit=True, kind="division", level=ctx.level)
            body = replace(body, code=ctx.territory, parent=None)
        if addressed(text, post_hit):
            body = replace(body, addressee=True)
        bodies.append(body)
    return refer_back(bodies, text)


def _posts_after_orgs(posts: list[Hit], orgs: list[Hit], text: str) -> list[Hit]:
    """A post hit that begins inside an organisation's name is the rest after that name: 区农业农村委主任
    is the 农业农村委's 主任, not a 村委主任 (a village head) found across the two words."""
    lexicon = load_lexicons().posts
    out: list[Hit] = []
    for p in posts:
        o = next((o for o in orgs if o.start < p.start < o.end < p.end), None)
        if o is not None and text[o.end : p.end] in lexicon:
            p = Hit(o.end, p.end, "post", text[o.end : p.end])
        out.append(p)
    return out


def _bare_level_word(text: str, start: int) -> str:
    """The level word right before a post's context (省财政厅, 县里的): 自治区林草局 is the autonomous
    region's, a province's body, not a district's (区)."""
    if start >= 3 and text[start - 3 : start] == "自治区":
        return "省"
    return text[start - 1] if start > 0 else ""


def _unit_named_right_before(targets: list[Hit], start: int, text: str) -> bool:
    """省电力公司纪委书记, 省公司的副总经理: the inspected unit's own name ends right before the post, so
    the post is the unit's, though the name ends like one of its divisions' (公司)."""
    return any(
        t.layer == "target" and (t.end == start or (t.end == start - 1 and text[t.end] == "的"))
        for t in targets
    )


_BRACKETS = re.compile(r"\s*[(（]([^()（）]{2,16})[)）]")


def _context_in_brackets(
    post: Hit, tokens: list[tuple[int, int, str, object]], text: str
) -> list[tuple[str, object]]:
    """孙主任(街道办事处), 王经理（集团财务部）: a post with nothing before it, its body in brackets."""
    m = _BRACKETS.match(text, post.end)
    if m is None:
        return []
    return [(kind, value) for s, e, kind, value in tokens if m.start(1) <= s and e <= m.end(1)]


def _named_before(body: Body, places: list[Place], start: int) -> Body:
    """我家是麒麟区的…区教育局局长: a bare level word (区, 县) stands for the place of that level the
    text named before it, not for the inspection's territory."""
    named = [p for p in places if p.end <= start and _same_level(p, body.level) and p.code and not p.generic]
    if not named:
        return body
    p = named[-1]
    return replace(
        body, level=p.level, code=p.code, parent=None, town=p.town or body.town, place=p, implicit=False
    )


def _same_level(place: Place, level: str | None) -> bool:
    # 我是昆山市的…市住建局: a county-level city is 市 to its residents.
    return place.level == level or (level == "city" and place.level == "county" and place.word.endswith("市"))


# 我实名反映市中心医院的总会计师：… names the accused before the colon, not the reader.
_REPORTED_BEFORE = re.compile(r"举报|检举|揭发|控告|反映|投诉")


def addressed(text: str, post: Hit) -> bool:
    """The post is the reader's (胡厅长您好, 尊敬的卢局长, 区长：), not someone reported to the team."""
    if not (
        _GREETING_AFTER.match(text, post.end)
        or _GREETING_BEFORE.search(text, max(0, post.start - _GREETING_REACH), post.start)
    ):
        return False
    line = text.rfind("\n", 0, post.start) + 1
    return _REPORTED_BEFORE.search(text, line, post.start) is None


# A division named just before a post, in a unit inspection: 投资发展部部长, 计算机学院院长, 财务科科长.
_DIVISION_BEFORE = re.compile(
    r"[\u4e00-\u9fff]{0,8}(?:部|处|科|股|室|办|中心|学院|系|分公司|子公司|所|队|庭)的?$"
)
_DIVISION_POSTS = frozenset({"org_head", "org_deputy", "sec", "chief"})


def _own_post(hit: Hit, chain: list[tuple[str, object]], text: str, ctx: Context) -> bool:
    """A post of the inspected unit though the unit is not named: its own bare leadership titles, or the
    head of a division named right before the post."""
    orgs = [v for k, v in chain if k == "org"]
    places = [v for k, v in chain if k == "place"]
    if orgs and all(
        isinstance(o, OrgEntry) and _shares_stem(o.word, ctx) and not _above(o, ctx) for o in orgs
    ):
        # 国土所 under an inspected 国土局 (in whatever township): a station of the unit
        return all(isinstance(p, Place) and p.level in ("township", "village") for p in places)
    if places and not _own_institution(hit, orgs, places, text, ctx):
        return False
    if not chain and (hit.word in ctx.unit_titles or hit.word in ctx.division_titles):
        return True
    if (
        hit.word in ctx.unit_titles
        and orgs
        and all(isinstance(o, OrgEntry) and o.word == "公司" for o in orgs)
        and "公司" in ctx.division_suffixes
    ):
        return True  # 公司纪委书记 in an SOE inspection: the company is the unit
    if _own_institution(hit, orgs, places, text, ctx):
        return True
    if any(not isinstance(o, OrgEntry) or o.type not in ("division", "enterprise") for o in orgs):
        return False
    entry = post_entry(hit.word)
    return entry.role in _DIVISION_POSTS and _division_before(text, hit.start, ctx)


# The level word an inspected department's own institutions carry (省儿童福利院 of a 省民政厅), or the
# department itself named as their owner (厅下属的, 局属).
_LEVEL_PREFIX = {"province": "省", "city": "市", "county": "县"}
_OWNED = re.compile(r"(?:厅|局|委)(?:下属|下面|直属|所属|属)的?")


def _own_institution(hit: Hit, orgs: list[object], places: list[object], text: str, ctx: Context) -> bool:
    """An institution of the inspected department's own sector at its level (省救助管理站, 省福利院 in an
    inspection of a 省民政厅; 市殡仪馆 of a 市民政局): one of its subordinate units (policy 2: 下属单位)."""
    if ctx.unit_sector is None or not orgs:
        return False
    own = ctx.unit_sector
    if not all(isinstance(o, OrgEntry) and o.type == "institution" and o.sector == own for o in orgs):
        return False
    if any(not isinstance(p, Place) or p.code != ctx.territory for p in places):
        return False  # 榆中县敬老院: a county's own institution, not the provincial department's
    lead = text[max(0, hit.start - 14) : hit.start]
    prefix = _LEVEL_PREFIX.get(ctx.level)
    named = [o.word for o in orgs if isinstance(o, OrgEntry)]
    at = lead.rfind(named[0]) if named else -1
    before = lead[:at] if at >= 0 else ""
    named_by_level = prefix is not None and _level_named(before, prefix)
    return bool(places) or bool(_OWNED.search(before)) or named_by_level


def _level_named(before: str, prefix: str) -> bool:
    """市殡仪馆, 市第一中学, 市实验中学: the institution's name starts with the level word (and up to four
    characters of its own name follow it), which no other word ends right before (城市实验中学 is not)."""
    m = re.search(f"{prefix}[\u4e00-\u9fff]{{0,4}}$", before)
    if m is None:
        return False
    ahead = before[m.start() - 1 : m.start()]
    return not ahead or not ("\u4e00" <= ahead <= "\u9fff") or ahead in "的在是到去个"


def _division_before(text: str, start: int, ctx: Context) -> bool:
    lead = text[max(0, start - 10) : start]
    if _DIVISION_BEFORE.search(lead):
        return True
    return len(lead) >= 3 and any(
        lead.endswith((x, x + "的")) and not (x == "局" and _REGION_BUREAU.search(lead))
        for x in ctx.division_suffixes
    )


# 社会组织管理局 in a 厅 is its own bureau; D市旅游局, 原州煤炭局 are a region's (a region word in the name).
_REGION_BUREAU = re.compile(r"[省市县区州旗盟乡镇][一-鿿]{0,7}局的?$")


def _shares_stem(word: str, ctx: Context) -> bool:
    """A station or office whose name starts like one of the unit's names (国土所, 国土局)."""
    return len(word) >= 3 and any(n[:2] == word[:2] and n != word for n in ctx.unit_names)


def _above(org: OrgEntry, ctx: Context) -> bool:
    """A body of a higher level than the inspected unit by its name (公安厅 above a city's 公安局)."""
    level = _ORG_LEVEL_BY_SUFFIX.get(org.word[-1])
    return level is not None and LEVEL_RANK[level] < LEVEL_RANK.get(ctx.level, 9)


def _own_kind(hit: Hit, chain: list[tuple[str, object]], text: str, ctx: Context) -> str:
    if not chain and hit.word in ctx.unit_titles and not _division_before(text, hit.start, ctx):
        return "unit"
    return "division"


def _body(
    hit: Hit, entry: PostEntry, chain: list[tuple[str, object]], bare: str, ctx: Context, divisions: Divisions
) -> Body:
    place: Place | None = None
    org: OrgEntry | None = None
    target_seen = False
    org_after_target = False
    for kind, value in chain:
        if kind == "place":
            assert isinstance(value, Place)
            place = value
            org = None
        elif kind == "org":
            assert isinstance(value, OrgEntry)
            org = value
            if target_seen:
                org_after_target = True
        elif kind == "target":
            target_seen = True
            org = None
            place = None  # 某村村民举报县自然资源局一名副局长: the unit named wins over a place before it
    level: str | None = None
    code: str | None = None
    parent: str | None = None
    town: str | None = None
    implicit = False
    if place is not None:
        level, code, parent, town = place.level, place.code, place.parent, place.town
    elif bare in BARE_LEVEL and not target_seen:
        level = BARE_LEVEL[bare]
        code = ancestor_at(ctx.territory, level, divisions)
        parent = None if code else ctx.territory
        implicit = True

    in_unit = ctx.unit and target_seen and place is None
    # The unit inspection's own bare titles (厅长 in an inspection of a 厅) are its leadership.
    if (
        ctx.unit
        and not chain
        and place is None
        and entry.level == ctx.level
        and entry.role in ("org_head", "org_deputy")
        and any(n.endswith(hit.word[-2]) for n in ctx.unit_names)
    ):
        in_unit = True
        implicit = True
    # 财务处处长 in a unit inspection, no unit or place named: a division of the inspected unit.
    if (
        ctx.unit
        and not in_unit
        and place is None
        and len(chain) == 1
        and org is not None
        and org.type == "division"
    ):
        in_unit = implicit = org_after_target = True
    if in_unit:
        kind = "division" if org_after_target and org is not None else "unit"
        return Body(
            hit.word,
            entry.role,
            kind,
            ctx.level,
            ctx.territory,
            None,
            None,
            org,
            True,
            place,
            hit.start,
            hit.end,
            implicit,
        )

    kind, level = _kind_and_level(entry, org, level)
    # 孟州市副市长: the place's own level wins over the title's (a county-level city).
    if (
        kind == "region"
        and entry.level
        and (
            level is None
            or (place is not None and place.generic and LEVEL_RANK[place.level] < LEVEL_RANK[entry.level])
        )
    ):
        level = entry.level
    level, parent, code = _township_of_county(kind, org, entry, place, (level, parent, code))
    level = "village" if kind == "village" else level
    if level is None and kind in ("region", "dept", "station", "division", "village"):
        level = ctx.level if kind != "village" else "village"
        implicit = True
    if code is None and parent is None and level is not None:
        implicit = True
        if LEVEL_RANK[level] <= LEVEL_RANK[_territory_level(ctx, divisions)]:
            code = ancestor_at(ctx.territory, level, divisions)
        if code is None:
            parent = ctx.territory
    if (
        level is not None
        and code is not None
        and LEVEL_RANK[level] < LEVEL_RANK[_code_level(code, divisions)]
    ):
        # 县长 written after a township: the title is of a higher body than the place; go up.
        code = ancestor_at(code, level, divisions)
    if level in ("village",) and town is None and place is not None and place.town:
        town = place.town
    return Body(
        hit.word, entry.role, kind, level, code, parent, town, org, False, place, hit.start, hit.end, implicit
    )


# (level, parent, code) of a body
_Where = tuple[str | None, str | None, str | None]


def _township_of_county(
    kind: str, org: OrgEntry | None, entry: PostEntry, place: Place | None, where: _Where
) -> _Where:
    """(level, parent, code) of a body: 宾川县有个镇的镇长, 长沙县某镇镇长: a township's own title after a
    county names one of its townships, not the county's leadership (a county is never led by a 镇长).
    虎门镇 of 东莞 is itself the town."""
    level, _, code = where
    below = (
        kind == "region"
        and org is None
        and entry.level == "township"
        and (place is None or place.town is None)
        and level is not None
        and code is not None
        and LEVEL_RANK[level] < LEVEL_RANK["township"]
    )
    return ("township", code, None) if below else where


def _kind_and_level(entry: PostEntry, org: OrgEntry | None, level: str | None) -> tuple[str, str | None]:
    """The kind of the post's body (region, dept, station, division, village, ...) and its level as far
    as its organisation or its title tells it."""
    kind = "unknown"
    if org is not None:
        if org.type in ("committee", "gov", "congress", "cppcc"):
            kind = "region"
            level = _COMMITTEE_LEVEL.get(org.word, level)
        elif org.type in ("dept", "police", "discipline", "court", "procuratorate"):
            kind = "dept"
            level = level or _ORG_LEVEL_BY_SUFFIX.get(org.word[-1])
        elif org.type == "station":
            kind = "station"
            level = "township" if level is None or LEVEL_RANK[level] < LEVEL_RANK["township"] else level
        else:
            kind = org.type
    elif entry.role in ("vsec", "vhead", "vstaff"):
        kind = "village"
    elif entry.role in REGION_ROLES or entry.role == "leader":
        kind = "region"
    elif entry.role == "chief":
        kind = "unknown"
    elif entry.word.endswith(("厅长", "局长")):
        kind = "dept"
        if entry.word.endswith("厅长") and level is None:
            level = "province"
    elif entry.word.endswith(("所长", "站长")):
        kind = "station"
    elif entry.word.endswith(("处长", "科长")):
        kind = "division"
    elif entry.word.endswith("主任") and level in ("township", "village"):
        kind = "region"
    return kind, level


def _county_city(body: Body, ctx: Context) -> Body:
    """市财政局局长, 副市长, 市纪委书记 written to the team inspecting 仁怀市 (a county-level city: a region
    of county level whose name ends with 市): its residents call it 市, as its own name does."""
    if body.level != "city" or (body.place is not None and not body.place.generic) or ctx.unit:
        return body
    if ctx.level != "county" or not any(n.endswith("市") for n in ctx.target_names):
        return body
    return replace(body, level="county", code=ctx.territory, parent=None)


def _code_level(code: str, divisions: Divisions) -> str:
    d = divisions.get(code)
    return d.level if d is not None else "county"


def _territory_level(ctx: Context, divisions: Divisions) -> str:
    return _code_level(ctx.territory, divisions)
