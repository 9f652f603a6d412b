"""Whose post is it? A reading of "who" for a unit inspection that needs no vocabulary of the unit's kind.

The lexicons know many bodies, but not the divisions and subordinate units of every kind of unit a
team may inspect (a city public security bureau's 派出所 and 支队, an education bureau's schools, a
court's 庭). What transfers to a kind nobody has seen is the inspection file itself (the unit's name,
kind, level and territory) and the structure of the text around the post: a place of its own, a body
named before it and that body's kind, a region's or a higher level's title. From these a post is

- `OWN`: held in the inspected unit, one of its divisions, or a subordinate unit of its own kind
  (派出所 of a 公安局, 中学 of an 教育局, 庭 of a 法院 - the kind the unit's name says);
- `ELSEWHERE`: plainly another body's (another place or a lower region, a higher level, a body of
  another kind, a region's or a village's own title: 县长, 村支书);
- `UNKNOWN`: nothing in the text places it (校长 with no school named, 书记, 主任).

Policy 2 and issue 12 item 4: an accusation against a leading post that is not plainly elsewhere is
more likely the unit's own than anyone's; in scope wins and the officer decides (pipeline._scope).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from enum import StrEnum
from functools import lru_cache

from intake.extraction.lexicons import OrgEntry, load_lexicons
from intake.extraction.places import LEVEL_RANK, LEVEL_WORDS, Place
from intake.extraction.subjects import Body, Context
from intake.unit_trade import name_parts
from routing.divisions import load_divisions

__all__ = [
    "Owner",
    "leading",
    "own_below_tiers",
    "owner_of",
    "said_elsewhere",
    "unplaced_leader",
    "unread_region",
]


class Owner(StrEnum):
    OWN = "own"
    ELSEWHERE = "elsewhere"
    UNKNOWN = "unknown"


# Leading posts: heads, deputies, secretaries, directors and chiefs of a body. Not plain staff (科员,
# 老师, 会计, 司机: their roles are not these) and not 领导 in general (no post).
_LEADING = frozenset({"sec", "dsec", "head", "dhead", "org_head", "org_deputy", "chief", "disc"})
# Titles held in a body below the unit though they read like a head's (车间主任, 班组长): staff.
_STAFF_HEADS = ("车间主任", "班长", "组长", "班组长", "宿管", "室主任", "教研组长", "年级主任")
# Party and government bodies of a region (the lexicon's committee words with a level in them).
_REGION_ORGS = frozenset({"gov", "congress", "cppcc", "village"})
# Bodies whose whole system is one kind: every 派出所 and 支队 belongs to public security, every 庭 to
# a court. Of the inspected unit's own kind, such a body below it is its subordinate unit.
_SYSTEM_TYPES = frozenset({"police", "court", "procuratorate"})
_STEM = 2
# What ends the name of a body below a unit (南京监狱, 公路段, 收费站, 直属学校, 信息中心).
_BODY_END = "(?:所|站|院|馆|队|中心|场|台|处|科|室|部|校|狱|段|厂|矿|公司|团|社)"
# What ends a government's department or office (a place's own, when a place names it).
_GOVERNMENT_ENDINGS = ("局", "厅", "委", "办", "政府", "委员会", "办公室")
# Words between a body's name and its post (应急管理厅一个处长, 治安总队有个处长).
_FILLER = "(?:的|里|里的|下面的)?(?:有)?(?:一个|一名|一位|个|某|某个|那个|这个)?"
# Ends of a body's name that only a body of a region or another organisation has (the lexicon may not
# know the name: 林草局, 煤炭局, 某某集团). Ending right before the post, they place it there.
_OTHER_BODY = re.compile(rf"[\u4e00-\u9fff]{{1,8}}?(?:局|厅|委员会|政府|公司|集团|银行|医院|大学){_FILLER}$")
# The sender's own body (我们局的, 本单位): the inspected unit when written to its team.
_OWN_WORD = re.compile(r"(?:我们|咱们|我|本|咱)(?:单位)?[局厅委院校司]")
# The name of a division or section of a body (政治部, 立案庭, 治安支队, 信息中心), which the lexicon
# may not know.
_DIVISION_NAME = re.compile(rf"[\u4e00-\u9fff]{{1,6}}(?:部|处|科|室|股|庭|队|所|站|中心){_FILLER}$")
# Words that make a region's name generic (这个旗, 我们县): the target's own, or nobody's in particular.
_GENERIC_NAME = re.compile(r"^.?$|这个|那个|我们|咱们|本|该|某|全|各|外|邻|隔壁")
# Another body than the one the team inspects, said in so many words.
# 一家公司, 某家企业: a company among others (a supplier, a briber), not a subsidiary said as ours.
_ANOTHER = re.compile(
    r"另一[所家个位]|其他|其它|别的|外地|外省|外市|外县|隔壁|兄弟单位|邻[省市县区乡镇旗]|"
    r"[一某有]家[\u4e00-\u9fff]{0,6}?(?:公司|企业|厂|店)"
)
# A level word in a body's name that sets its level (省公安厅, 自治区林草局, 县教育局).
_LEVEL_WORD = re.compile(r"(省|自治区|市|州|盟|县|区|旗|镇|乡|街道|村)[\u4e00-\u9fff]{0,8}$")
_ORG_LEVEL_BY_SUFFIX = {"厅": "province"}
# A region's government heads and a village's leaders (省长, 副县长, 旗长, 村支书, 村主任), and titles
# that carry their region's level (县委书记, 镇党委书记).
_REGION_HEADS = frozenset({"head", "dhead", "vsec", "vhead"})
_LEVEL_TITLE = re.compile(r"(?:常务)?副?(?:省|市|州|县|区|旗|镇|乡|村|盟|街道)")


def leading(body: Body) -> bool:
    """A leading post (policy 2): head, deputy head, secretary, director; not plain staff."""
    return body.role in _LEADING and not body.post.endswith(_STAFF_HEADS)


@lru_cache(maxsize=256)
def _unit_kind(names: tuple[str, ...]) -> tuple[str, str]:
    """The (type, sector) of the inspected unit, read from the longest body word its names end with
    (宜宾市中级人民法院: court; 绵阳市公安局: police, public_security; 大连市教育局: dept, education)."""
    orgs = load_lexicons().orgs
    best: OrgEntry | None = None
    for name in names:
        for i in range(len(name) - 1):
            entry = orgs.get(name[i:])
            if entry is not None and (best is None or len(entry.word) > len(best.word)):
                best = entry
                break
    return (best.type, best.sector) if best is not None else ("", "")


def _same_kind(org: OrgEntry, ctx: Context) -> bool:
    """A body of the inspected unit's own kind: a station or institution of its sector (中学 of an 教育局,
    派出所 of a 公安局), or any body of its judicial or police system (立案庭 of a 法院)."""
    unit_type, unit_sector = _unit_kind(ctx.unit_names)
    sector = ctx.unit_sector or unit_sector
    if org.type in _SYSTEM_TYPES or org.type == "station":
        return bool(org.sector and org.sector == sector) or (
            org.type == unit_type and org.type in _SYSTEM_TYPES
        )
    return org.type == "institution" and bool(org.sector) and org.sector == sector


def _level_of(word: str, ctx: Context) -> str:
    """The level a level word names; the unit's own when its people call it so (区气象局, 区局 for a
    自治区's bureau: 区 is then the autonomous region, not a district)."""
    # (not the names made by putting a level word before another of its names: 省芜湖市人民检察院)
    if any(n.startswith(word) and n[len(word) :] not in ctx.unit_names for n in ctx.unit_names):
        return ctx.level
    return LEVEL_WORDS[word]


