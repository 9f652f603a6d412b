"""Never toward the accused (信访工作条例 Art. 30, 46; 检举控告工作规则 保密条款), whatever the category.

The guard keys on the officials the text names, not on the category: an item that names an official
of body X, or of a body that official leads, never goes to X or to a body X leads. Each named official
carries its "bars", the bodies it must not reach, as "kind@region" ("*" = every kind of that region):

- staff of the inspected unit (any post): the inspected unit itself;
- a member of a county, city or province leadership team (书记, 县长, 副市长, 常委 ...): every body of
  that region, which they lead (townships and villages have no bodies of their own among the targets);
- a department head or staff (住建局局长): that department; a 纪委 official: that 纪委监委;
  a 信访局 official: that 信访局.

The router steers a route away from a barred body (one level up), the desk asks again before a transfer,
and the transfer form checks the officer's own choice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from routing.divisions import CENTRAL, load_divisions

ANY = "*"
# Words of a post that make its holder lead (or sit in) the body of their own region.
_LEADING = ("书记", "县长", "区长", "市长", "州长", "省长", "旗长", "盟长", "主席", "主任", "纪委", "监委")
# Posts below the county: their discipline body is the county's, which they do not lead.
_BELOW_COUNTY = ("村", "镇", "乡", "街道", "社区", "站", "所", "股", "科", "组")
_LEADING_REGION_ROLES = frozenset({"sec", "dsec", "standing", "head", "dhead", "leader"})
_ROUTABLE_LEVELS = frozenset({"province", "city", "county"})


@dataclass(frozen=True, slots=True)
class Named:
    """An official the text names: post, unit label and the bodies barred to the item."""

    post: str
    unit: str | None
    bars: tuple[str, ...]


def bars_for(
    *,
    kind: str,
    role: str,
    level: str | None,
    where: str | None,
    org_type: str | None,
    org_sector: str | None,
    in_unit: bool,
    unit_region: str | None,
) -> tuple[str, ...]:
    """The bodies an item naming this official must never reach, as "kind@region"."""
    if in_unit and unit_region is not None:
        return (f"inspected_unit@{unit_region}",)
    if where is None or level not in _ROUTABLE_LEVELS:
        return ()
    if kind == "region" and role in _LEADING_REGION_ROLES:
        return (f"{ANY}@{where}",)
    if role == "disc" or org_type == "discipline":
        return (f"discipline@{where}",)
    if kind == "dept" and org_type == "police":
        return (f"department:public_security@{where}",)
    if kind == "dept" and org_sector:
        return (f"department:{org_sector}@{where}",)
    if kind == "dept" and org_type == "dept" and org_sector == "":
        return ()
    return ()


def barred(bars: Iterable[str], kind: str, region: str) -> str | None:
    """The bar that forbids (kind, region), or None."""
    for bar in bars:
        bkind, _, bregion = bar.partition("@")
        if bregion == region and bkind in (ANY, kind):
            return bar
    return None


def steer(kind: str, region: str, bars: Sequence[str], *, accusation: bool) -> tuple[str, str] | None:
    """A body for the item that no bar forbids, moving up a level at a time; None when unchanged."""
    if not bars or barred(bars, kind, region) is None:
        return None
    divisions = load_divisions()
    if kind == "inspected_unit":
        # The unit's own staff are managed by the discipline body of its level; an appeal goes to the
        # region's 信访局, which is not led by anyone in the unit.
        kind = "discipline" if accusation else "petition"
        if barred(bars, kind, region) is None:
            return kind, region
    for _ in range(4):
        if region == CENTRAL:
            break
        parent = divisions.parent(region)
        region = parent.code if parent is not None else CENTRAL
        if barred(bars, kind, region) is None:
            return kind, region
    return kind, region


def accused_body_problem(
    *,
    category: str,
    subject_post: str | None,
    subject_unit: str | None,
    subject_region: str | None,
    target_kind: str,
    target_region: str,
    target_name: str,
    named: Sequence[Named] = (),
) -> str | None:
    """Why this target must not receive this item, or None when it may."""
    for official in named:
        if barred(official.bars, target_kind, target_region) is not None:
            who = f"{official.unit or ''}{official.post}"
            up = "上一级纪检监察机关" if target_kind == "discipline" else "上一级机关"
            return f"文中反映了{who}，不能转其所在或所领导的单位（{target_name}），应转{up}"
        unit = official.unit
        if unit and len(unit) >= 3 and unit in target_name and not _is_place(unit):
            return f"被反映人所在单位（{official.unit}）不能作为承办单位"
    if category != "accusation":
        return None
    if target_kind not in ("discipline", "inspected_unit"):
        return "检举控告类事项应转纪检监察机关（或被巡视单位的纪检机构），不转职能部门"
    # A unit that is only a place (孟州市) is judged by the post below, not by its name.
    if (
        subject_unit
        and not _is_place(subject_unit)
        and len(subject_unit) >= 3
        and subject_unit in target_name
    ):
        return f"被反映人所在单位（{subject_unit}）不能作为承办单位"
    post = subject_post or ""
    if (
        target_kind == "discipline"
        and subject_region is not None
        and target_region == subject_region
        and any(word in post for word in _LEADING)
        and not any(word in post for word in _BELOW_COUNTY)
    ):
        return f"被反映人（{post}）是该地区领导或纪检监察干部，应转上一级纪检监察机关"
    return None


def _is_place(unit: str) -> bool:
    return bool(load_divisions().by_name(unit))
