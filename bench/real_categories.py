"""Category of real messages against a reader's labels, out of fold (issue 12's real-message goals).

usage: PYTHONPATH=$PWD python -m bench.real_categories [--labels CSV] [-v | --held]
`--labels`: `row,category` for rows of `teddy2020-dev.csv` (0-based, file order; default
`corpus/heldback/teddy-categories.csv`, rows 0-299 the development half, 300-599 held back). Rows
labelled `unclear` are not counted. Each row is decided by a model that never trained on it: a row
of the training folds by its fold's model, a row of the held-back fifth by the model of all the rows
not held back (the fold models are cached in build/textmodel-folds/, shared with `petition model
evaluate`). Printed for the development half only: clear accusations found, clear suggestions
found, clear appeals taken as accusations, and the department match of the clear appeals. `-v` lists
the development half's misses. The held-back half (rows 300-599) is neither decided nor printed here:
it is scored once, at the end, by whoever owns the held-back sets, and must not steer any change:
`--held` prints the counts of the rows from 300 on (never their misses; `-v` is refused with it).
The fold models are those of `petition model evaluate` (`intake.textmodel.folds.split`: labelled rows
grouped by inspection, real messages by text hash), so the cache is shared.
"""

from __future__ import annotations

import csv
import sys
from collections import Counter
from pathlib import Path

from intake.models import Category, Decision
from intake.textmodel.data import ROOT, Row, default_teddy_path, load_rows
from intake.textmodel.folds import fold_model, split
from intake.textmodel.oof import decide_row
from intake.textmodel.train import DEFAULT_PARAMS

LABELS = ROOT / "corpus" / "heldback" / "teddy-categories.csv"
DEV_ROWS = 300  # rows 0-299 are the development half; the rest are held back
FOLDS = 5


def read_labels(path: Path, held: bool = False) -> dict[str, str]:
    """Row id (`teddy-N`) -> the reader's category for the development half (or, `held`, the rows
    from DEV_ROWS on), `unclear` left out."""
    with path.open(encoding="utf-8", newline="") as f:
        return {
            f"teddy-{r['row']}": r["category"]
            for r in csv.DictReader(f)
            if r["category"] != "unclear" and (int(r["row"]) >= DEV_ROWS) == held
        }


def decide_unseen(rows: list[Row], wanted: set[str]) -> dict[str, tuple[Row, Decision]]:
    """The wanted rows, each decided by a model that never trained on it."""
    cache = ROOT / "build" / "textmodel-folds"
    dev = [r for r in rows if not r.heldback]
    out: dict[str, tuple[Row, Decision]] = {}
    held = [r for r in rows if r.heldback and r.id in wanted]
    if held:
        model = fold_model(dev, DEFAULT_PARAMS, cache)
        out.update((r.id, (r, decide_row(r, model))) for r in held)
    for train, fold_rows in split(dev, FOLDS):
        test = [r for r in fold_rows if r.id in wanted]
        if test:
            model = fold_model(train, DEFAULT_PARAMS, cache)
            out.update((r.id, (r, decide_row(r, model))) for r in test)
    return out


def count(labels: dict[str, str], decided: dict[str, tuple[Row, Decision]], ids: list[str]) -> Counter[str]:
    c: Counter[str] = Counter()
    for i in ids:
        row, d = decided[i]
        want, got = labels[i], d.category
        c[f"{want}_n"] += 1
        c["acc_found"] += want == "accusation" and got is Category.ACCUSATION
        c["sugg_found"] += want == "suggestion" and got is Category.SUGGESTION
        if want == "appeal":
            c["appeal_acc"] += got is Category.ACCUSATION
            c["appeal_dept"] += d.target is not None and d.target.kind == f"department:{row.sector}"
    return c


def line(name: str, c: Counter[str]) -> str:
    def share(a: str, n: str) -> str:
        return f"{c[a]}/{c[n]} ({c[a] / max(1, c[n]):.0%})"

    return (
        f"{name}: clear accusations found {share('acc_found', 'accusation_n')}; "
        f"clear suggestions found {share('sugg_found', 'suggestion_n')}; "
        f"clear appeals taken as accusations {share('appeal_acc', 'appeal_n')}; "
        f"clear appeals to the labelled department {share('appeal_dept', 'appeal_n')}"
    )


def main() -> None:
    args = sys.argv[1:]
    path = Path(args[args.index("--labels") + 1]) if "--labels" in args else LABELS
    teddy = default_teddy_path()
    if teddy is None or not path.exists():
        sys.exit(f"needs {path} and teddy2020-dev.csv (../shared/data or PETITION_TEDDY_CSV)")
    held = "--held" in args
    if held and "-v" in args:
        sys.exit("-v lists misses: never for held-back rows")
    labels = read_labels(path, held)
    rows = load_rows(teddy)
    decided = decide_unseen(rows, set(labels))
    ids = sorted((i for i in labels if i in decided), key=lambda i: int(i.split("-")[1]))
    print(f"reader's labels {path.name}: {len(ids)} clear rows decided by models that never saw them")
    name = f"held-back rows ({DEV_ROWS} on)" if held else f"development half (rows 0-{DEV_ROWS - 1})"
    print(line(name, count(labels, decided, ids)))
    if "-v" in args:
        for i in ids:
            d = decided[i][1]
            if d.category.value != labels[i]:
                print(f"  {i}: reader {labels[i]}, decided {d.category.value}; {'; '.join(d.reasons)}")


if __name__ == "__main__":
    main()