def _higher(level: str | None, ctx: Context) -> bool:
    return level is not None and LEVEL_RANK.get(level, 9) < LEVEL_RANK.get(ctx.level, 9)


def _place_elsewhere(place: Place, ctx: Context) -> bool:
    """A place that is not the inspected unit's own territory (another region, a lower or higher one).
    An enterprise group's subsidiaries are named by where they are (李沧巴士, 黄岛公司): for a group,
    a place inside its territory is not another body's by itself."""
    if place.generic or place.code is None:
        return place.level != ctx.level  # 某县, 省里 in a city's unit; 这个市 is its own
    if _enterprise(ctx) and load_divisions().contains(ctx.territory, place.code):
        return False
    return place.code != ctx.territory


def _enterprise(ctx: Context) -> bool:
    return any(n.endswith(("公司", "集团")) for n in ctx.unit_names)


def _org_elsewhere(org: OrgEntry, lead: str, ctx: Context) -> bool | None:
    """Whether the body named right before the post is plainly another's (True), the unit's own or one
    of its divisions or subordinate units (False), or says nothing either way (None)."""
    level = _ORG_LEVEL_BY_SUFFIX.get(org.word[-1])
    m = _LEVEL_WORD.search(lead)
    if m is not None and level is None:
        level = _level_of(m.group(1), ctx)
    if _higher(level, ctx):
        return True  # 省公安厅的处长 in a city bureau's inspection
    if org.type == "division":
        return False  # 人事处, 办公室: a division, and no other body named
    if org.type in _REGION_ORGS:
        return True
    if org.type in ("committee", "discipline"):
        # 县委, 市纪委 are a region's; 党委, 党组, 纪委 with no level word may be the unit's own
        return m is not None
    if _same_kind(org, ctx):
        # 县公安局 (a lower region's own bureau) vs 城郊派出所, 市直属高中: a level word below the
        # unit's names another region's body
        return level is not None and level != ctx.level
    if org.type == "enterprise" and _enterprise(ctx):
        return None  # a company in a group's inspection may be its subsidiary
    return True  # a body of another kind: 林业局 in a 公安局 inspection, a company, a hospital


