"""Category, negation and questions, through decide()."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.inspection import load_inspection
from intake.models import Category, Decision, Discipline, InboundMessage, Scope
from intake.pipeline import decide

EXAMPLES = Path(__file__).resolve().parents[2] / "intake" / "examples"
XIGUO = load_inspection(EXAMPLES / "mengzhou-xiguo-2021.toml")


def _d(text: str) -> Decision:
    return decide(InboundMessage(id="t", text=text), XIGUO)


def test_accusation_with_disciplines_and_reasons() -> None:
    d = _d("西虢镇党委书记收受工程老板红包，还公车私用。")
    assert d.scope == Scope.IN_SCOPE
    assert d.disciplines == [Discipline.INTEGRITY, Discipline.WORK]
    assert any("收受" in r and "integrity" in r for r in d.reasons)
    assert any("镇党委书记" in r for r in d.reasons)


@pytest.mark.parametrize(
    "text", ["西虢镇镇长从来没有收礼，是有人造谣。", "西虢镇镇长是否收受红包，能不能查询一下？"]
)
def test_denied_or_asked_conduct_is_no_confident_accusation(text: str) -> None:
    d = _d(text)
    assert any("not asserted" in r for r in d.reasons)
    if d.category == Category.ACCUSATION:
        # Issue 12, item 4: the model reads an accusation where the structure sees the conduct denied
        # or only asked about; split evidence is taken in scope with low confidence, for an officer.
        assert d.confidence <= 0.5 and any(r.startswith("doubt") for r in d.reasons)


def test_conduct_of_no_official_is_an_appeal() -> None:
    assert _d("西虢镇中心小学向学生乱收资料费。").category == Category.APPEAL


def test_vague_shortcoming_is_a_suggestion() -> None:
    assert _d("西虢镇镇长工作能力一般，建议多下基层。").category == Category.SUGGESTION


def test_no_content_is_confident() -> None:
    for text in ("你好", "测试", "", "🙂", "【速贷】无抵押低息贷款，当天放款"):
        d = _d(text)
        assert d.scope == Scope.NO_CONTENT and d.target is None and d.confidence >= 0.8


def test_status_query_is_not_a_report() -> None:
    d = _d("查询 MZ1-0042")
    assert d.scope == Scope.NO_CONTENT and any("MZ1-0042" in r for r in d.reasons)


def test_ambiguous_place_lowers_confidence() -> None:
    clear = _d("孟州市某小区物业乱收费。")
    unclear = _d("朝阳区某小区物业乱收费。")
    assert unclear.confidence < clear.confidence
    assert any("ambiguous" in r for r in unclear.reasons)


def test_long_and_hostile_texts_still_decide() -> None:
    for text in (
        "举报" * 50_000,
        "\x00\x01\x02" * 1000,
        "西虢镇镇长" + "😀" * 5000,
        "Ω≈ç√ 西虢镇 ⊂⊃ 镇长 贪污",
    ):
        d = _d(text)
        assert d.id == "t"
