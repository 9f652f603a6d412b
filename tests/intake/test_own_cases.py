"""The project's own labelled cases (tests/data/cases/*.jsonl): floors on scope, target and recall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.inspection import Inspection, load_inspection
from intake.models import Channel, InboundMessage
from intake.pipeline import decide

CASES = Path(__file__).resolve().parent.parent / "data" / "cases"
EXAMPLES = Path(__file__).resolve().parents[2] / "intake" / "examples"


def test_own_cases_floor(capsys: pytest.CaptureFixture[str]) -> None:
    inspections: dict[str, Inspection] = {}
    cases = [
        json.loads(line) for p in sorted(CASES.glob("*.jsonl")) for line in p.read_text("utf-8").splitlines()
    ]
    assert len(cases) >= 150
    right = recall_hit = recall_n = 0
    wrong: list[str] = []
    for c in cases:
        name = c["inspection"]
        inspections.setdefault(name, load_inspection(EXAMPLES / f"{name}.toml"))
        d = decide(
            InboundMessage(id=c["id"], text=c["text"], channel=Channel(c["channel"])), inspections[name]
        )
        e = c["expect"]
        want = e["target"]
        target_ok = (
            (d.target is None)
            if want is None
            else (
                d.target is not None and d.target.kind == want["kind"] and d.target.region == want["region"]
            )
        )
        if d.scope.value == e["scope"] and target_ok:
            right += 1
        else:
            wrong.append(c["id"])
        if e["scope"] == "in_scope":
            recall_n += 1
            recall_hit += d.scope.value == "in_scope"
    with capsys.disabled():
        print(f"\nown cases: scope+target {right}/{len(cases)}, in-scope recall {recall_hit}/{recall_n}")
    assert right >= 0.9 * len(cases), wrong
    assert recall_hit == recall_n
