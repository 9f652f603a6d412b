"""Learning from the officers: a deployment's own model from the shipped rows plus the desk's decisions.

Every decision an officer confirmed or changed on the desk is a labelled example (its category and,
for a department target, its sector). One report in five (by a hash of its tracking number, so the
split never changes between runs) is held back; the candidate learns from the shipped rows and the
other four fifths, and is compared with the model in use on the held-back fifth.
The texts arrive here unsealed in memory only (web/model_feedback.py); nothing here writes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from intake.models import Category
from intake.normalise import normalise
from intake.textmodel import TextModel, load_model
from intake.textmodel.data import HELDBACK_SHARE, Row

if TYPE_CHECKING:
    from intake.textmodel.train import Params

ACTIVE_POINTER = "ACTIVE"  # <data>/models/ACTIVE names the deployment's active model file


@dataclass(frozen=True)
class DeskExample:
    """One officer's decision on a report and the report's text (unsealed, never stored by this)."""

    tracking_number: str
    inspection_id: str
    text: str
    category: Category
    sector: str | None


@dataclass(frozen=True)
class Comparison:
    candidate: float
    in_use: float
    heldback: int
    trained_on: int

    @property
    def better(self) -> bool:
        # Strictly better: a tie keeps the model the officers already know.
        return self.heldback > 0 and self.candidate > self.in_use


def heldback(example: DeskExample) -> bool:
    """The held-back fifth, by report: the same report is always on the same side."""
    key = int(hashlib.sha256(example.tracking_number.encode("utf-8")).hexdigest()[:12], 16)
    return key % HELDBACK_SHARE == 0


def desk_row(example: DeskExample) -> Row:
    return Row(
        "desk",
        example.tracking_number,
        normalise(example.text),
        example.category,
        example.sector,
        inspection=example.inspection_id,
    )


def accuracy(model: TextModel, rows: list[Row]) -> float:
    """Share of `rows` whose category is the model's most probable one."""
    if not rows:
        return 0.0
    right = 0
    for r in rows:
        p = model.category_proba(r.text)
        right += max(p, key=lambda c: p[c]) is r.category
    return right / len(rows)


def models_dir(data_dir: Path) -> Path:
    return data_dir / "models"


def active_deployment_model(data_dir: Path) -> Path | None:
    """The model file the pointer in `<data>/models/` names, or None when there is no pointer."""
    pointer = models_dir(data_dir) / ACTIVE_POINTER
    if not pointer.exists():
        return None
    # Only a file name is honoured: the pointer cannot send the service outside the models dir.
    return models_dir(data_dir) / Path(pointer.read_text(encoding="utf-8").strip()).name


def train_candidate(
    base: list[Row],
    examples: list[DeskExample],
    in_use: TextModel,
    out_dir: Path,
    params: Params | None = None,
    today: dt.date | None = None,
) -> tuple[TextModel, Comparison]:
    """Fit on `base` and the desk's training four fifths, write the file in `out_dir`, compare."""
    # scikit-learn only here: the storage and the service read DeskExample without it.
    from intake.textmodel.build import sources
    from intake.textmodel.train import DEFAULT_PARAMS, export, fit

    train = [desk_row(e) for e in examples if not heldback(e)]
    held = [desk_row(e) for e in examples if heldback(e)]
    rows = base + train
    day = today or dt.date.today()
    out_dir.mkdir(parents=True, exist_ok=True)
    serial = 1 + sum(1 for _ in out_dir.glob(f"desk-{day.isoformat()}.*.npz"))
    version = f"desk-{day.isoformat()}.{serial}"
    meta: dict[str, Any] = {
        "version": version,
        "trained_at": day.isoformat(),
        "command": "petition model train --from-desk",
        "sources": sources(rows),
        "based_on": in_use.version,
        # The in-use model's calibration map is kept: the desk is too small to refit it on.
        "calibration_note": f"copied from {in_use.version}",
    }
    fitted = fit(rows, params or DEFAULT_PARAMS)
    path = out_dir / f"{version}.npz"
    export(fitted, path, meta, (in_use._cal_x.tolist(), in_use._cal_y.tolist()))
    candidate = load_model(path)
    comparison = Comparison(accuracy(candidate, held), accuracy(in_use, held), len(held), len(train))
    meta["scores"] = {
        "desk_heldback": {
            "candidate": comparison.candidate,
            "in_use": comparison.in_use,
            "reports": float(comparison.heldback),
        }
    }
    _rewrite_meta(path, meta)
    # The vocabulary holds character n-grams of the officers' reports: readable by the service only,
    # like the data key beside it.
    path.chmod(0o600)
    return load_model(path), comparison


def _rewrite_meta(path: Path, meta: dict[str, Any]) -> None:
    """Store the comparison's scores in the file itself, so `model status` shows them."""
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    full = json.loads(str(arrays["meta"]))
    full.update(meta)
    arrays["meta"] = np.array(json.dumps(full, ensure_ascii=False, sort_keys=True))
    with path.open("wb") as f:
        np.savez_compressed(f, **arrays)


def switch_to(data_dir: Path, model_file: Path) -> None:
    """Make `model_file` (in `<data>/models/`) the one the service loads at its next start."""
    pointer = models_dir(data_dir) / ACTIVE_POINTER
    tmp = pointer.with_suffix(".tmp")
    tmp.write_text(model_file.name + "\n", encoding="utf-8")
    tmp.replace(pointer)  # atomic: a start never reads half a name


def discard(model: TextModel) -> None:
    """Delete a refused candidate: it would only crowd `model status`; the printed comparison is its
    record."""
    Path(model.path).unlink(missing_ok=True)
