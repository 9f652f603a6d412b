"""`petition model ...`: train the text model, show the model in use and its scores."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

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
@click.option(
    "--from-desk",
    is_flag=True,
    help="the deployment's own model: shipped rows plus the desk's confirmed decisions; "
    "switched to only when better on the desk's held-back fifth",
)
@click.option("--inspection", default=None, help="with --from-desk: only this inspection's decisions")
@click.option("--force", is_flag=True, help="with --from-desk: switch even if the candidate is not better")
@click.option(
    "--corpus",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="with --from-desk: train on this JSON Lines file (cases' format) instead of the shipped rows",
)
@click.option("--limit", type=click.IntRange(1), default=None, help="with --from-desk: first N base rows")
def train_command(
    teddy: Path | None,
    output: Path | None,
    folds: int,
    no_calibration: bool,
    no_cache: bool,
    from_desk: bool,
    inspection: str | None,
    force: bool,
    corpus: Path | None,
    limit: int | None,
) -> None:
    """Train the model on the real messages, the corpus and the cases; write it and its card."""
    if from_desk:
        sys.exit(asyncio.run(_from_desk(inspection, force, corpus, limit)))
    _train_shipped(teddy, output, folds, no_calibration, no_cache)


def _train_shipped(
    teddy: Path | None, output: Path | None, folds: int, no_calibration: bool, no_cache: bool
) -> None:
    """The shipped model from the real messages, the corpus and the cases, with its card."""
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


async def _from_desk(inspection: str | None, force: bool, corpus: Path | None, limit: int | None) -> int:
    try:
        import sklearn  # noqa: F401
    except ImportError as exc:
        click.echo(f"training needs scikit-learn: pip install 'petition-intake[train]' ({exc})", err=True)
        return 2
    from web.app import build_runtime
    from web.model_feedback import base_rows, train_from_desk
    from web.settings import Settings

    rt = await build_runtime(Settings())
    try:
        if inspection is not None and inspection not in rt.inspections:
            click.echo(f"unknown inspection {inspection!r}", err=True)
            return 2
        rows = base_rows(corpus, limit, click.echo)
        await train_from_desk(
            rt.settings, rt.stores, rows, inspection=inspection, force=force, echo=click.echo
        )
        return 0
    finally:
        await rt.stores.close()


@model_group.command("status")
@click.option(
    "--path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="model file (default: the active one: $PETITION_MODEL_PATH, <data>/models/ACTIVE, or shipped)",
)
def status_command(path: Path | None) -> None:
    """Print the model in use, its version and its scores, then every model of the deployment;
    exit 1 if the one in use cannot be loaded."""
    from intake.textmodel import ModelError, default_model_path, load_model
    from intake.textmodel.feedback import models_dir
    from web.settings import Settings

    settings = Settings()
    chosen = path or settings.active_model_path() or default_model_path()
    try:
        model = load_model(chosen)
    except ModelError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    shipped = chosen == default_model_path()
    click.echo(f"model: {chosen} ({'shipped' if shipped else 'deployment'}), version {model.version}")
    _describe(model.meta, model.scores)
    others = [default_model_path(), *sorted(models_dir(settings.data_dir).glob("*.npz"))]
    click.echo("models:")
    for p in others:
        try:
            m = load_model(p)
        except ModelError as exc:
            click.echo(f"  {p}: unusable ({exc.problem})")
            continue
        kind = "shipped" if p == default_model_path() else "deployment"
        mark = " [active]" if Path(p).resolve() == Path(chosen).resolve() else ""
        click.echo(f"  {kind} {m.version}{mark}: {_scores_line(m.scores)}")


def _describe(meta: dict[str, Any], scores: dict[str, Any]) -> None:
    click.echo(
        f"  trained {meta.get('trained_at')}; sources: "
        + ", ".join(f"{k} {v['rows']}" for k, v in meta.get("sources", {}).items())
    )
    for name in ("cv", "heldback", "desk_heldback"):
        if name == "desk_heldback" and name not in scores:
            continue
        line = ", ".join(f"{k} {v:.3f}" for k, v in scores.get(name, {}).items() if isinstance(v, float))
        click.echo(f"  {name}: {line or 'none recorded'}")
    click.echo(f"  calibration: {meta.get('calibration_note', 'identity')}")


def _scores_line(scores: dict[str, Any]) -> str:
    if "desk_heldback" in scores:
        d = scores["desk_heldback"]
        return (
            f"desk held-back accuracy {d['candidate']:.3f} (model it was compared with "
            f"{d['in_use']:.3f}, {int(d['reports'])} reports)"
        )
    held = scores.get("heldback", {})
    return ", ".join(f"{k} {v:.3f}" for k, v in held.items() if isinstance(v, float)) or "no scores"


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
