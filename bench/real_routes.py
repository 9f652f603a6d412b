"""Where the real messages' department match is lost between the model and the route, out of fold.

usage: PYTHONPATH=$PWD python -m bench.real_routes [-v]
Each real message of `teddy2020-dev.csv` (the held-back fifth left out, as `petition model evaluate`
does) is decided by its fold's model (the same folds and cached models, build/textmodel-folds/).
Printed: the share whose labelled department is the model's top sector, the top of the combined
evidence (`vote.combine_sectors`: the model plus the lexicon) and the route of the full decide();
then the misses of the route by the category decided and by the step that lost them: the combined
evidence was right but the item was taken as an accusation (a discipline body), a court case, a
suggestion left with no department, or an appeal routed elsewhere (guard, the inspected unit); or
the evidence itself was wrong. `-v` lists the rows (ids only) of each step.
"""

from __future__ import annotations

import sys
from collections import Counter, defaultdict

from intake.models import Category, Decision, InboundMessage
from intake.pipeline import _compiled, _extract, _text_of
from intake.textmodel.data import ROOT, Row, default_teddy_path, load_rows
from intake.textmodel.folds import fold_model, split
from intake.textmodel.oof import REAL_INSPECTION, decide_row, inspection_named
from intake.textmodel.train import DEFAULT_PARAMS
from intake.vote import combine_sectors
from routing.divisions import load_divisions

FOLDS = 5


def step(row: Row, d: Decision, combined_top: str) -> str:
    """The step of the decision that lost a real message's department (or `right`)."""
    want = f"department:{row.sector}"
    if d.target is not None and d.target.kind == want:
        return "right"
    if combined_top != row.sector:
        return "evidence wrong"
    if d.category is Category.ACCUSATION:
        return "taken as accusation"
    if d.category is Category.LITIGATION:
        return "taken as a court case"
    if d.category is Category.SUGGESTION:
        return "suggestion without the department"
    return f"{d.category.value} routed to {d.target.kind if d.target else 'none'}"


def main() -> None:
    teddy = default_teddy_path()
    if teddy is None:
        sys.exit("needs teddy2020-dev.csv (../shared/data or PETITION_TEDDY_CSV)")
    rows = [r for r in load_rows(teddy) if not r.heldback]
    insp = inspection_named(REAL_INSPECTION)
    comp, divisions = _compiled(insp), load_divisions()
    tally: Counter[str] = Counter()
    steps: Counter[tuple[str, str]] = Counter()
    ids: defaultdict[str, list[str]] = defaultdict(list)
    for train, test in split(rows, FOLDS):
        model = fold_model(train, DEFAULT_PARAMS, ROOT / "build" / "textmodel-folds")
        for r in (r for r in test if r.source == "teddy"):
            d = decide_row(r, model)
            text = _text_of(InboundMessage(id=r.id, text=r.raw, channel="sms"), [])
            proba = model.sector_proba(text)
            combined = combine_sectors(_extract(text, comp, insp, divisions).sectors, proba)[0][0]
            tally["n"] += 1
            tally["model"] += max(proba, key=proba.__getitem__) == r.sector
            tally["combined"] += combined == r.sector
            s = step(r, d, combined)
            tally["route"] += s == "right"
            if s != "right":
                steps[(s, d.category.value)] += 1
                ids[s].append(r.id)
    n = tally["n"]
    print(f"real messages {n} (out of fold): labelled department is")
    for key, what in (("model", "the model's top sector"), ("combined", "the combined evidence's top")):
        print(f"  {what}: {tally[key] / n:.3f}")
    print(f"  the route of decide(): {tally['route'] / n:.3f}")
    print("misses of the route, by step (category decided):")
    for (s, cat), k in sorted(steps.items(), key=lambda kv: -kv[1]):
        print(f"  {k:4d} {k / n:.3f}  {s} ({cat})")
    if "-v" in sys.argv[1:]:
        for s, rows_of in ids.items():
            print(f"{s}: {' '.join(rows_of)}")


if __name__ == "__main__":
    main()
