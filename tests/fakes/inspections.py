"""Inspections of kinds invented for a test (a unit or a region, any level), built from the file format
itself (`../shared/spec/inspection-format.md`), so a rule is tested on kinds no corpus set has."""

from __future__ import annotations

from collections.abc import Sequence

from intake.inspection import Inspection, parse_inspection

_TEMPLATE = """id = "test-{key}"
team = "{team}"
committee_level = "{committee}"
kind = "regular"
tracking_prefix = "TW1"

[target]
type = "{type}"
name = "{name}"
aliases = [{aliases}]
region = "{region}"
level = "{level}"

[period]
start = 2026-03-01
end = 2026-04-30

[hours]
days = "workdays"
ranges = ["08:00-12:00"]

[channels]
phone = ["0730-0000000"]

[scope]
tiers = ["leadership", "next_principal", "key_posts"]
{people}"""


def invented_inspection(
    key: str,
    *,
    committee: str,
    type: str,
    name: str,
    aliases: Sequence[str],
    region: str,
    level: str,
    team: str = "某巡视巡察组",
    leaders: Sequence[tuple[str, str]] = (),
) -> Inspection:
    """An inspection of `name` (type unit or region) by a team of the `committee` level; `leaders` are
    (name, post) pairs of its roster's leadership."""
    people = "".join(
        f'\n[[scope.people]]\nname = "{n}"\npost = "{p}"\ntier = "leadership"\n' for n, p in leaders
    )
    return parse_inspection(
        _TEMPLATE.format(
            key=key,
            team=team,
            committee=committee,
            type=type,
            name=name,
            aliases=", ".join(f'"{a}"' for a in aliases),
            region=region,
            level=level,
            people=people,
        )
    )


# Region inspections that several tests share: a banner of Inner Mongolia and a district of 西安.
BANNER = invented_inspection(
    "kyzq",
    committee="city",
    type="region",
    name="科尔沁右翼中旗",
    aliases=["科右中旗"],
    region="152222",
    level="county",
)
DISTRICT = invented_inspection(
    "yt",
    committee="city",
    type="region",
    name="西安市雁塔区",
    aliases=["雁塔区", "雁塔"],
    region="610113",
    level="county",
)
