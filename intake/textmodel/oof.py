"""Out-of-fold decisions: for k folds, train on k-1, run the full decide() on the held-out fold.

The measures of issue 12's table on rows no scoring model was trained on, and the (raw confidence,
right) pairs the calibration map is fitted on. The real messages are decided under an inspection
they never concern (henan-audit-2016, as `score_real.py` does); labelled rows under their own.
"""

from __future__ import annotations

import bisect
import inspect
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from intake.inspection import Inspection, load_inspection
from intake.models import Category, Decision, InboundMessage, Scope
from intake.pipeline import decide
from intake.textmodel.data import Row, inspection_dirs
from intake.textmodel.folds import fold_model, split
from intake.textmodel.train import DEFAULT_PARAMS, Params
from intake.vote import TextModel as Voter  # what decide() needs of a model

REAL_INSPECTION = "henan-audit-2016"
Trainer = Callable[[list[Row], Params, Path], Voter | None]


def _accepts_model() -> bool:
    return "model" in inspect.signature(decide).parameters


def decide_with(message: InboundMessage, insp: Inspection, model: Voter | None) -> Decision:
    """decide() with `model` once the pipeline takes one (`decide(..., model=)`); the lexicon alone before."""
    if model is not None and _accepts_model():
        return decide(message, insp, model=model)  # type: ignore[call-arg,unused-ignore]
    # decide() without a model uses the active one; the lexicon-only comparison must say so.
    from intake.pipeline import NO_MODEL

    return decide(message, insp, model=NO_MODEL)


@cache
def inspection_named(name: str) -> Inspection:
    for d in inspection_dirs():
        p = d / f"{name}.toml"
        if p.exists():
            return load_inspection(p)
    raise FileNotFoundError(f"inspection {name!r} not in {', '.join(map(str, inspection_dirs()))}")


def decide_row(row: Row, model: Voter | None) -> Decision:
    insp = inspection_named(row.inspection or REAL_INSPECTION)
    msg = InboundMessage(id=row.id, text=row.raw or row.text, channel=row.channel)  # type: ignore[arg-type]
    return decide_with(msg, insp, model)


def right(row: Row, d: Decision) -> bool:
    """Whether a decision is right on scope and category (real messages: out of scope and not an
    accusation, litigation or empty: their category label is only "mostly appeals")."""
    if row.expect is None:
        return d.scope == Scope.OUT_OF_SCOPE and d.category in (Category.APPEAL, Category.SUGGESTION)
    return bool(d.scope.value == row.expect["scope"] and d.category.value == row.expect["category"])


@dataclass
class Measures:
    """The issue's measures, counted over decisions."""

    c: Counter[str] = field(default_factory=Counter)
    pairs: list[tuple[float, bool]] = field(default_factory=list)
    labelled_pairs: list[tuple[float, bool]] = field(default_factory=list)
    real_pairs: list[tuple[float, bool]] = field(default_factory=list)

    def add(self, row: Row, d: Decision) -> None:
        c = self.c
        pair = (d.confidence, right(row, d))
        self.pairs.append(pair)
        (self.real_pairs if row.expect is None else self.labelled_pairs).append(pair)
        if row.expect is None:
            c["real"] += 1
            c["real_dept"] += d.target is not None and d.target.kind == f"department:{row.sector}"
            c["real_in"] += d.scope == Scope.IN_SCOPE
            c["real_acc"] += d.category == Category.ACCUSATION
            return
        e = row.expect
        c["n"] += 1
        c["hi"] += d.confidence >= 0.9
        c["hi_wrong"] += d.confidence >= 0.9 and d.scope.value != e["scope"]
        c["scope"] += d.scope.value == e["scope"]
        c["cat"] += d.category.value == e["category"]
        exp_in, got_in = e["scope"] == "in_scope", d.scope == Scope.IN_SCOPE
        c["tp"] += exp_in and got_in
        c["fn"] += exp_in and not got_in
        c["fp"] += got_in and not exp_in
        if e["target"]:
            c["tgt_n"] += 1
            t = d.target
            c["tgt"] += t is not None and t.kind == e["target"]["kind"] and t.region == e["target"]["region"]
        if e["category"] == "suggestion":
            c["sugg_n"] += 1
            c["sugg"] += d.category == Category.SUGGESTION
        if e["category"] == "appeal":
            c["appeal_n"] += 1
            c["appeal_acc"] += d.category == Category.ACCUSATION

    def lines(self) -> list[str]:
        c = self.c
        out = []
        if c["n"]:
            recall = c["tp"] / max(1, c["tp"] + c["fn"])
            precision = c["tp"] / max(1, c["tp"] + c["fp"])
            out.append(
                f"labelled {c['n']}: scope {c['scope'] / c['n']:.3f}, in-scope recall {recall:.3f} "
                f"precision {precision:.3f}, category {c['cat'] / c['n']:.3f}, "
                f"target {c['tgt'] / max(1, c['tgt_n']):.3f} ({c['tgt']}/{c['tgt_n']})"
            )
            out.append(
                f"labelled: suggestions found {c['sugg']}/{c['sugg_n']}, "
                f"appeals taken as accusations {c['appeal_acc']}/{c['appeal_n']}, "
                f"confidence >= 0.9 wrong on scope {c['hi_wrong']}/{c['hi']}"
            )
        if c["real"]:
            out.append(
                f"real {c['real']}: department match {c['real_dept'] / c['real']:.3f}, in-scope rate "
                f"{c['real_in'] / c['real']:.4f}, taken as accusation {c['real_acc'] / c['real']:.4f}"
            )
        if self.pairs:
            out.append(
                f"confidence ranks right above wrong (AUROC, scope and category): {auroc(self.pairs):.3f}"
            )
        return out


