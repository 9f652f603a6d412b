"""`petition model train`: rows in; cross-validated and held-back scores, model file and card out."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from intake.textmodel import default_model_path, load_model
from intake.textmodel.card import render
from intake.textmodel.cv import cross_validate, heldback_scores
from intake.textmodel.data import Row, load_rows
from intake.textmodel.train import DEFAULT_PARAMS, Params, export, fit

_LABELS = {
    "teddy": "real messages, teddy2020-dev.csv (2020 Teddy Cup dev split)",
    "corpus": "project corpus, corpus/train/*.jsonl",
    "cases": "project cases, tests/data/cases/*.jsonl",
    "desk": "this deployment's desk decisions (confirmed or changed by officers), four fifths",
}


@dataclass(frozen=True)
class BuildResult:
    path: Path
    card: Path
    version: str
    meta: dict[str, Any]


def sources(rows: list[Row]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in rows:
        s = out.setdefault(r.source, {"label": _LABELS.get(r.source, r.source), "rows": 0, "heldback": 0})
        s["rows"] += 1
        s["heldback"] += r.heldback
    return out


def build(
    teddy: Path | None,
    out: Path | None = None,
    params: Params = DEFAULT_PARAMS,
    folds: int = 5,
    echo: Callable[[str], None] = print,
    calibrate: Callable[[list[Row], Params, Path], tuple[list[float], list[float], list[str]]] | None = None,
    today: dt.date | None = None,
    cache: Path | None = None,
) -> BuildResult:
    """Train, score and write the model and its card (the shipped ones unless `out` is given).

    `cache`: where the fold models are kept (those of `petition model evaluate` are reused)."""
    with tempfile.TemporaryDirectory(prefix="petition-train-") as tmp:
        return _build(
            teddy, out or default_model_path(), params, folds, echo, calibrate, today, cache or Path(tmp)
        )


def _build(
    teddy: Path | None,
    path: Path,
    params: Params,
    folds: int,
    echo: Callable[[str], None],
    calibrate: Callable[[list[Row], Params, Path], tuple[list[float], list[float], list[str]]] | None,
    today: dt.date | None,
    cache: Path,
) -> BuildResult:
    rows = load_rows(teddy)
    if not rows:
        raise ValueError("no training rows found")
    dev = [r for r in rows if not r.heldback]
    counts = ", ".join(f"{k} {v['rows']}" for k, v in sources(rows).items())
    echo(f"rows: {len(rows)} ({counts}); {len(rows) - len(dev)} held back")
    cv = cross_validate(dev, cache, params, folds).scores()
    echo(f"cross-validated ({folds} folds): {_brief(cv)}")
    held = heldback_scores(rows, cache, params).scores()
    echo(f"held back: {_brief(held)}")
    cal_x: list[float] = []
    cal_y: list[float] = []
    notes: list[str] = []
    if calibrate is not None:
        cal_x, cal_y, notes = calibrate(dev, params, cache)
        for line in notes:
            echo(line)
    day = today or dt.date.today()
    meta: dict[str, Any] = {
        "version": f"{day.isoformat()}.1",
        "trained_at": day.isoformat(),
        "command": "petition model train",
        "sources": sources(rows),
        "folds": folds,
        "scores": {"cv": cv, "heldback": held},
        "decision_scores": notes,
        "calibration_note": (
            f"isotonic map, {len(cal_x)} thresholds, fitted on out-of-fold decisions (folds by inspection)"
            if cal_x
            else "identity"
        ),
    }
    fitted = fit(rows, params)
    export(fitted, path, meta, (cal_x, cal_y))
    model = load_model(path)
    card = path.parent / "MODEL_CARD.md"
    card.write_text(render(model.meta), encoding="utf-8")
    echo(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB), version {model.version}; card {card}")
    return BuildResult(path, card, model.version, model.meta)


def _brief(scores: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v:.3f}" for k, v in scores.items() if isinstance(v, float))
