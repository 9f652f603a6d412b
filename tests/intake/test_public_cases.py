"""The 35 public labelled cases: scope and target must both be right on at least 28."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.inspection import Inspection, load_inspection
from intake.models import Channel, InboundMessage
from intake.pipeline import decide

DATA = Path(__file__).resolve().parent.parent / "data"
EXAMPLES = Path(__file__).resolve().parents[2] / "intake" / "examples"
FLOOR = 28


def _inspection(name: str, cache: dict[str, Inspection] = {}) -> Inspection:  # noqa: B006 - a memo
    if name not in cache:
        cache[name] = load_inspection(EXAMPLES / f"{name}.toml")
    return cache[name]


def _right(case: dict[str, object]) -> bool:
    expect = case["expect"]
    assert isinstance(expect, dict)
    d = decide(
        InboundMessage(id=str(case["id"]), text=str(case["text"]), channel=Channel(str(case["channel"]))),
        _inspection(str(case["inspection"])),
    )
    if d.scope.value != expect["scope"]:
        return False
    want = expect["target"]
    if want is None:
        return d.target is None
    return d.target is not None and d.target.kind == want["kind"] and d.target.region == want["region"]


def test_public_cases_floor(capsys: pytest.CaptureFixture[str]) -> None:
    cases = [
        json.loads(line) for line in (DATA / "public_cases.jsonl").read_text("utf-8").splitlines() if line
    ]
    right = [c["id"] for c in cases if _right(c)]
    wrong = [c["id"] for c in cases if c["id"] not in right]
    with capsys.disabled():
        print(f"\npublic cases: scope+target right on {len(right)}/{len(cases)}; wrong: {wrong}")
    assert len(right) >= FLOOR
