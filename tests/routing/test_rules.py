"""Routing rules and the default directory."""

from __future__ import annotations

from routing.directory import body_name, kind_word
from routing.rules import Accused, route_accusation, route_appeal, route_litigation, route_suggestion


def _acc(level: str, leadership: bool, where: str, discipline: bool = False) -> Accused:
    return Accused(level=level, leadership=leadership, where=where, discipline_body=discipline, in_unit=False)


def test_managing_levels() -> None:
    assert route_accusation(_acc("village", False, "410324"), "410324", None).region == "410324"
    assert route_accusation(_acc("county", False, "410324"), "410324", None).region == "410324"
    assert route_accusation(_acc("county", True, "410324"), "410324", None).region == "410300"
    assert route_accusation(_acc("city", False, "410300"), "410300", None).region == "410300"
    assert route_accusation(_acc("city", True, "410300"), "410300", None).region == "410000"
    assert route_accusation(_acc("province", True, "410000"), "410000", None).region == "000000"
    assert route_accusation(_acc("city", True, "130000"), "130000", None).region == "130000"


def test_a_village_cadre_with_no_county_named_says_the_county_is_unknown() -> None:
    # 街道一个副主任 with only the province known: the province's body takes it, and the reason says why.
    r = route_accusation(_acc("township", False, "410000"), "410000", None)
    assert (r.kind, r.region, r.code) == ("discipline", "410000", "village_unplaced")
    placed = route_accusation(_acc("township", False, "410324"), "410324", None)
    assert placed.code == "village"


def test_never_route_to_the_accused_discipline_body() -> None:
    # a county 纪委 deputy (a department-level post of the county) goes to the city
    r = route_accusation(_acc("county", False, "410324", discipline=True), "410324", None)
    assert (r.kind, r.region) == ("discipline", "410300")
    assert "one level up" in r.why


def test_county_directly_under_province_goes_to_province() -> None:
    assert route_accusation(_acc("county", True, "419001"), "419001", None).region == "410000"


def test_unit_staff_and_unit_matters() -> None:
    staff = Accused(level=None, leadership=False, where=None, discipline_body=False, in_unit=True)
    assert route_accusation(staff, "410000", "410000").kind == "inspected_unit"
    assert route_appeal("human_resources", "410000", True, "410000").kind == "inspected_unit"
    assert route_suggestion("410000", "410100").kind == "inspected_unit"
    assert route_suggestion(None, "410100").kind == "petition"
    assert route_appeal(None, "410300", False, None).kind == "petition"
    assert route_litigation("410305").kind == "political_legal"


def test_directory_names() -> None:
    assert body_name("discipline", "410324") == "栾川县纪委监委"
    assert body_name("department:human_resources", "410300") == "洛阳市人社局"
    assert body_name("petition", "410324") == "栾川县信访局"
    assert body_name("political_legal", "410300") == "洛阳市委政法委"
    assert body_name("discipline", "000000") == "中央纪委国家监委"
    assert body_name("inspected_unit", "410000", "河南省审计厅") == "河南省审计厅"
    assert body_name("discipline", "110105") == "北京市朝阳区纪委监委"


def test_kind_words() -> None:
    assert kind_word("discipline", "410324") == "有关纪检监察机关"
    assert kind_word("political_legal", "410324") == "有关政法部门"
    assert kind_word("department:human_resources", "410324") == "栾川县人社部门"
