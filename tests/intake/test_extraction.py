"""Place resolution and post parsing."""

from __future__ import annotations

from intake.extraction.places import generic_places, resolve_places
from intake.extraction.scanner import scan
from intake.extraction.subjects import Body, Context, find_bodies
from intake.normalise import normalise
from routing.divisions import load_divisions

LIAONING = Context(
    unit=False, unit_names=(), target_names=("辽宁省", "辽宁"), level="province", territory="210000"
)
XIGUO = Context(
    unit=False, unit_names=(), target_names=("西虢镇", "西虢"), level="township", territory="410883"
)
AUDIT = Context(
    unit=True,
    unit_names=("河南省审计厅", "省审计厅", "审计厅"),
    target_names=("审计厅",),
    level="province",
    territory="410000",
)


def _places(text: str, territory: str) -> dict[str, tuple[str | None, bool]]:
    d = load_divisions()
    hits = scan(normalise(text))
    places = resolve_places(hits["place"], text, territory, d)
    places += generic_places(text, places, territory, d)
    return {p.word: (p.code or p.parent, p.ambiguous) for p in places}


def _bodies(text: str, ctx: Context) -> list[Body]:
    from intake.unit_context import find_all as _find_all

    d = load_divisions()
    text = normalise(text)
    hits = scan(text)
    places = resolve_places(hits["place"], text, ctx.territory, d)
    places = sorted(places + generic_places(text, places, ctx.territory, d), key=lambda p: p.start)
    targets = _find_all(text, ctx.unit_names, "target") if ctx.unit else []
    return find_bodies(text, hits, places, targets, ctx, d)


def test_district_agrees_with_its_city() -> None:
    assert _places("沈阳市铁西区", "410000")["铁西区"] == ("210106", False)
    assert _places("鞍山市铁西区", "410000")["铁西区"] == ("210303", False)


def test_ambiguous_district_prefers_territory_and_says_so() -> None:
    code, ambiguous = _places("朝阳区的物业", "220000")["朝阳区"]
    assert code == "220104"
    code, ambiguous = _places("朝阳区的物业", "410000")["朝阳区"]
    assert ambiguous


def test_county_level_city_and_township() -> None:
    assert _places("孟州市化工镇", "410000") == {"孟州市": ("410883", False), "化工镇": ("410883", False)}


def test_short_city_name_and_renamed_district() -> None:
    assert _places("洛阳老城区", "410000")["老城区"] == ("410302", False)
    assert _places("我在洛阳打工", "210000")["洛阳"][0] == "410300"
    assert _places("偃师市", "410000")["偃师市"][0] == "410307"


def test_short_county_name_outside_home_province_is_a_word() -> None:
    assert "大兴" not in _places("开发商大兴土木", "410000")


def test_generic_city_inside_named_province() -> None:
    assert _places("河北省某市", "210000")["某市"] == ("130000", False)


def test_posts_principal_and_level() -> None:
    [b] = _bodies("西虢镇财政所所长", XIGUO)
    assert (b.kind, b.level, b.principal, b.town) == ("station", "township", True, "西虢镇")
    [b] = _bodies("孟州市一名副市长", XIGUO)
    assert (b.kind, b.level, b.principal, b.code) == ("region", "county", False, "410883")
    [b] = _bodies("西虢镇某村一个村民小组组长", XIGUO)
    assert (b.kind, b.principal) == ("village", False)
    [b] = _bodies("沈阳市委书记", LIAONING)
    assert (b.kind, b.level, b.principal, b.code) == ("region", "city", True, "210100")
    [b] = _bodies("省交通运输厅厅长", LIAONING)
    assert (b.kind, b.level, b.principal, b.code) == ("dept", "province", True, "210000")


def test_posts_of_the_inspected_unit() -> None:
    [b] = _bodies("审计厅人事处处长", AUDIT)
    assert (b.kind, b.in_unit, b.principal) == ("division", True, True)
    [b] = _bodies("省审计厅一名副厅长", AUDIT)
    assert (b.kind, b.in_unit, b.principal) == ("unit", True, False)
    [b] = _bodies("审计厅办公室一名普通科员", AUDIT)
    assert (b.kind, b.in_unit, b.role) == ("division", True, "staff")


def test_addressee_is_not_a_subject() -> None:
    [b] = _bodies("尊敬的王局长：您好！", XIGUO)
    assert b.addressee
    [b] = _bodies("张厅长你好，我想咨询社保", AUDIT)
    assert b.addressee
