"""Every ground renders in Chinese for the desk and in English for the batch contract."""

from __future__ import annotations

import json
import re
from pathlib import Path

from intake.inspection import load_inspection
from intake.models import InboundMessage, Reason
from intake.pipeline import decide
from intake.reasons import ACT_EN, ACT_ZH, CODES, DOUBT_EN, DOUBT_ZH, ROUTE_ZH, en, zh
from intake.structure import DISCIPLINE_OF
from tests.fakes.textmodel import FakeTextModel

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = {
    "acts": "kin_business,take",
    "disciplines": "integrity",
    "cues": "收受",
    "post": "副厅长",
    "unit": "河南省审计厅",
    "tier": "leadership",
    "name": "河南省纪委监委",
    "why": "split",
    "by": "structure",
    "category": "accusation",
    "p": "0.82",
    "actor": "副厅长",
    "tracking": "HN1-0001",
    "chars": "6000",
    "words": "建议",
    "place": "栾川县",
    "code": "410324",
    "candidates": "栾川县、某县",
    "sector": "housing",
    "other": "market",
    "error": "ValueError",
    "version": "m-1",
}
_HAN = re.compile(r"[\u4e00-\u9fff]")


def test_every_code_renders_in_both_languages() -> None:
    for code in CODES:
        r = Reason(code=code, args=SAMPLE)
        line_zh, line_en = zh(r), en(r)
        assert _HAN.search(line_zh) and "{" not in line_zh, (code, line_zh)
        assert line_en and "{" not in line_en, (code, line_en)


def test_the_desk_lines_of_the_issue() -> None:
    subject = Reason(code="subject", args={"unit": "审计厅", "post": "副厅长", "tier": "leadership"})
    assert zh(subject) == "被反映人：审计厅副厅长（领导班子成员）"
    conduct = Reason(code="conduct", args={"acts": "kin_business", "disciplines": "integrity"})
    assert zh(conduct) == "问题性质：亲属经商、项目外包（廉洁纪律）"
    route = Reason(code="route", args={"name": "河南省纪委监委", "why": "dept"})
    assert zh(route).startswith("去向：河南省纪委监委（")
    model = Reason(code="decided_by", args={"by": "model", "p": "0.82", "category": "accusation"})
    assert zh(model) == "由模型判断（把握度0.82）：检举控告"


def test_every_value_the_pipeline_emits_has_a_rendering() -> None:
    assert set(DISCIPLINE_OF) <= set(ACT_ZH) and set(ACT_ZH) == set(ACT_EN)
    assert set(DOUBT_ZH) == set(DOUBT_EN)
    inspections: dict[str, object] = {}
    files = [ROOT / "tests/data/structure_cases.jsonl", *sorted((ROOT / "tests/data/cases").glob("*.jsonl"))]
    model = FakeTextModel()
    for f in files:
        for line in f.read_text("utf-8").splitlines():
            case = json.loads(line)
            name = case["inspection"]
            if name not in inspections:
                inspections[name] = load_inspection(ROOT / "intake/examples" / f"{name}.toml")
            for m in (None, model):
                d = decide(InboundMessage(id="r", text=case["text"]), inspections[name], m)  # type: ignore[arg-type]
                for g in d.grounds:
                    assert g.code in CODES, g
                    if g.code == "route":
                        assert g.args["why"] in ROUTE_ZH, g
                    if g.code in ("doubt", "doubt_checked"):
                        assert g.args["why"] in DOUBT_ZH, g
                    if g.code == "conduct":
                        assert all(a in ACT_ZH for a in g.args["acts"].split(",") if a), g
                    assert "{" not in zh(g) and "{" not in en(g)
                assert d.reasons == [en(g) for g in d.grounds]