def auroc(pairs: list[tuple[float, bool]]) -> float:
    """Chance that a right decision has a higher confidence than a wrong one (ties count half)."""
    right_conf = sorted(p for p, ok in pairs if ok)
    wrong_conf = [p for p, ok in pairs if not ok]
    if not right_conf or not wrong_conf:
        return 1.0
    total = 0.0
    for w in wrong_conf:
        above = len(right_conf) - bisect.bisect_right(right_conf, w)
        ties = bisect.bisect_right(right_conf, w) - bisect.bisect_left(right_conf, w)
        total += above + ties / 2
    return total / (len(right_conf) * len(wrong_conf))


def out_of_fold(
    rows: list[Row],
    params: Params = DEFAULT_PARAMS,
    k: int = 5,
    on_fold: Callable[[int], None] | None = None,
    cache: Path | None = None,
    lexicon_only: bool = False,
) -> list[tuple[Row, Decision]]:
    """Every row decided by a model trained on the other folds (with its raw, uncalibrated confidence).

    The folds are grouped by inspection (`folds.split`): a labelled row is decided by a model that
    never saw its inspection, as a new team's messages are by the shipped model.
    `cache`: keep the fold models there (keyed by their rows and params), so that tuning decide()
    re-runs only the decisions. `lexicon_only`: decide without a model, for the comparison.
    """
    return [(r, d) for _, r, d in out_of_fold_by_fold(rows, params, k, on_fold, cache, lexicon_only)]


def out_of_fold_by_fold(
    rows: list[Row],
    params: Params = DEFAULT_PARAMS,
    k: int = 5,
    on_fold: Callable[[int], None] | None = None,
    cache: Path | None = None,
    lexicon_only: bool = False,
    trainer: Trainer = fold_model,
) -> list[tuple[int, Row, Decision]]:
    """`out_of_fold`, each decision with the fold it was in (for calibration fitted across folds).

    `trainer(train, params, where)` makes a fold's model (`folds.fold_model`: trained or cached)."""
    out: list[tuple[int, Row, Decision]] = []
    with tempfile.TemporaryDirectory(prefix="petition-oof-") as tmp:
        where = cache or Path(tmp)
        for fold, (train, test) in enumerate(split(rows, k)):
            model = None if lexicon_only else trainer(train, params, where)
            out += [(fold, r, decide_row(r, model)) for r in test]
            if on_fold is not None:
                on_fold(fold)
    return out


def fit_calibration(pairs: list[tuple[float, bool]]) -> tuple[list[float], list[float]]:
    """Isotonic map from raw confidence to the share right, as threshold arrays for np.interp.

    Fitted on the labelled rows' decisions only: the real messages are right by a looser test (out
    of scope, not an accusation) and nearly always so, which would make labelled decisions of the
    same raw confidence look surer than they are. On real messages the map is thus conservative."""
    from sklearn.isotonic import IsotonicRegression

    if len({ok for _, ok in pairs}) < 2:
        return [], []
    iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
    iso.fit([p for p, _ in pairs], [float(ok) for _, ok in pairs])
    return [float(x) for x in iso.X_thresholds_], [float(y) for y in iso.y_thresholds_]


def calibration_from_folds(
    k: int, trainer: Trainer = fold_model
) -> Callable[[list[Row], Params, Path], tuple[list[float], list[float], list[str]]]:
    """The build step that decides the rows out of fold, reports the measures and fits the map."""

    def run(rows: list[Row], params: Params, cache: Path) -> tuple[list[float], list[float], list[str]]:
        decided = out_of_fold_by_fold(rows, params, k, cache=cache, trainer=trainer)
        m = Measures()
        for _, r, d in decided:
            m.add(r, d)
        xs, ys = fit_calibration(m.labelled_pairs)
        from intake.textmodel.reliability import cross_calibrated, summary  # (it imports this module)

        across = summary(cross_calibrated(decided))[0]
        return xs, ys, [*m.lines(), f"calibrated by the other folds' map: {across}"]

    return run
