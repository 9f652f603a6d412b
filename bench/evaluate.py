"""Scores decide() on labelled cases: scope, in-scope recall/precision, category, target accuracy.

usage: python bench/evaluate.py [CASES.jsonl ...] [-v]   (default: tests/data/public_cases.jsonl and
tests/data/cases/*.jsonl)
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.inspection import Inspection, load_inspection
from intake.models import InboundMessage
from intake.pipeline import decide

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "intake" / "examples"


@dataclass
class Score:
    n: int = 0
    scope_ok: int = 0
    cat_ok: int = 0
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tgt_n: int = 0
    tgt_ok: int = 0
    both_ok: int = 0

    def line(self) -> str:
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0
        return (
            f"cases {self.n}: scope {self.scope_ok / max(1, self.n):.2f}, in-scope recall {recall:.2f} "
            f"precision {precision:.2f}, category {self.cat_ok / max(1, self.n):.2f}, target "
            f"{self.tgt_ok / max(1, self.tgt_n):.2f} ({self.tgt_ok}/{self.tgt_n}), scope+target "
            f"{self.both_ok}/{self.n}"
        )


_INSPECTIONS: dict[str, Inspection] = {}


def inspection(name: str) -> Inspection:
    if name not in _INSPECTIONS:
        _INSPECTIONS[name] = load_inspection(EXAMPLES / f"{name}.toml")
    return _INSPECTIONS[name]


def score(cases: list[dict[str, Any]], verbose: bool = False) -> Score:
    """Run every case through decide() and count the contract's measures."""
    s = Score()
    for c in cases:
        e = c["expect"]
        d = decide(
            InboundMessage(id=c["id"], text=c["text"], channel=c.get("channel", "sms")),
            inspection(c["inspection"]),
        )
        s.n += 1
        miss = []
        scope_ok = d.scope.value == e["scope"]
        s.scope_ok += scope_ok
        if not scope_ok:
            miss.append(f"scope {d.scope.value} != {e['scope']}")
        if d.category.value == e["category"]:
            s.cat_ok += 1
        else:
            miss.append(f"category {d.category.value} != {e['category']}")
        if e["scope"] == "in_scope":
            if d.scope.value == "in_scope":
                s.tp += 1
            else:
                s.fn += 1
        elif d.scope.value == "in_scope":
            s.fp += 1
        tgt_ok = True
        if e["target"]:
            s.tgt_n += 1
            t = d.target
            tgt_ok = t is not None and t.kind == e["target"]["kind"] and t.region == e["target"]["region"]
            s.tgt_ok += tgt_ok
            if not tgt_ok:
                miss.append(
                    f"target {t.kind if t else None}/{t.region if t else None} != "
                    f"{e['target']['kind']}/{e['target']['region']}"
                )
        elif d.target is not None:
            tgt_ok = False
        s.both_ok += scope_ok and tgt_ok
        if miss and verbose:
            print(f"{c['id']} [{c['inspection']}] {c['text'][:50]!r}: " + "; ".join(miss))
            print("    reasons:", d.reasons)
    return s


def load(paths: list[Path]) -> list[dict[str, Any]]:
    """Labelled cases from JSON Lines files."""
    return [
        json.loads(line) for p in paths for line in p.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv
    groups = [Path(a) for a in args] or [
        ROOT / "tests/data/public_cases.jsonl",
        *sorted((ROOT / "tests/data/cases").glob("*.jsonl")),
    ]
    for p in groups:
        print(p.name, score(load([p]), verbose).line())


if __name__ == "__main__":
    main()
