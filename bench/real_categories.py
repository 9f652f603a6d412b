"""Category of real messages against a reader's labels, out of fold (issue 12's real-message goals).

usage: PYTHONPATH=$PWD python -m bench.real_categories [--labels CSV ...] [-v | --held]
`--labels`: `row,category` for rows of `teddy2020-dev.csv` (0-based, file order), one or more files
(repeat the flag); default every reader's development labels, `corpus/train/teddy-categories-dev*.csv`
(`data.teddy_category_files`; a row in two files must agree). Only development rows are read
(`data.is_dev_row`: 0-299 and from 1200 on); with `--held`, only the others, counts only. Rows
labelled `unclear` are not counted. Each row is decided by a model that never trained on it: a row
of the training folds by its fold's model, a row of the held-back fifth by the model of all the rows
not held back (the fold models are cached in build/textmodel-folds/, shared with `petition model
evaluate`). Printed for the development rows only: clear accusations found, clear suggestions
found, clear appeals taken as accusations or as suggestions, and the department match of the clear
appeals. `-v` lists the development rows' misses. The held-back rows (300-1199) are neither decided
nor printed here: they are scored once, at the end, by whoever owns the held-back sets, and must not
steer any change: `--held --labels corpus/heldback/...` prints their counts (never their misses; `-v`
is refused with it). The fold models are those of `petition model evaluate`
(`intake.textmodel.folds.split`: labelled rows grouped by inspection, real messages by text hash), so
the cache is shared.
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from intake.models import Category, Decision
from intake.textmodel.data import (
    ROOT,
    Row,
    default_teddy_path,
    is_dev_row,
    load_rows,
    read_category_labels,
    teddy_category_files,
)
from intake.textmodel.folds import fold_model, split
from intake.textmodel.oof import decide_row
from intake.textmodel.train import DEFAULT_PARAMS

DEV_ROWS = 300  # rows 0-299 are the first reader's development half (see data.TEDDY_DEV_ROWS)
FOLDS = 5


def read_labels(paths: Path | list[Path], held: bool = False) -> dict[str, str]:
    """Row id (`teddy-N`) -> the reader's category for the development rows (or, `held`, the others)
    of every file, `unclear` left out; a row labelled differently in two files is an error."""
    files = [paths] if isinstance(paths, Path) else paths
    return {
        f"teddy-{row}": c
        for row, c in read_category_labels(files).items()
        if c != "unclear" and is_dev_row(row) != held
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
            c["appeal_sugg"] += got is Category.SUGGESTION
            c["appeal_dept"] += d.target is not None and d.target.kind == f"department:{row.sector}"
    return c


def line(name: str, c: Counter[str]) -> str:
    def share(a: str, n: str) -> str:
        return f"{c[a]}/{c[n]} ({c[a] / max(1, c[n]):.0%})"

    return (
        f"{name}: clear accusations found {share('acc_found', 'accusation_n')}; "
        f"clear suggestions found {share('sugg_found', 'suggestion_n')}; "
        f"clear appeals taken as accusations {share('appeal_acc', 'appeal_n')}; "
        f"clear appeals taken as suggestions {share('appeal_sugg', 'appeal_n')}; "
        f"clear appeals to the labelled department {share('appeal_dept', 'appeal_n')}"
    )


def main() -> None:
    args = sys.argv[1:]
    paths = [Path(args[i + 1]) for i, a in enumerate(args[:-1]) if a == "--labels"] or teddy_category_files()
    teddy = default_teddy_path()
    missing = [p for p in paths if not p.exists()]
    if teddy is None or missing or not paths:
        need = missing or "label files"
        sys.exit(f"needs {need} and teddy2020-dev.csv (../shared/data or PETITION_TEDDY_CSV)")
    held = "--held" in args
    if held and "-v" in args:
        sys.exit("-v lists misses: never for held-back rows")
    labels = read_labels(paths, held)
    rows = load_rows(teddy)
    decided = decide_unseen(rows, set(labels))
    ids = sorted((i for i in labels if i in decided), key=lambda i: int(i.split("-")[1]))
    names = ", ".join(p.name for p in paths)
    print(f"reader's labels {names}: {len(ids)} clear rows decided by models that never saw them")
    name = "held-back rows" if held else "development rows"
    print(line(name, count(labels, decided, ids)))
    if len(paths) > 1:  # each reader's rows apart, so a change can be judged on rows it was not read from
        for p in paths:
            own = set(read_labels(p, held))
            print(line(f"  {p.name}", count(labels, decided, [i for i in ids if i in own])))
    if "-v" in args:
        for i in ids:
            d = decided[i][1]
            if d.category.value != labels[i]:
                print(f"  {i}: reader {labels[i]}, decided {d.category.value}; {'; '.join(d.reasons)}")


if __name__ == "__main__":
    main()
