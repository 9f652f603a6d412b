"""The last check before an accusation leaves the team: never to the accused (信访工作条例 Art. 30, 46).

The router already moves such items up a level; an officer may still change the target by hand,
so the desk asks this again before it creates a transfer.
"""

from __future__ import annotations

from routing.divisions import load_divisions

# Words of a post that make its holder lead (or sit in) the body of their own region.
_LEADING = ("书记", "县长", "区长", "市长", "州长", "省长", "旗长", "盟长", "主席", "主任", "纪委", "监委")
# Posts below the county: their discipline body is the county's, which they do not lead.
_BELOW_COUNTY = ("村", "镇", "乡", "街道", "社区", "站", "所", "股", "科", "组")


def accused_body_problem(
    *,
    category: str,
    subject_post: str | None,
    subject_unit: str | None,
    subject_region: str | None,
    target_kind: str,
    target_region: str,
    target_name: str,
) -> str | None:
    """Why this target must not receive this accusation, or None when it may."""
    if category != "accusation":
        return None
    if target_kind not in ("discipline", "inspected_unit"):
        return "检举控告类事项应转纪检监察机关（或被巡视单位的纪检机构），不转职能部门"
    # A unit that is only a place (孟州市) is judged by the post below, not by its name.
    is_place = bool(subject_unit) and bool(load_divisions().by_name(subject_unit or ""))
    if subject_unit and not is_place and len(subject_unit) >= 3 and subject_unit in target_name:
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
