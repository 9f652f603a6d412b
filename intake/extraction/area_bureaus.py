"""A unit that governs an area (a development zone's or new area's 管委会) has bureaus of its own, as a
region's government has: in the inspection of such a unit, a bureau named with no place (财政局的局长,
规划建设局局长) is one of the unit's own departments, and its head the head of one of its divisions
(policy 2, next_principal), not a department of the city around it."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # subjects.py calls this module: the types only, to avoid an import cycle
    from intake.extraction.subjects import Body, Context

__all__ = ["GOVERNS_AREA", "own_bureau"]

# What ends the name of a unit that governs an area.
GOVERNS_AREA = ("管理委员会", "管委会")


def own_bureau(body: Body, bare: str, ctx: Context, lead: str) -> Body:
    """The body as one of the unit's own bureaus when the unit governs an area and nothing (no place,
    no bare level word: 市财政局 is the city's) places the bureau elsewhere. `lead` is the text right
    before the post: a bureau no lexicon knows (规划建设局局长) is named there."""
    if not (ctx.unit and _governs_area(ctx)):
        return body
    if body.in_unit or body.place is not None or (bare != "" and bare in "省市县区州旗盟"):
        return body
    unknown_bureau = body.org is None and lead.endswith(("局", "局的")) and body.kind in ("dept", "unknown")
    if not unknown_bureau and (body.org is None or body.org.type != "dept"):
        return body
    return replace(body, in_unit=True, implicit=True, kind="division", level=ctx.level, code=ctx.territory)


def _governs_area(ctx: Context) -> bool:
    return any(n.endswith(GOVERNS_AREA) for n in ctx.unit_names)
