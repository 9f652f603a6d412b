"""Accusation by structure: everyday descriptions of misconduct by an identified official.

tests/data/structure_cases.jsonl holds 66 messages written for issue 12 across the disciplines of the
policy table and the three bundled inspections. Two thirds ("tune") were used while building
intake/structure.py; the other third ("check") was written at the same time and set aside: it was
not looked at while tuning, and its figure is printed separately.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.inspection import Inspection, load_inspection
from intake.models import Category, InboundMessage, Scope
from intake.pipeline import decide
from intake.structure import Actor, find_structure

DATA = Path(__file__).resolve().parent.parent / "data" / "structure_cases.jsonl"
EXAMPLES = Path(__file__).resolve().parents[2] / "intake" / "examples"
CASES = [json.loads(line) for line in DATA.read_text("utf-8").splitlines() if line.strip()]


def _inspection(name: str, cache: dict[str, Inspection] = {}) -> Inspection:  # noqa: B006 - a memo
    if name not in cache:
        cache[name] = load_inspection(EXAMPLES / f"{name}.toml")
    return cache[name]


def _right(case: dict[str, object]) -> bool:
    expect = case["expect"]
    assert isinstance(expect, dict)
    d = decide(
        InboundMessage(id=str(case["id"]), text=str(case["text"])), _inspection(str(case["inspection"]))
    )
    if expect["category"] is None and d.category is Category.ACCUSATION:
        # Not an accusation (praise, a denial): the structure argues against it, so if the model still
        # reads one, the split goes to an officer: in scope, low confidence, a doubt (issue 12, item 4).
        return d.confidence < 0.6 and any(g.code == "doubt" for g in d.grounds)
    if expect["scope"] is not None and d.scope.value != expect["scope"]:
        return False
    if expect["category"] is not None and d.category.value != expect["category"]:
        return False
    want = expect["target"]
    if want is not None:
        return d.target is not None and (d.target.kind, d.target.region) == (want["kind"], want["region"])
    return True


def test_the_issue_lines_are_in_scope_accusations() -> None:
    henan = _inspection("henan-audit-2016")
    lines = [c for c in CASES if c["split"] == "tune"][:4] + [
        c for c in CASES if "六十多桌" in c["text"] or "只用自己的老乡" in c["text"]
    ]
    for case in lines:
        d = decide(InboundMessage(id="i", text=case["text"]), henan)
        assert (d.scope, d.category) == (Scope.IN_SCOPE, Category.ACCUSATION), (case["text"], d.reasons)
        assert any(g.code == "decided_by" and g.args["by"] in ("structure", "both") for g in d.grounds)


@pytest.mark.parametrize("split,floor", [("tune", 1.0), ("check", 0.8)])
def test_structure_cases(split: str, floor: float, capsys: pytest.CaptureFixture[str]) -> None:
    cases = [c for c in CASES if c["split"] == split]
    wrong = [c["id"] for c in cases if not _right(c)]
    with capsys.disabled():
        print(f"\nstructure cases ({split}): {len(cases) - len(wrong)}/{len(cases)} right; wrong: {wrong}")
    assert len(cases) - len(wrong) >= floor * len(cases), wrong


def test_act_needs_its_official_before_it() -> None:
    text = "公交公司的司机收了红包。老板送的烟酒堆满了仓库。"
    assert not find_structure(text, [], plea=False).accusation
    actor = Actor(0, 2, "局长", 0)
    assert find_structure("局长收了老板送的红包。", [actor], plea=False).accusation


def test_denied_or_asked_act_does_not_count() -> None:
    actor = Actor(0, 2, "局长", 0)
    denied = find_structure("局长从没收过红包。", [actor], plea=False)
    assert not denied.acts and denied.held_back
    asked = find_structure("局长是否收了红包？", [actor], plea=False)
    assert not asked.acts


def test_pronoun_refers_back_to_the_official() -> None:
    text = "我们单位的局长。他小舅子开了家公司，单位的工程全给了他小舅子。"
    vote = find_structure(text, [Actor(5, 7, "局长", 0)], plea=False)
    assert vote.acts and vote.acts[0].via_pronoun


def test_report_aimed_at_an_official_unless_own_benefit_only() -> None:
    actor = Actor(4, 6, "局长", 0)
    assert find_structure("实名举报局长违规。", [actor], plea=False).accusation
    assert not find_structure("实名举报局长。", [actor], plea=True).accusation
    # made to an official, not about one
    assert not find_structure("我向局长举报了噪音。", [Actor(2, 4, "局长", 0)], plea=False).accusation
