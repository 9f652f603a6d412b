"""Where an out-of-scope item goes (policy.md section 4): 分级负责、属地管理，谁主管、谁负责.

Pure functions of small facts the classifier extracted; the names come from routing.directory.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.divisions import CENTRAL, Divisions, load_divisions

_RANK = {"central": 0, "province": 1, "city": 2, "county": 3, "township": 4, "village": 5}
_ABOVE = {"province": "central", "city": "province", "county": "city", "central": "central"}


@dataclass(frozen=True, slots=True)
class Accused:
    """The facts about an accused official that decide who manages them (干部管理权限)."""

    level: str | None  # level of the region whose body they serve in: province ... village
    leadership: bool  # a member of that region's leadership team (not of one of its departments)
    where: str | None  # most precise division code known
    discipline_body: bool  # serves in a 纪委监委 or as its head: the guard moves one level up
    in_unit: bool  # staff of the inspected unit (unit inspections)


@dataclass(frozen=True, slots=True)
class Route:
    kind: str
    region: str
    why: str
    code: str = ""  # the ground's code, rendered in Chinese by intake.reasons (ROUTE_ZH)


def up(code: str, divisions: Divisions | None = None) -> str:
    """The region one level up (a county directly under a province goes to the province)."""
    divisions = divisions or load_divisions()
    p = divisions.parent(code)
    return p.code if p is not None else CENTRAL


def at_level(code: str, level: str, divisions: Divisions) -> str:
    """The enclosing division at `level` (or the nearest one above it that exists)."""
    d = divisions.get(code)
    best = code
    while d is not None and d.level != "central":
        if _RANK[d.level] <= _RANK[level]:
            return d.code
        best = d.parent or best
        d = divisions.get(d.parent) if d.parent else None
    return best


def route_accusation(accused: Accused | None, region: str, unit_region: str | None) -> Route:
    """Discipline body of the level that manages the accused, never the accused's own body."""
    divisions = load_divisions()
    if accused is not None and accused.in_unit and unit_region is not None:
        return Route(
            "inspected_unit", unit_region, "staff of the inspected unit: its own discipline", "unit_staff"
        )
    where = (accused.where if accused is not None else None) or region
    level = accused.level if accused is not None else None
    d = divisions.get(where)
    where_level = d.level if d is not None else "county"
    if level is None:
        level = where_level if where_level != "central" else "province"
    if level in ("township", "village"):
        target = at_level(where, "county", divisions)
        why, code = "township/village cadre: managed by the county", "village"
        placed = divisions.get(target)
        if placed is not None and _RANK.get(placed.level, 9) < _RANK["county"]:
            # No county named: the nearest known level takes it, and the reason must not pretend otherwise.
            why = "township/village cadre, county not named: the nearest known level"
            code = "village_unplaced"
    elif accused is not None and accused.leadership:
        above = _ABOVE[level]
        target = CENTRAL if above == "central" else at_level(where, above, divisions)
        why, code = f"{level} leadership: managed by the level above", "leadership"
    else:
        target = at_level(where, level, divisions)
        why, code = f"{level} department cadre: managed by the {level}", "dept"
    if accused is not None and accused.discipline_body and not accused.leadership:
        # 信访工作条例 Art. 30: a report on a 纪委 official never goes to that 纪委.
        target = up(target, divisions)
        why += "; the accused serves in that discipline body: one level up"
        code = "disc_up"
    return Route("discipline", target, why, code)


def route_litigation(region: str) -> Route:
    """诉访分离: the political-legal commission of the place of the case."""
    return Route(
        "political_legal", region, "court/police case: 政法委 of the place of the case", "litigation"
    )


def route_appeal(sector: str | None, region: str, unit_matter: bool, unit_region: str | None) -> Route:
    """The competent functional department, the inspected unit for its own matters, else 信访局."""
    if unit_matter and unit_region is not None:
        return Route(
            "inspected_unit", unit_region, "the inspected unit's own business or staff", "unit_matter"
        )
    if sector:
        return Route(f"department:{sector}", region, f"competent department: {sector}", "sector")
    return Route("petition", region, "no functional department fits: 信访局", "petition")


def route_suggestion(
    unit_region: str | None,
    region: str,
    sector: str | None = None,
    *,
    about_unit: bool = False,
    placed_elsewhere: bool = False,
) -> Route:
    """Suggestions go to the inspected unit, or to the region's 信访局 (policy 4.4); a suggestion clearly
    about one sector's matter goes to that sector's department of the region (谁主管、谁负责).

    `about_unit`: the suggestion concerns the inspected unit's own work (the unit named, or an inspected
    department's own sector in its own territory): the unit's, whatever its sector. `placed_elsewhere`:
    a unit inspection's suggestion about a facility or service of a place the text names, outside the
    unit's own territory (洛阳市的夜市 in a provincial 审计厅's inspection): the body of that place's level
    (分级负责、属地管理), its department or its 信访局, not the inspected unit."""
    if unit_region is not None and about_unit:
        return Route(
            "inspected_unit", unit_region, "suggestion on the inspected unit's work", "suggestion_unit"
        )
    if sector:
        return Route(
            f"department:{sector}",
            region,
            f"suggestion on one sector's matter: {sector}",
            "suggestion_sector",
        )
    if unit_region is not None and not placed_elsewhere:
        return Route(
            "inspected_unit", unit_region, "suggestion on the inspected unit's work", "suggestion_unit"
        )
    return Route("petition", region, "suggestion: 信访局 of the region", "suggestion_region")
