"""The model and the structure vote; when unsure, the item is taken in scope with low confidence."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.inspection import load_inspection
from intake.models import Category, InboundMessage, Scope
from intake.pipeline import decide
from intake.reasons import render_zh
from intake.vote import EARN_OTHER_PRINCIPAL, Vote, unearned
from tests.fakes.textmodel import FakeTextModel

EXAMPLES = Path(__file__).resolve().parents[2] / "intake" / "examples"
HENAN = load_inspection(EXAMPLES / "henan-audit-2016.toml")
MENGZHOU = load_inspection(EXAMPLES / "mengzhou-xiguo-2021.toml")


def _msg(text: str) -> InboundMessage:
    return InboundMessage(id="v", text=text)


def test_both_agree_high_and_the_reasons_say_so() -> None:
    model = FakeTextModel({Category.ACCUSATION: 0.9, Category.APPEAL: 0.1})
    d = decide(_msg("审计厅一个处长开的车是老板送的，挂的是别人的名字。"), HENAN, model)
    assert d.scope is Scope.IN_SCOPE and d.model_version == "fake-1"
    assert any(line.startswith("模型与结构一致") for line in render_zh(d.grounds))
    assert d.confidence >= 0.6


def test_structure_against_the_model_is_in_scope_with_low_confidence() -> None:
    model = FakeTextModel({Category.APPEAL: 0.95, Category.ACCUSATION: 0.05})
    d = decide(
        _msg("审计厅一位副厅长的爱人开了家会计师事务所，厅里好几个审计项目都外包给了这家所。"), HENAN, model
    )
    assert d.scope is Scope.IN_SCOPE and d.category is Category.ACCUSATION
    assert d.confidence < 0.6  # the queue puts it in front of an officer
    assert any(g.code == "doubt" and g.args["why"] == "split" for g in d.grounds)
    assert any("存疑" in line for line in render_zh(d.grounds))


def test_a_split_vote_out_of_scope_never_says_it_was_taken_in_scope() -> None:
    # A street office's deputy is nobody an audit department's inspection takes: the doubt is the
    # category's, and the reason the officer reads must not claim in-scope handling (seen on the desk).
    model = FakeTextModel({Category.APPEAL: 0.83, Category.ACCUSATION: 0.17})
    d = decide(_msg("我家楼下路灯坏了半个月。另外听说街道一个副主任的小舅子包了小区改造工程。"), HENAN, model)
    assert d.category is Category.ACCUSATION and d.scope is Scope.OUT_OF_SCOPE
    assert d.confidence < 0.6
    lines = render_zh(d.grounds)
    assert not any("按受理范围内处理" in line for line in lines), lines
    assert any(g.code == "doubt_checked" and g.args["why"] == "split" for g in d.grounds)
    assert any(line.startswith("存疑") and "请值班人员核定" in line for line in lines)


def test_model_alone_with_a_local_official_named_is_in_scope_when_unsure() -> None:
    model = FakeTextModel({Category.ACCUSATION: 0.35, Category.APPEAL: 0.65})
    d = decide(_msg("西虢镇某村村支书这个人，大家心里都有数，希望巡察组来村里看看。"), MENGZHOU, model)
    assert d.scope is Scope.IN_SCOPE and d.confidence < 0.6
    assert any(g.code == "doubt" and g.args["why"] == "official" for g in d.grounds)


def test_model_decides_an_accusation_the_structure_misses() -> None:
    model = FakeTextModel({Category.ACCUSATION: 0.92, Category.APPEAL: 0.08})
    d = decide(_msg("审计厅党组书记这几年的做法，大家私下里议论纷纷，都说他心思不在工作上。"), HENAN, model)
    assert d.scope is Scope.IN_SCOPE
    assert any(g.code == "decided_by" and g.args["by"] == "model" for g in d.grounds)


def test_no_official_no_structure_the_model_appeal_stands() -> None:
    model = FakeTextModel({Category.APPEAL: 0.9}, {"housing": 0.8, "transport": 0.1})
    d = decide(_msg("我家小区的电梯坏了一个月，物业一直拖着不修。"), HENAN, model)
    assert d.category is Category.APPEAL and d.scope is Scope.OUT_OF_SCOPE
    assert d.target is not None and d.target.kind.startswith("department:")


def test_a_proposal_the_words_show_stands_against_a_sure_model_with_low_confidence() -> None:
    """The model's real messages are trained as appeals, so its appeal answer cannot unmake a proposal."""
    model = FakeTextModel({Category.APPEAL: 0.99, Category.SUGGESTION: 0.01}, {"transport": 0.9})
    d = decide(_msg("建议县城公交线路延伸到高铁站，方便外出的群众。"), HENAN, model)
    assert d.category is Category.SUGGESTION and d.scope is Scope.OUT_OF_SCOPE
    assert d.confidence < 0.5  # the model disagrees: the officer confirms


