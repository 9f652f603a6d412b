"""Every Decision of a fixed set of messages, written out and compared: a speed change must change none.

`python -m bench.same_decisions write OUT.jsonl` decides the public cases, the project's own cases
(tests/data) and a sample of real messages (the shared evaluation data, when it lies beside the
repository) with the shipped model and without one, and writes each whole Decision as JSON.
`python -m bench.same_decisions check OUT.jsonl` decides them again and lists every difference; it
exits 1 if there is one. Write on the tree before a change, check on the tree after it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from bench.classify_bench import ROOT, _real_messages, _texts

REAL_SAMPLE = 1500


def _cases() -> Iterator[tuple[str, str, str]]:
    """(key, inspection name, text) of every message decided."""
    for k, (name, text) in enumerate(_texts()):
        yield f"case{k}", name, text
    names = sorted({n for n, _ in _texts()})
    for k, text in enumerate(_real_messages(REAL_SAMPLE)):
        yield f"real{k}", names[k % len(names)], text


def decisions() -> Iterator[tuple[str, dict[str, object]]]:
    """(key, Decision as JSON data) of every case, with the model and with NO_MODEL."""
    from intake.inspection import load_inspection
    from intake.models import InboundMessage
    from intake.pipeline import NO_MODEL, decide
    from intake.textmodel import default_model

    inspections: dict[str, object] = {}
    for key, name, text in _cases():
        if name not in inspections:
            inspections[name] = load_inspection(ROOT / "intake/examples" / f"{name}.toml")
        message = InboundMessage(id=key, text=text)
        for label, model in (("model", default_model()), ("none", NO_MODEL)):
            d = decide(message, inspections[name], model=model)  # type: ignore[arg-type]
            yield f"{key}/{label}", d.model_dump(mode="json")


def main() -> None:
    """Write or check the decisions."""
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("mode", choices=("write", "check"))
    p.add_argument("path", type=Path)
    args = p.parse_args()
    if args.mode == "write":
        with args.path.open("w", encoding="utf-8") as f:
            n = 0
            for key, d in decisions():
                f.write(json.dumps({"key": key, "decision": d}, ensure_ascii=False, sort_keys=True) + "\n")
                n += 1
        print(f"{n} decisions written to {args.path}")
        return
    before = {}
    for line in args.path.read_text("utf-8").splitlines():
        row = json.loads(line)
        before[row["key"]] = row["decision"]
    changed = [key for key, d in decisions() if before.pop(key, None) != d]
    for key in changed[:20]:
        print(f"changed: {key}")
    print(f"{len(changed)} changed, {len(before)} missing")
    sys.exit(1 if changed or before else 0)


if __name__ == "__main__":
    main()