def owner_of(body: Body, text: str, places: Sequence[Place], ctx: Context) -> Owner:
    """Whose post `body` is, in a unit inspection (see the module's docstring)."""
    if not ctx.unit:
        return Owner.UNKNOWN
    if body.in_unit:
        return Owner.OWN
    if body.kind in ("region", "village") and (
        body.role in _REGION_HEADS
        or body.org is not None
        or body.place is not None
        or _LEVEL_TITLE.match(body.post)
    ):
        return Owner.ELSEWHERE  # 县长, 旗长, 村支书, 镇党委书记: a region's own titles
    sentence = max(text.rfind(c, 0, body.start) for c in "。！？!?；;\n") + 1
    if _own_trade(text[max(sentence, body.start - 14) : body.start], ctx):
        return Owner.OWN  # 南京监狱的监狱长 of a 监狱管理局, whatever place names it
    if body.place is not None and _place_elsewhere(body.place, ctx):
        return Owner.ELSEWHERE
    if any(sentence <= p.start < body.start and _place_elsewhere(p, ctx) for p in places):
        return Owner.ELSEWHERE  # 我是金州区的，区里一个中学的校长: the sentence places it elsewhere
    if _ANOTHER.search(text, sentence, body.start):
        return Owner.ELSEWHERE  # 另一所省属院校的副校长, 外地一个局的局长
    lead = text[max(sentence, body.start - 12) : body.start]
    if body.org is not None:
        verdict = _org_elsewhere(body.org, lead, ctx)
        if verdict is not None:
            return Owner.ELSEWHERE if verdict else Owner.OWN
        return Owner.UNKNOWN
    if _OTHER_BODY.search(lead) and not _OWN_WORD.search(lead) and not any(n in lead for n in ctx.unit_names):
        return Owner.ELSEWHERE  # 原州煤炭局的局长, 自治区林草局有个处长: a body the lexicon lacks
    m = _LEVEL_WORD.search(lead)
    if m is not None and _level_of(m.group(1), ctx) != ctx.level and not _OWN_WORD.search(lead):
        return Owner.ELSEWHERE  # 县里一个中学的校长 in a city bureau's inspection
    if _DIVISION_NAME.search(lead):
        return Owner.OWN  # 政治部主任, 立案庭庭长, 治安大队的大队长: a division named, no other body
    return Owner.UNKNOWN


@lru_cache(maxsize=256)
def _trade_stem(names: tuple[str, ...], territory: str) -> str:
    """The first two characters of the unit's trade, read from its name around its region's
    (江苏省监狱管理局: 监狱; 湖北省交通运输厅: 交通), or "" when the name shows none."""
    divisions = load_divisions()
    stems = [p.stem for p in (name_parts(n, territory, divisions) for n in names) if p is not None]
    # the shortest: the names made by repeating the region (江苏省江苏省监狱管理局) have it in the stem
    stems = sorted((s for s in stems if len(s) >= _STEM), key=len)
    return stems[0][:_STEM] if stems else ""