def test_a_proposal_with_a_grievance_of_the_senders_is_left_to_the_model() -> None:
    model = FakeTextModel({Category.APPEAL: 0.95, Category.SUGGESTION: 0.05}, {"housing": 0.9})
    d = decide(_msg("建议尽快解决我们小区拖欠维修基金的问题，物业一直不退钱。"), HENAN, model)
    assert d.category is Category.APPEAL


def test_a_failing_model_leaves_the_structure_to_decide() -> None:
    d = decide(_msg("审计厅一个处长开的车是老板送的。"), HENAN, FakeTextModel(fail=True))
    assert d.scope is Scope.IN_SCOPE and d.model_version is None
    assert not any("internal error" in r for r in d.reasons)


def test_the_model_sees_the_normalised_text() -> None:
    model = FakeTextModel()
    decide(_msg("審計廳副廳長收禮"), HENAN, model)
    assert model.seen == ["审计厅副厅长收礼"]


def test_a_named_official_in_the_tiers_takes_the_item_in_scope_with_a_doubt() -> None:
    # The act is a county bureau's 科员's (below the tiers), but the inspected town's 镇长 is named in
    # the same report: when unsure, in scope wins, with a doubt and low confidence (issue 12, item 4).
    model = FakeTextModel({Category.ACCUSATION: 0.9, Category.APPEAL: 0.1})
    d = decide(_msg("孟州市教育局的一个科员收了老板的红包，当时西虢镇镇长也在场"), MENGZHOU, model)
    assert d.scope is Scope.IN_SCOPE and d.confidence <= 0.5
    assert any(g.code == "doubt" and g.args["why"] == "official" for g in d.grounds)
    alone = decide(_msg("孟州市教育局的一个科员收了老板的红包"), MENGZHOU, model)
    assert alone.scope is Scope.OUT_OF_SCOPE


def test_confidence_must_be_earned() -> None:
    from intake.vote import Vote, unearned

    model_only = Vote(Category.ACCUSATION, "model", 0.95, None)
    both = Vote(Category.ACCUSATION, "both", 0.95, None)
    appeal = Vote(Category.APPEAL, "both", 0.95, None)
    assert unearned(model_only, acts=False, officials=1, chars=80, tiered=True) > 0
    assert unearned(both, acts=True, officials=1, chars=80, tiered=True) == 0
    # a long letter naming many officials, and an appeal that names an official in the tiers
    assert unearned(both, acts=True, officials=4, chars=900, tiered=True) > 0
    assert unearned(appeal, acts=False, officials=1, chars=80, tiered=True) > 0
    assert unearned(appeal, acts=False, officials=1, chars=80, tiered=False) == 0


def test_a_narrow_lead_of_the_model_lowers_the_confidence() -> None:
    # The same probability for the accusation; the runner-up close behind costs confidence.
    text = "审计厅一个处长开的车是老板送的，挂的是别人的名字。"
    wide = decide(
        _msg(text),
        HENAN,
        FakeTextModel({Category.ACCUSATION: 0.6, Category.APPEAL: 0.2, Category.SUGGESTION: 0.2}),
    )
    narrow = decide(_msg(text), HENAN, FakeTextModel({Category.ACCUSATION: 0.6, Category.APPEAL: 0.4}))
    assert wide.category is narrow.category is Category.ACCUSATION
    assert narrow.confidence < wide.confidence


def test_raw_confidence_counts_the_margin_and_what_was_guessed() -> None:
    from intake.vote import Vote, category_margin, raw_confidence, unearned

    assert category_margin(None) is None
    assert category_margin({Category.APPEAL: 0.7, Category.ACCUSATION: 0.2}) == pytest.approx(0.5)
    sure = Vote(Category.APPEAL, "both", 0.9, None, margin=0.85)
    close = Vote(Category.APPEAL, "both", 0.9, None, margin=0.1)
    kw = {"structure": False, "penalties": 0.0, "sector_margin": None}
    assert raw_confidence(vote=close, **kw) < raw_confidence(vote=sure, **kw)  # type: ignore[arg-type]
    acc = Vote(Category.ACCUSATION, "both", 0.95, None)
    plain = unearned(acc, acts=True, officials=1, chars=80, tiered=False)
    assert unearned(acc, acts=True, officials=1, chars=80, tiered=False, tier_guessed=True) > plain


def test_a_principal_whose_body_was_not_placed_in_the_tiers_costs_confidence() -> None:
    # Whether 某公司的一把手 heads a subordinate of the inspected unit is what unseen kinds of inspection
    # get wrong: the same out-of-scope accusation earns less when its subject heads a body.
    vote = Vote(Category.ACCUSATION, "both", 0.9, None)
    staff = unearned(vote, acts=True, officials=1, chars=80, tiered=False, tier_guessed=1)
    head = unearned(vote, acts=True, officials=1, chars=80, tiered=False, tier_guessed=1, principal=True)
    assert head == staff + EARN_OTHER_PRINCIPAL
    placed = unearned(vote, acts=True, officials=1, chars=80, tiered=False, tier_guessed=0, principal=True)
    assert placed == 0.0  # a principal whose tier was read costs nothing
