"""The "who" test of policy.md section 2: is a subject in one of the inspection's tiers?"""

from __future__ import annotations

from intake.extraction.places import LEVEL_RANK
from intake.extraction.subjects import LEADING_ROLES, REGION_ROLES, Body, Context
from intake.models import Tier
from routing.divisions import Divisions

_NEXT_LEVEL = {"province": "city", "city": "county", "county": "township", "township": "village"}
_LEADERSHIP_UNIT_ROLES = frozenset(
    {"sec", "dsec", "standing", "head", "dhead", "org_head", "org_deputy", "chief", "disc", "leader"}
)


def in_territory(body: Body, ctx: Context, divisions: Divisions) -> bool:
    """Whether the body lies inside the inspected region (a township: that township)."""
    if ctx.level == "township":
        if body.town is not None:
            return body.town in ctx.target_names or any(body.town.startswith(n) for n in ctx.target_names)
        # No township named: inside only when nothing placed it elsewhere.
        return body.implicit or (body.code == ctx.territory and body.level in ("township", "village"))
    where = body.where
    if where is None:
        return True
    return divisions.contains(ctx.territory, where)


_LEADERSHIP_ORGS = frozenset({"gov", "congress", "cppcc", "committee"})
# Cadres in general (局里的干部, 县里的官员) are nobody's leadership team.
GENERAL_CADRES = frozenset({"干部", "官员", "公职人员", "党员干部"})
# Heads of a section inside a department: not the department's principal.
_SECTION_HEADS = ("科长", "股长", "处长", "队长", "组长")


def _level(body: Body, ctx: Context) -> str | None:
    """石河子二把手 to the team of a 师市合一 city, 仙桃市长 to a province-governed city's: the inspected
    region's own bodies are of the inspection's level, whatever the level of its division code."""
    if body.kind in ("region", "dept") and body.code == ctx.territory and body.town is None:
        return ctx.level
    return body.level


def tier_of(body: Body, ctx: Context, divisions: Divisions) -> tuple[Tier | None, str]:
    """The tier of a subject for this inspection, with the ground for it."""
    if body.post in GENERAL_CADRES:
        return None, f"{body.post}: cadres in general, no post"
    if ctx.unit:
        return _unit_tier(body)
    if not in_territory(body, ctx, divisions):
        return None, f"{body.post}: outside the inspected region"
    level = _level(body, ctx)
    if level is None:
        return None, f"{body.post}: body not identified"
    nxt = _NEXT_LEVEL.get(ctx.level)
    if body.kind == "region" and level == ctx.level and body.role in REGION_ROLES | {"leader"}:
        return (
            Tier.LEADERSHIP,
            f"{body.post}: leadership of {ctx.target_names[0] if ctx.target_names else 'the target'}",
        )
    if (
        body.kind == "region"
        and level == ctx.level
        and body.role in ("org_head", "org_deputy")
        and (body.org is None or body.org.type in _LEADERSHIP_ORGS)
    ):
        # 街道办主任/副主任, 北京街道副主任, 人大工委主任: the office's or its congress's head and deputies
        # are the region's 正副职 (policy 2: 政府正副职, 人大、政协正副职).
        org = body.org.word if body.org is not None else "region"
        return Tier.LEADERSHIP, f"{body.post} of the {org} (leadership)"
    if (
        body.kind == "dept"
        and level == ctx.level
        and ctx.level == "province"
        and body.org is not None
        and body.org.type in ("court", "procuratorate")
        and body.role == "org_head"
    ):
        return Tier.LEADERSHIP, f"{body.post} of the provincial {body.org.word} (leadership)"
    if body.kind in ("region", "village") and level == nxt and body.principal:
        return Tier.NEXT_PRINCIPAL, f"{body.post}: principal of a next-level body"
    if _heads_township_office(body, ctx):
        return Tier.NEXT_PRINCIPAL, f"{body.post}: head of a township station or office"
    if (
        body.kind == "dept"
        and level == ctx.level
        and body.principal
        and not body.post.endswith(_SECTION_HEADS)
    ):
        return Tier.NEXT_PRINCIPAL, f"{body.post}: head of a department of the target"
    if (
        body.kind in ("dept", "station")
        and level == ctx.level
        and body.role == "org_deputy"
        and body.org is not None
        and body.org.key
    ):
        return Tier.KEY_POSTS, f"{body.post} of {body.org.word} (key post)"
    if body.role in LEADING_ROLES and LEVEL_RANK.get(level, 9) < LEVEL_RANK[ctx.level]:
        return None, f"{body.post}: of a higher body than the target"
    return None, f"{body.post}: below the tiers in scope"


def _heads_township_office(body: Body, ctx: Context) -> bool:
    """街道服务中心的主任, 镇财政所所长: heads of a township's stations and offices (policy 2)."""
    office = body.kind == "station" or (body.kind == "division" and body.level == "township")
    return ctx.level == "township" and office and body.principal


def _unit_tier(body: Body) -> tuple[Tier | None, str]:
    """The tier of a post in a unit inspection: the unit's leadership, heads of its divisions and
    subordinate units, key posts."""
    if not body.in_unit:
        return None, f"{body.post}: not of the inspected unit"
    if body.kind == "unit" and body.post.endswith(("处长", "科长")):
        # 处长 of the unit with no division named: still the head of one of its divisions.
        if body.role == "org_head":
            return Tier.NEXT_PRINCIPAL, f"{body.post}: head of a division of the inspected unit"
        # A deputy of a division not named may hold a key post: in scope, the officer decides.
        return Tier.KEY_POSTS, f"{body.post}: deputy of a division of the inspected unit (key post?)"
    if body.kind == "unit" and body.role in _LEADERSHIP_UNIT_ROLES:
        return Tier.LEADERSHIP, f"{body.post} of the inspected unit (leadership)"
    if body.kind == "division" and body.role == "chief":
        return (
            Tier.KEY_POSTS,
            f"{body.post} of a division or subordinate unit (finance or technical chief)",
        )
    if body.kind == "division" and body.role in ("org_head", "sec"):
        return Tier.NEXT_PRINCIPAL, f"{body.post}: head of a division of the inspected unit"
    if body.kind == "division" and body.role == "org_deputy" and body.org is not None and body.org.key:
        return Tier.KEY_POSTS, f"{body.post} of {body.org.word} (key post)"
    return None, f"{body.post}: staff of the inspected unit below leadership and key posts"
