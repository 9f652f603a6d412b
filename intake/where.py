"""Where an item's matter is (属地管理) and which body gets it: the region chosen from the accused's
body, the court or the most precise place named, and the route for each category (policy.md section 4).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from intake.extraction.lexicons import load_lexicons
from intake.extraction.places import LEVEL_RANK, Place
from intake.extraction.scanner import Hit
from intake.extraction.subjects import REGION_ROLES, Body, Context
from intake.models import Category, Reason, Tier
from routing.divisions import Divisions, load_divisions
from routing.rules import Accused, Route, route_accusation, route_appeal, route_litigation, route_suggestion


@dataclass(frozen=True, slots=True)
class Compiled:
    """What decide() needs from an inspection, computed once per inspection."""

    ctx: Context
    unit_region: str | None
    roster: tuple[tuple[str, str, Tier], ...]
    default_region: str
    subunits: re.Pattern[str] | None = None  # names of the inspected unit's subordinate units
    unit_sector: str | None = None  # the sector an inspected department is competent for
    trade: re.Pattern[str] | None = None  # the unit's own business in a citizen's words (退税, 电费)


def _most_precise(places: list[Place], divisions: Divisions) -> Place | None:
    known = [p for p in places if p.code is not None or p.parent is not None]
    if not known:
        return None

    def precision(p: Place) -> float:
        if p.code:
            return LEVEL_RANK[p.level]
        # 大同到我们村的公交: a village known only to lie in the province (its parent) is no more precise
        # than that province, so the city named beside it is where the matter is.
        parent = divisions.get(p.parent) if p.generic and p.parent else None
        if parent is not None and parent.level in LEVEL_RANK:
            return min(LEVEL_RANK[p.level] - 1.5, LEVEL_RANK[parent.level] + 0.5)
        return LEVEL_RANK[p.level] - 1.5

    return max(known, key=lambda p: (precision(p), -p.start))


def matter_region(
    text: str,
    places: list[Place],
    body: Body | None,
    category: Category,
    hits: dict[str, list[Hit]],
    comp: Compiled,
    divisions: Divisions,
) -> tuple[str, list[Reason], bool]:
    """The region of the matter, the grounds for it, and whether the place was ambiguous."""
    if comp.ctx.unit and body is not None and body.in_unit:
        return comp.default_region, [], False
    if category == Category.ACCUSATION and body is not None and not body.implicit and body.where:
        place = body.place
        word = body.place.word if body.place else body.post
        grounds = [Reason(code="region", args={"place": word, "code": body.where})]
        if place is not None and place.ambiguous:
            grounds.append(_ambiguous(place))
        return body.where, grounds, bool(place and place.ambiguous)
    chosen: Place | None = None
    if category == Category.LITIGATION:
        courts = [
            h
            for h in hits["org"]
            if load_lexicons().orgs[h.word].type in ("court", "procuratorate", "police")
        ]
        for c in courts:
            before = [p for p in places if p.end <= c.start and c.start - p.end <= 6]
            if before:
                chosen = before[-1]
                break
    if chosen is None:
        chosen = _most_precise(places, divisions)
    if chosen is None:
        return comp.default_region, [Reason(code="region_default")], False
    code = chosen.code or chosen.parent or comp.default_region
    grounds = [Reason(code="region", args={"place": chosen.word, "code": code})]
    if chosen.ambiguous:
        grounds.append(_ambiguous(chosen))
    return code, grounds, chosen.ambiguous


def _ambiguous(place: Place) -> Reason:
    return Reason(
        code="ambiguous_place", args={"place": place.word, "candidates": "、".join(place.candidates)}
    )


def route_for(
    category: Category,
    body: Body | None,
    region: str,
    sector: str | None,
    targets: list[Hit],
    comp: Compiled,
    *,
    unit_staff: bool = False,
    unit_sector: bool = False,
) -> Route:
    """The body an out-of-scope item of this category goes to, before the guard."""
    if category == Category.ACCUSATION and unit_staff and comp.unit_region is not None:
        return Route("inspected_unit", comp.unit_region, "staff of the inspected unit", "unit_staff")
    if category == Category.ACCUSATION:
        return route_accusation(_accused(body, region), region, comp.unit_region)
    if category == Category.LITIGATION:
        return route_litigation(region)
    if category == Category.SUGGESTION:
        return _suggestion_route(region, sector, targets, comp, unit_sector)
    # A bare 厅长 is as often the reader as the inspected unit's head: only the unit named makes it theirs.
    # The inspected department's own sector makes it its business only in its own territory: 低保 in a
    # county named is that county's 民政局's (属地管理), not the provincial 民政厅's.
    own_sector = (sector is not None and sector == comp.unit_sector) or unit_sector
    unit_matter = comp.unit_region is not None and (
        bool(targets)
        or (body is not None and body.in_unit and not body.implicit)
        or (own_sector and region == comp.unit_region)
    )
    return route_appeal(sector, region, unit_matter, comp.unit_region)


def _suggestion_route(
    region: str, sector: str | None, targets: list[Hit], comp: Compiled, unit_sector: bool
) -> Route:
    # A suggestion on the inspected unit's own work is the unit's, whatever its sector: the unit named,
    # or an inspected department's own sector in its own territory (policy 4.4). One on a place the
    # text names outside that territory goes to that place's body (属地管理), not to the unit.
    # The unit's own trade told in a citizen's words (退税, 电费: unit_sector) counts as its sector.
    own_sector = unit_sector or (sector is not None and sector == comp.unit_sector)
    about_unit = bool(targets) or (own_sector and region == comp.unit_region)
    if comp.unit_region is None and load_divisions().contains(comp.default_region, region):
        # A region inspection's suggestion on its own territory goes to the region's 信访局 (policy
        # 4.4), whatever its sector: a suggestion is an opinion on the region's work, not a matter
        # for one department to settle.
        sector = None
    return route_suggestion(
        comp.unit_region,
        region,
        sector,
        about_unit=about_unit,
        placed_elsewhere=region != comp.default_region,
    )


def _accused(body: Body | None, region: str) -> Accused | None:
    """What the routing rules need to know of the accused's body (its level, whether it is a region's
    leadership, a discipline organ or the inspected unit)."""
    if body is None:
        return None
    leadership = (
        body.kind == "region"
        and body.role in REGION_ROLES | {"leader"}
        and body.level in ("province", "city", "county")
    )
    return Accused(
        level=body.level,
        leadership=leadership,
        where=body.where or region,
        discipline_body=body.role == "disc" or (body.org is not None and body.org.type == "discipline"),
        in_unit=body.in_unit,
    )
