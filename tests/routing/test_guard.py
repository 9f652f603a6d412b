"""The desk's last check: an accusation never goes to the accused's own body."""

from __future__ import annotations

from routing.guard import accused_body_problem


def _check(
    post: str | None,
    target_kind: str,
    target_region: str,
    *,
    unit: str | None = None,
    region: str | None = "410324",
    category: str = "accusation",
    name: str = "栾川县纪委监委",
) -> str | None:
    return accused_body_problem(
        category=category,
        subject_post=post,
        subject_unit=unit,
        subject_region=region,
        target_kind=target_kind,
        target_region=target_region,
        target_name=name,
    )


def test_county_leader_not_to_own_county() -> None:
    assert _check("县委书记", "discipline", "410324") is not None
    assert _check("县长", "discipline", "410300", name="洛阳市纪委监委") is None


def test_county_discipline_secretary_goes_up() -> None:
    assert _check("县纪委书记", "discipline", "410324") is not None


def test_village_and_township_cadres_go_to_their_county() -> None:
    assert _check("村支书", "discipline", "410324") is None
    assert _check("镇党委书记", "discipline", "410324") is None


def test_accusations_only_to_discipline_bodies() -> None:
    assert _check("局长", "department:housing", "410324", name="栾川县住建局") is not None
    assert _check("局长", "discipline", "410324", unit="栾川县住建局") is None


def test_not_the_accused_unit() -> None:
    problem = _check("科员", "inspected_unit", "410000", unit="河南省审计厅", name="河南省审计厅")
    assert problem is not None and "河南省审计厅" in problem


def test_other_categories_pass() -> None:
    assert _check("县委书记", "department:housing", "410324", category="appeal") is None
