"""`petition model ...`: train the text model, show the model in use and its scores."""

from __future__ import annotations

import sys
from pathlib import Path

import click


@click.group("model")
def model_group() -> None:
    """The learned text model (category and sector) that decide() uses."""


@model_group.command("train")
@click.option(
    "--teddy",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="teddy2020-dev.csv (default: $PETITION_TEDDY_CSV, or shared/data/ beside the checkout)",
)
@click.option(
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="model file to write (default: the one shipped in the package, with its MODEL_CARD.md)",
)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option("--no-calibration", is_flag=True, help="skip the out-of-fold decisions (identity map)")
@click.option("--no-cache", is_flag=True, help="retrain the fold models even if build/ has them")
def train_command(
    teddy: Path | None, output: Path | None, folds: int, no_calibration: bool, no_cache: bool
) -> None:
    """Train the model on the real messages, the corpus and the cases; write it and its card."""
    try:
        from intake.textmodel.build import build
    except ImportError as exc:
        click.echo(f"training needs scikit-learn: pip install 'petition-intake[train]' ({exc})", err=True)
        sys.exit(2)
    from intake.textmodel.data import ROOT, default_teddy_path

    teddy = teddy or default_teddy_path()
    if teddy is None:
        click.echo("teddy2020-dev.csv not found: give --teddy or PETITION_TEDDY_CSV", err=True)
        sys.exit(2)
    calibrate = None
    if not no_calibration:
        from intake.textmodel.oof import calibration_from_folds

        calibrate = calibration_from_folds(folds)
    cache = None if no_cache else ROOT / "build" / "textmodel-folds"
    build(teddy, output, folds=folds, echo=click.echo, calibrate=calibrate, cache=cache)


@model_group.command("status")
@click.option(
    "--path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="model file (default: $PETITION_MODEL_PATH, else the shipped model)",
)
def status_command(path: Path | None) -> None:
    """Print the model in use, its version and its scores; exit 1 if it cannot be loaded."""
    from intake.textmodel import ModelError, default_model_path, load_model
    from web.settings import Settings

    chosen = path or Settings().model_path or default_model_path()
    try:
        model = load_model(chosen)
    except ModelError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    shipped = chosen == default_model_path()
    click.echo(f"model: {chosen} ({'shipped' if shipped else 'deployment'}), version {model.version}")
    meta = model.meta
    click.echo(
        f"  trained {meta.get('trained_at')}; sources: "
        + ", ".join(f"{k} {v['rows']}" for k, v in meta.get("sources", {}).items())
    )
    for name in ("cv", "heldback"):
        scores = model.scores.get(name, {})
        line = ", ".join(f"{k} {v:.3f}" for k, v in scores.items() if isinstance(v, float))
        click.echo(f"  {name}: {line or 'none recorded'}")
    click.echo(f"  calibration: {meta.get('calibration_note', 'identity')}")


@model_group.command("evaluate")
@click.option("--teddy", type=click.Path(path_type=Path, dir_okay=False, exists=True), default=None)
@click.option("--folds", default=5, show_default=True, type=click.IntRange(2, 20))
@click.option(
    "--source",
    "sources",
    multiple=True,
    type=click.Choice(["teddy", "corpus", "cases"]),
    help="score only these sources (all are still trained on); repeatable",
)
@click.option("--lexicon", is_flag=True, help="decide without the model (the lexicon pipeline alone)")
@click.option("--no-cache", is_flag=True, help="retrain the fold models even if build/ has them")
@click.option("-v", "--verbose", is_flag=True, help="print every labelled row decided wrongly")
def evaluate_command(
    teddy: Path | None, folds: int, sources: tuple[str, ...], lexicon: bool, no_cache: bool, verbose: bool
) -> None:
    """Out-of-fold scores of the full decide(): train on k-1 folds, decide the k-th, never the held back."""
    from intake.textmodel.data import ROOT, default_teddy_path, load_rows
    from intake.textmodel.oof import Measures, out_of_fold, right

    rows = [r for r in load_rows(teddy or default_teddy_path()) if not r.heldback]
    cache = None if no_cache else ROOT / "build" / "textmodel-folds"
    decided = out_of_fold(
        rows,
        k=folds,
        cache=cache,
        lexicon_only=lexicon,
        on_fold=lambda f: click.echo(f"fold {f + 1}/{folds} decided", err=True),
    )
    groups: dict[str, Measures] = {}
    for r, d in decided:
        if sources and r.source not in sources:
            continue
        for key in (r.source, "all"):
            groups.setdefault(key, Measures()).add(r, d)
        if verbose and r.expect is not None and not right(r, d):
            click.echo(
                f"{r.id} [{r.inspection}] {r.raw[:50]!r}: got {d.scope.value}/{d.category.value}, "
                f"want {r.expect['scope']}/{r.expect['category']}; {d.reasons}"
            )
    what = "lexicon only" if lexicon else "model + lexicon"
    click.echo(f"out-of-fold decide() ({what}, {folds} folds, held-back rows excluded)")
    for key, m in groups.items():
        for line in m.lines():
            click.echo(f"  [{key}] {line}")
