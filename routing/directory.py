"""The default unit directory: names for (kind, region) pairs, made from the division names.

A deployment may map pairs to real bodies and addresses; without one, "栾川县纪委监委",
"洛阳市人社局", "栾川县信访局", "洛阳市委政法委" and "中央纪委国家监委" are what the duty officer sees.
"""

from __future__ import annotations

from collections import Counter
from functools import cache

from routing.divisions import CENTRAL, Divisions, load_divisions

# The everyday short name of each functional department (what citizens and officials say).
SECTOR_BODY: dict[str, str] = {
    "housing": "住建局",
    "human_resources": "人社局",
    "education": "教育局",
    "health": "卫健委",
    "environment": "生态环境局",
    "transport": "交通运输局",
    "market": "市场监管局",
    "natural_resources": "自然资源局",
    "civil_affairs": "民政局",
    "agriculture": "农业农村局",
    "public_security": "公安局",
}
# A province's departments are 厅 where a city's or county's are 局.
_PROVINCE_BODY: dict[str, str] = {
    "housing": "住建厅",
    "human_resources": "人社厅",
    "education": "教育厅",
    "health": "卫健委",
    "environment": "生态环境厅",
    "transport": "交通运输厅",
    "market": "市场监管局",
    "natural_resources": "自然资源厅",
    "civil_affairs": "民政厅",
    "agriculture": "农业农村厅",
    "public_security": "公安厅",
}
SECTOR_WORD: dict[str, str] = {
    "housing": "住建",
    "human_resources": "人社",
    "education": "教育",
    "health": "卫生健康",
    "environment": "生态环境",
    "transport": "交通运输",
    "market": "市场监管",
    "natural_resources": "自然资源",
    "civil_affairs": "民政",
    "agriculture": "农业农村",
    "public_security": "公安",
}


@cache
def _duplicate_names() -> frozenset[str]:
    counts = Counter(d.name for d in load_divisions())
    return frozenset(name for name, n in counts.items() if n > 1)


def region_name(code: str, divisions: Divisions | None = None) -> str:
    """The name a body of this region carries: 栾川县, or 北京市朝阳区 where the name alone is ambiguous."""
    divisions = divisions or load_divisions()
    d = divisions.get(code)
    if d is None:
        return code
    if d.level == "central":
        return "中央"
    if d.name in _duplicate_names() and d.parent:
        p = divisions.get(d.parent)
        if p is not None:
            return p.name + d.name
    return d.name


def body_name(kind: str, region: str, unit_name: str | None = None) -> str:
    """Default directory name of the body of `kind` in `region` (unit_name for inspected_unit)."""
    divisions = load_divisions()
    if kind == "inspected_unit":
        return unit_name or "被巡视单位"
    if region == CENTRAL:
        return {
            "discipline": "中央纪委国家监委",
            "political_legal": "中央政法委",
            "petition": "国家信访局",
        }.get(kind, "国务院有关部门")
    name = region_name(region, divisions)
    d = divisions.get(region)
    is_province = d is not None and d.level == "province"
    if kind == "discipline":
        return f"{name}纪委监委"
    if kind == "political_legal":
        # 洛阳市委政法委: the party committee's commission; a province's is 省委政法委.
        return f"{name}委政法委"
    if kind == "petition":
        return f"{name}信访局"
    if kind.startswith("department:"):
        sector = kind.split(":", 1)[1]
        table = _PROVINCE_BODY if is_province else SECTOR_BODY
        return name + table.get(sector, "人民政府")
    return f"{name}有关部门"


def kind_word(kind: str, region: str) -> str:
    """Short name of the kind of body for acknowledgements (有关纪检监察机关, 栾川县人社部门)."""
    if kind == "discipline":
        return "有关纪检监察机关"
    if kind == "political_legal":
        return "有关政法部门"
    if kind == "petition":
        return f"{region_name(region)}信访部门" if region != CENTRAL else "国家信访局"
    if kind == "inspected_unit":
        return "被巡视巡察单位"
    if kind.startswith("department:"):
        sector = kind.split(":", 1)[1]
        word = SECTOR_WORD.get(sector)
        if word is None:
            return "有关主管部门"
        return f"{region_name(region)}{word}部门" if region != CENTRAL else f"有关{word}部门"
    return "有关部门"