def _own_trade(lead: str, ctx: Context) -> bool:
    """A body of the unit's own trade but not a government's department named right before the post
    (南京监狱, 教育局直属学校): one of the unit's subordinate units, though a place names it. A place's
    department of the same trade (宜昌市交通运输局 for a 交通运输厅) is that place's own."""
    stem = _trade_stem(ctx.unit_names, ctx.territory)
    if not stem:
        return False
    m = re.search(rf"(?P<name>{re.escape(stem)}(?:[\u4e00-\u9fff]{{0,6}}?{_BODY_END})?){_FILLER}$", lead)
    if m is None or m.group("name").endswith(_GOVERNMENT_ENDINGS):
        return False
    # 省公安厅治安总队: a body of a department named in it, which is the unit only if it is the unit
    cut = max(m.group("name").rfind(e) for e in "局厅委办")
    return cut < 0 or any(lead[: m.start("name") + cut + 1].endswith(n) for n in ctx.unit_names)


def own_below_tiers(body: Body | None, text: str, places: Sequence[Place], ctx: Context) -> Body | None:
    """The body to route an out-of-scope accusation by: a leading post the text places in one of the
    unit's divisions or subordinate units (and below its tiers, or the item would be in scope: a deputy)
    is the unit's staff, for its own discipline organ (policy 4.1, last row), whatever place names the
    subordinate unit."""
    if body is None or body.in_unit or not ctx.unit or not leading(body):
        return body  # (staff of a body the text names are as often another body's: 某中心的工作人员)
    if owner_of(body, text, places, ctx) is not Owner.OWN:
        return body
    return replace(body, in_unit=True, kind="division", level=ctx.level, code=ctx.territory, parent=None)


def said_elsewhere(body: Body, text: str, ctx: Context) -> bool:
    """The words before a post that the extraction could not place say it is another body's: another
    one said in so many words (另一所, 外地), or a level above the target's (自治区林草局有个处长 in a
    banner's inspection, 省里一个处长 in a city bureau's)."""
    sentence = max(text.rfind(c, 0, body.start) for c in "。！？!?；;\n") + 1
    if _ANOTHER.search(text, sentence, body.start):
        return True
    m = _LEVEL_WORD.search(text[max(sentence, body.start - 12) : body.start])
    return m is not None and _higher(_level_of(m.group(1), ctx), ctx)


def unread_region(body: Body, text: str, ctx: Context) -> bool:
    """A region's title placed in the inspected region only by default, right after the name of a
    region the gazetteer lacks that is not the target's (科右前旗的旗长 in 科右中旗's inspection): that
    other region's, not the target's leadership."""
    if ctx.unit or not body.implicit or body.place is not None or body.kind != "region":
        return False
    level_char = _LEVEL_TITLE.match(body.post)
    if level_char is None:
        return False
    char = level_char.group(0)[-1]
    m = re.search(rf"([\u4e00-\u9fff]{{1,6}}{char})的?$", text[max(0, body.start - 10) : body.start])
    if m is None or _GENERIC_NAME.search(m.group(1)):
        return False
    name = m.group(1)
    return not any(name in n or n.endswith(name) for n in ctx.target_names)


def unplaced_leader(
    subject: Body | None,
    others: Sequence[Body],
    text: str,
    places: Sequence[Place],
    ctx: Context,
    split: bool = False,
) -> Body | None:
    """The leading post an accusation names that the extraction could not place and that nothing in
    the text places outside the inspected unit: the subject's, else another official's that the text
    places in one of the unit's divisions or subordinate units. A post the extraction did place in the
    unit (in_unit) has its tier already, below the tiers included.

    `split`: the model and the structure disagree that this is an accusation at all. Then only a
    post the text places in the unit counts: an unknown one is as often a letter's addressee or a
    title in passing (real letters to a city's board: in scope 0.8% -> 1.4% with it, out of fold)."""
    if not ctx.unit:
        return None
    weakest = Owner.OWN if split else Owner.UNKNOWN
    if subject is not None and _unplaced(subject, text, places, ctx, weakest):
        return subject
    return next((b for b in others if _unplaced(b, text, places, ctx, Owner.OWN)), None)


def _unplaced(body: Body, text: str, places: Sequence[Place], ctx: Context, weakest: Owner) -> bool:
    if body.in_unit or not leading(body):
        return False
    owner = owner_of(body, text, places, ctx)
    if owner is Owner.OWN:
        # a division's or subordinate unit's principal, or its deputy in a key post (policy 2)
        return body.principal or body.role == "chief" or (body.org is not None and body.org.key)
    return owner is Owner.UNKNOWN and weakest is Owner.UNKNOWN
