"""`petition model train --from-desk`: the deployment's own model, switched to only when it is better."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from intake.textmodel import TextModel, default_model, load_model
from intake.textmodel.data import Row, case_rows, default_teddy_path, load_rows
from intake.textmodel.feedback import Comparison, discard, models_dir, switch_to, train_candidate
from storage.feedback import desk_examples
from storage.stores import Stores
from web.settings import Settings


@dataclass(frozen=True)
class DeskTraining:
    candidate: TextModel
    comparison: Comparison
    switched: bool


def base_rows(corpus: Path | None, limit: int | None, echo: Callable[[str], None]) -> list[Row]:
    """The shipped training rows (or a JSON Lines corpus in the cases' format), first `limit` of them."""
    if corpus is not None:
        rows = case_rows([corpus], "corpus")
    else:
        teddy = default_teddy_path()
        if teddy is None:
            echo("teddy2020-dev.csv not found: training on the corpus and the cases only")
        rows = load_rows(teddy)
    return rows[:limit] if limit else rows


def in_use_model(settings: Settings) -> TextModel:
    path = settings.active_model_path()
    return default_model() if path is None else load_model(path)


async def train_from_desk(
    settings: Settings,
    stores: Stores,
    base: list[Row],
    *,
    inspection: str | None = None,
    force: bool = False,
    echo: Callable[[str], None] = print,
) -> DeskTraining:
    """Train, compare on the desk's held-back fifth, print both scores and switch if better (or forced)."""
    examples = await desk_examples(stores, inspection)
    in_use = in_use_model(settings)
    echo(f"desk decisions: {len(examples)}; model in use: {in_use.version}")
    # Minutes of CPU on the full rows: off the event loop.
    candidate, comparison = await asyncio.to_thread(
        train_candidate, base, examples, in_use, models_dir(settings.data_dir)
    )
    c = comparison
    echo(f"trained {candidate.version} on {len(base)} shipped rows and {c.trained_on} desk decisions")
    echo(f"held-back desk decisions: {c.heldback}")
    if c.heldback:
        echo(f"  model in use ({in_use.version}): category accuracy {c.in_use:.3f}")
        echo(f"  candidate    ({candidate.version}): category accuracy {c.candidate:.3f}")
    if c.better or force:
        switch_to(settings.data_dir, Path(candidate.path))
        why = "better" if c.better else "not better, switched because of --force"
        echo(f"switched: {candidate.path} is now the active model ({why}); restart the service to use it")
        if settings.model_path is not None:
            echo("note: PETITION_MODEL_PATH is set and wins over the switched model; unset it")
        return DeskTraining(candidate, comparison, True)
    reason = (
        "no held-back desk decisions to compare on"
        if c.heldback == 0
        else "the candidate is not better on the held-back desk decisions"
    )
    echo(f"refused: {reason}; the active model is unchanged (use --force to switch)")
    discard(candidate)
    return DeskTraining(candidate, comparison, False)
