"""Confidence on labelled sets the model never saw: decisions at >= 0.9 wrong on scope, AUROC, buckets.

usage: python -m bench.heldback_confidence CASES.jsonl [CASES.jsonl ...] --inspections DIR

Prints counts only, never the texts of the misses: the held-back sets (corpus/heldback/) must not
steer the code, so this tool says how often the confidence is right, not which message was wrong.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from intake.inspection import Inspection, load_inspection
from intake.models import InboundMessage
from intake.pipeline import decide
from intake.textmodel.oof import auroc
from intake.textmodel.reliability import buckets, table


def _pairs(paths: list[Path], inspections: Path) -> tuple[list[tuple[float, bool]], list[tuple[float, bool]]]:
    """(confidence, right on scope) and (confidence, right on scope and category) per case."""
    loaded: dict[str, Inspection] = {}
    scope_pairs: list[tuple[float, bool]] = []
    both_pairs: list[tuple[float, bool]] = []
    for path in paths:
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            case = json.loads(line)
            name = case["inspection"]
            if name not in loaded:
                loaded[name] = load_inspection(inspections / f"{name}.toml")
            message = InboundMessage(id=case["id"], text=case["text"], channel=case.get("channel", "sms"))
            d = decide(message, loaded[name])
            scope_ok = d.scope.value == case["expect"]["scope"]
            scope_pairs.append((d.confidence, scope_ok))
            both_pairs.append((d.confidence, scope_ok and d.category.value == case["expect"]["category"]))
    return scope_pairs, both_pairs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", nargs="+", type=Path)
    parser.add_argument("--inspections", type=Path, required=True)
    args = parser.parse_args()
    scope_pairs, both_pairs = _pairs(args.cases, args.inspections)
    sure = [ok for p, ok in scope_pairs if p >= 0.9]
    wrong = len(sure) - sum(sure)
    share = wrong / max(1, len(sure))
    print(f"decisions {len(scope_pairs)}; at >= 0.9: {len(sure)}, wrong on scope {wrong} ({share:.1%})")
    print(f"AUROC right above wrong: scope {auroc(scope_pairs):.2f}, both {auroc(both_pairs):.2f}")
    print(table(buckets(both_pairs)))


if __name__ == "__main__":
    main()
