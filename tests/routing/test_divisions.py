"""The shipped GB/T 2260 list: current codes, renamed districts, hierarchy."""

from __future__ import annotations

from routing.divisions import CENTRAL, load_divisions


def test_list_is_complete_and_current() -> None:
    d = load_divisions()
    assert len(d) > 3000
    assert d.get("410307").name == "偃师区"  # type: ignore[union-attr]
    assert d.get("410308").name == "孟津区"  # type: ignore[union-attr]
    provinces = [x for x in d if x.level == "province"]
    assert len(provinces) == 34


def test_renamed_districts_resolve_by_old_name_and_old_code() -> None:
    d = load_divisions()
    assert [x.code for x in d.by_name("偃师市")] == ["410307"]
    assert [x.code for x in d.by_name("孟津县")] == ["410308"]
    assert d.current_code("410381") == "410307"
    assert d.current_code("410322") == "410308"
    assert d.current_code("999999") is None


def test_hierarchy() -> None:
    d = load_divisions()
    assert d.full_name("410324") == "河南省洛阳市栾川县"
    assert d.city_of("410883").code == "410800"  # type: ignore[union-attr]
    assert d.parent("410000").code == CENTRAL  # type: ignore[union-attr]
    assert d.city_of("419001") is None  # 济源市 sits directly under the province
    assert d.province_of("419001").code == "410000"  # type: ignore[union-attr]
    assert d.contains("410000", "410883") and not d.contains("410300", "410883")
    assert d.contains(CENTRAL, "210213")


def test_short_names_and_ambiguity() -> None:
    d = load_divisions()
    assert {x.code for x in d.by_name("朝阳区")} == {"110105", "220104"}
    assert "211300" in {x.code for x in d.by_name("朝阳")}
    assert d.get("410325").short is None  # 嵩县: a one-character stem is too ambiguous to match
    assert d.towns["西虢镇"] == ("410883",)
