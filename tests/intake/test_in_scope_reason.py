"""The reason "属于本组受理范围：反映巡视对象相关领导干部的问题" only where a subject in the tiers was read.

An accusation taken in scope on a doubt (an official named whose tier was not read) is in the team's
queue for an officer to decide; its reasons must not tell the officer the subject is a leader of the
inspected unit, which was not read. The doubt's own reason says it was taken in scope."""

from __future__ import annotations

from pathlib import Path

from intake.inspection import load_inspection
from intake.models import InboundMessage, Scope
from intake.pipeline import decide
from intake.reasons import render_zh
from tests.fakes.corpus import ACCUSE

HENAN = load_inspection(Path(__file__).resolve().parents[2] / "examples" / "henan-audit-2016.toml")
STATION_HEAD = "我们这有个站长，天天开着公家的车接送他孙子上下学，周末还开回老家。"  # whose 站 is not read
DEPUTY_HEAD = "审计厅一位副厅长的爱人开了家会计师事务所，厅里好几个审计项目都外包给了这家所。"


def _codes_and_words(text: str) -> tuple[Scope, list[str], list[str]]:
    d = decide(InboundMessage(id="t", text=text), HENAN, model=ACCUSE)  # type: ignore[arg-type]
    return d.scope, [g.code for g in d.grounds], render_zh(d.grounds)


def test_taken_in_scope_on_a_doubt_says_so_and_claims_no_tier() -> None:
    scope, codes, words = _codes_and_words(
        "我们这有个站长，天天开着公家的车接送他孙子上下学，周末还开回老家。"
    )
    assert scope is Scope.IN_SCOPE
    assert "doubt" in codes and "in_scope" not in codes
    assert any("按受理范围内处理" in w for w in words)
    assert not any("反映巡视对象相关领导干部" in w for w in words)


def test_a_subject_in_the_tiers_keeps_the_reason() -> None:
    scope, codes, _ = _codes_and_words(
        "审计厅一位副厅长的爱人开了家会计师事务所，厅里好几个审计项目都外包给了这家所。"
    )
    assert scope is Scope.IN_SCOPE
    assert "in_scope" in codes
