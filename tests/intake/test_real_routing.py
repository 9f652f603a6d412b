"""Real letters to a government board: to the competent department, not to the discipline bodies or
to the inspected unit because of a word (issue 12: real messages to the labelled department)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from intake.inspection import Inspection, load_inspection
from intake.models import Category, InboundMessage, Scope
from intake.pipeline import NO_MODEL, decide
from tests.fakes.textmodel import FakeTextModel

EXAMPLES = Path(__file__).resolve().parents[2] / "intake" / "examples"
HENAN = load_inspection(EXAMPLES / "henan-audit-2016.toml")
MENGZHOU = load_inspection(EXAMPLES / "mengzhou-xiguo-2021.toml")

# The model all but rules out an accusation, or is unsure; both read the matter as a wage/insurance one.
SURE_APPEAL = FakeTextModel({Category.APPEAL: 0.97, Category.ACCUSATION: 0.02}, {"human_resources": 0.9})
UNSURE = FakeTextModel({Category.APPEAL: 0.7, Category.ACCUSATION: 0.2}, {"human_resources": 0.9})
# 违法违规 said of a county bureau's head, in a letter about the sender's own injury claim.
OWN_MATTER = "长沙县人社局局长违法违规，我的工伤认定拖了两年还没有结果，请帮忙解决。"


def _decide(text: str, model: Any, inspection: Inspection = HENAN) -> tuple[Category, Scope, str | None]:
    d = decide(InboundMessage(id="r", text=text), inspection, model)
    return d.category, d.scope, d.target.kind if d.target is not None else None


def test_a_conduct_word_alone_does_not_outvote_a_sure_model() -> None:
    assert _decide(OWN_MATTER, SURE_APPEAL) == (
        Category.APPEAL,
        Scope.OUT_OF_SCOPE,
        "department:human_resources",
    )


def test_the_conduct_word_still_decides_when_the_model_is_unsure_or_absent() -> None:
    for model in (UNSURE, NO_MODEL):
        category, _, target = _decide(OWN_MATTER, model)
        assert category is Category.ACCUSATION and target == "discipline"


def test_a_strong_conduct_word_keeps_its_vote_against_a_sure_model() -> None:
    # 贪腐 is an accusation on its own when an official is named: the model's lean does not veto it.
    text = "长沙县人社局局长贪腐，我的工伤认定拖了两年还没有结果，请帮忙解决。"
    category, _, target = _decide(text, SURE_APPEAL)
    assert category is Category.ACCUSATION and target == "discipline"


def test_an_official_of_the_inspected_region_keeps_the_lexicon_vote() -> None:
    # In scope wins when unsure: the officer decides, whatever the model's lean.
    category, scope, _ = _decide("西虢镇镇长违法违规，我家的养老保险一直转不过来。", SURE_APPEAL, MENGZHOU)
    assert category is Category.ACCUSATION and scope is Scope.IN_SCOPE


def test_another_departments_leaders_are_not_the_inspected_units() -> None:
    # 人社厅领导 in an audit department's inspection: the 人社厅's leaders, so the 人社 department.
    text = "省人社厅领导：你们好！我们公司拖欠工资半年，请督促解决。"
    for model in (SURE_APPEAL, NO_MODEL):
        assert _decide(text, model)[2] == "department:human_resources"


def test_the_units_own_leaders_still_make_it_the_units_matter() -> None:
    for text in (
        "厅领导：你们好！我们公司拖欠工资半年，请督促解决。",
        "省厅领导：我们公司拖欠工资半年，请督促解决。",
    ):
        assert _decide(text, SURE_APPEAL)[2] == "inspected_unit"


# A letter to a leader asks the reader for help (请厅长帮帮我们): that 厅长 is no official it reports.
SURE_NOISE = FakeTextModel({Category.APPEAL: 0.97, Category.ACCUSATION: 0.02}, {"environment": 0.9})
PLEA_TO_THE_HEAD = (
    "我家楼下的小餐馆油烟直排，属违规行为，我们多次投诉没人管。请厅长帮帮我们，责成有关部门尽快处理。"
)


def test_a_plea_to_the_inspected_units_head_is_not_an_accusation_of_it() -> None:
    assert _decide(PLEA_TO_THE_HEAD, SURE_NOISE) == (
        Category.APPEAL,
        Scope.OUT_OF_SCOPE,
        "department:environment",
    )


def test_the_head_asked_about_is_still_reported() -> None:
    text = "请求查处审计厅厅长收受工程老板红包。"
    model = FakeTextModel({Category.ACCUSATION: 0.9, Category.APPEAL: 0.05}, {"housing": 0.5})
    category, scope, _ = _decide(text, model)
    assert (category, scope) == (Category.ACCUSATION, Scope.IN_SCOPE)
