"""Inspection files: the examples load, bad files are refused naming the field."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from intake.errors import InspectionError
from intake.inspection import bundled_inspections, load_inspection, parse_inspection


def test_examples_load() -> None:
    loaded = {p.stem: load_inspection(p) for p in bundled_inspections()}
    assert set(loaded) == {"henan-audit-2016", "liaoning-followup-2017", "mengzhou-xiguo-2021"}
    henan = loaded["henan-audit-2016"]
    assert henan.target.type == "unit" and henan.prefix == "HN1"
    assert henan.scope.people[0].name == "刘荃"
    assert loaded["mengzhou-xiguo-2021"].team_word == "巡察组"


def _example(name: str) -> str:
    return next(p for p in bundled_inspections() if p.stem == name).read_text("utf-8")


def test_old_region_code_is_taken_as_the_current_one() -> None:
    text = _example("mengzhou-xiguo-2021").replace('region = "410883"', 'region = "410381"')
    assert parse_inspection(text).target.region == "410307"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('committee_level = "county"', 'committee_level = "village"', "committee_level"),
        ('kind = "regular"', 'kind = "weekly"', "kind"),
        ('type = "region"', 'type = "area"', "target.type"),
        ('level = "township"', 'level = "hamlet"', "target.level"),
        ('id = "mengzhou-xiguo-2021"', 'id = "Meng Zhou"', "id"),
        ('tracking_prefix = "MZ1"', 'tracking_prefix = "mz-1"', "tracking_prefix"),
        ('days = "workdays"', 'days = "weekends"', "hours.days"),
        ('"08:30-12:00"', '"8.30-12"', "hours.ranges"),
        (
            'tiers = ["leadership", "next_principal", "key_posts"]',
            'tiers = ["leadership", "boss"]',
            "scope.tiers",
        ),
        ('team = "孟州市委第一巡察组"', 'teem = "孟州市委第一巡察组"', "team"),
    ],
)
def test_each_bad_field_is_named(old: str, new: str, expected: str) -> None:
    text = _example("mengzhou-xiguo-2021")
    assert old in text
    with pytest.raises(InspectionError) as info:
        parse_inspection(text.replace(old, new))
    assert any(p.startswith(expected) for p in info.value.problems), info.value.problems


def test_not_toml() -> None:
    with pytest.raises(InspectionError) as info:
        parse_inspection("id = [unclosed")
    assert "not valid TOML" in info.value.problems[0]


def test_in_period_uses_local_dates() -> None:
    ins = parse_inspection(_example("mengzhou-xiguo-2021"))
    # 2021-05-14 20:00 UTC is already 05-15 in Shanghai: outside the period.
    assert not ins.in_period(datetime(2021, 5, 14, 20, 0, tzinfo=UTC))
    assert ins.in_period(datetime(2021, 5, 14, 15, 0, tzinfo=UTC))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InspectionError):
        load_inspection(tmp_path / "none.toml")
