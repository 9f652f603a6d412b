"""The learned text model: category and sector probabilities for a normalised message text.

Trained with scikit-learn (`petition model train`, intake/textmodel/train.py) and exported to one
numpy `.npz` file: the character n-gram vocabulary, its idf weights, and the coefficients of two
multinomial logistic regressions over the same features. Inference here needs numpy only; it
reproduces sklearn's TfidfVectorizer + LogisticRegression.predict_proba exactly (tests/textmodel).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import zipfile
from bisect import bisect_right
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from intake.models import SECTORS, Category
from intake.textmodel.ngrams import KeyTable, ngram_keys

__all__ = [
    "CATEGORIES",
    "FORMAT",
    "SECTORS",
    "ModelError",
    "TextModel",
    "activate",
    "active_model",
    "default_model",
    "default_model_path",
    "load_model",
]

FORMAT = "petition-textmodel/1"
CATEGORIES = tuple(Category)
_ARRAYS = (
    "vocab",
    "idf",
    "cat_coef",
    "cat_intercept",
    "sec_coef",
    "sec_intercept",
    "cal_x",
    "cal_y",
    "meta",
)

# sklearn's char analyzer folds runs of two or more white-space characters into one space.
_WHITE_SPACES = re.compile(r"\s\s+")
Vector = tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]


class ModelError(Exception):
    """A model file that cannot be used: missing, corrupt, or of another format."""

    def __init__(self, path: Path | str, problem: str) -> None:
        super().__init__(f"text model {path}: {problem}")
        self.path = str(path)
        self.problem = problem


class TextModel:
    """Category and sector probabilities of one message text (already normalised)."""

    def __init__(self, arrays: dict[str, Any], version: str, path: str = "") -> None:
        meta = json.loads(str(arrays["meta"]))
        self.meta: dict[str, Any] = meta
        self.version = version
        self.path = path
        self.ngram: tuple[int, int] = (int(meta["ngram"][0]), int(meta["ngram"][1]))
        self.sublinear_tf = bool(meta["sublinear_tf"])
        self.lowercase = bool(meta.get("lowercase", True))
        self.categories: tuple[Category, ...] = tuple(Category(c) for c in meta["categories"])
        self.sectors: tuple[str, ...] = tuple(meta["sectors"])
        self._table = KeyTable(arrays["vocab"].tolist(), self.ngram)
        self._idf = np.asarray(arrays["idf"], dtype=np.float64)
        # The weights by the table's sorted keys (its last row, the sentinel, is never found): a
        # message's features are then positions in the table, with no gather to vocabulary indices.
        order = self._table.feats[:-1]
        self._idf_by_key = self._idf.take(order)
        # Column-major slices: a message touches a few hundred features of tens of thousands.
        # Both heads in one feature-major matrix: a message touches a few hundred rows of it, and
        # one product gives the margins of every class of both heads.
        # Kept as float32 (the weights are float32-exact): half the memory the CPU cache must hold;
        # the product still runs in float64, as sklearn's does.
        cat, sec = np.asarray(arrays["cat_coef"], np.float32), np.asarray(arrays["sec_coef"], np.float32)
        self._coef = np.ascontiguousarray(np.vstack([cat, sec]).T.take(order, axis=0))
        self._bias = np.concatenate([arrays["cat_intercept"], arrays["sec_intercept"]]).astype(np.float64)
        self._split = cat.shape[0]
        self._margins: tuple[str, list[float]] | None = None
        self._cal_x = np.asarray(arrays["cal_x"], dtype=np.float64)
        self._cal_y = np.asarray(arrays["cal_y"], dtype=np.float64)
        self._cal_xs: list[float] = self._cal_x.tolist()
        self._cal_ys: list[float] = self._cal_y.tolist()
        self._last: tuple[str, Vector] | None = None

    # -- features -------------------------------------------------------------------------------
    def features(self, text: str) -> Vector:
        """The L2-normalised TF-IDF vector of `text` as (feature indices, values), like sklearn's."""
        pos, vals = self._by_key(text)
        return self._table.feats[pos], vals

    def _by_key(self, text: str) -> Vector:
        """features(), with positions in the table's sorted keys for feature indices."""
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        doc = _WHITE_SPACES.sub(" ", text.lower() if self.lowercase else text)
        pos, counts = self._table.positions(ngram_keys(doc, self.ngram))
        # np.log of the integer counts computes in float64, as of the float64 copy (one call less).
        tf = np.log(counts) + 1.0 if self.sublinear_tf else counts.astype(np.float64)
        vals = tf * self._idf_by_key.take(pos)
        norm = math.sqrt(vals @ vals)
        if norm > 0:
            vals = vals / norm
        vec = (pos, vals)
        self._last = (text, vec)
        return vec

    # -- heads ----------------------------------------------------------------------------------
    def _margins_of(self, text: str) -> list[float]:
        last = self._margins
        if last is not None and last[0] == text:
            return last[1]
        pos, vals = self._by_key(text)
        # take() gathers rows at half the cost of fancy indexing; the float32 rows meet float64 values,
        # so the product runs in float64 as sklearn's does.
        z: list[float] = (vals @ self._coef.take(pos, axis=0) + self._bias).tolist()
        self._margins = (text, z)
        return z

    @staticmethod
    def _softmax(z: list[float]) -> list[float]:
        # A handful of numbers: plain Python beats numpy's per-call overhead here.
        top = max(z)
        e = [math.exp(v - top) for v in z]
        total = math.fsum(e)
        return [v / total for v in e]

    def category_proba(self, text: str) -> dict[Category, float]:
        """Probability of each of the five categories; sums to 1."""
        p = self._softmax(self._margins_of(text)[: self._split])
        out = dict.fromkeys(CATEGORIES, 0.0)
        out.update(zip(self.categories, p, strict=True))
        return out

    def sector_proba(self, text: str) -> dict[str, float]:
        """Probability of each of the 11 sectors of policy 4.3 (0 for one the model never saw)."""
        p = self._softmax(self._margins_of(text)[self._split :])
        out = dict.fromkeys(SECTORS, 0.0)
        out.update(zip(self.sectors, p, strict=True))
        return out

    def calibrate(self, raw: float) -> float:
        """The calibrated probability that a decision of raw confidence `raw` is right (isotonic map).

        np.interp's own arithmetic on Python floats (the same bits; tests/textmodel/test_load.py): a
        numpy call for one number costs more than the look-up."""
        xp, fp = self._cal_xs, self._cal_ys
        if not xp or raw != raw:
            return raw
        if raw > xp[-1]:
            return fp[-1]
        if raw < xp[0]:
            return fp[0]
        j = bisect_right(xp, raw) - 1
        if j == len(xp) - 1 or xp[j] == raw:
            return fp[j]
        slope = (fp[j + 1] - fp[j]) / (xp[j + 1] - xp[j])
        out = slope * (raw - xp[j]) + fp[j]
        if out != out:  # as numpy does: from the other end, then the flat value
            out = slope * (raw - xp[j + 1]) + fp[j + 1]
            if out != out and fp[j] == fp[j + 1]:
                out = fp[j]
        return out

    @property
    def scores(self) -> dict[str, Any]:
        """The scores the training wrote into the file (cross-validated, held-back)."""
        return dict(self.meta.get("scores", {}))


def _check(arrays: dict[str, Any], path: Path) -> None:
    missing = [k for k in _ARRAYS if k not in arrays]
    if missing:
        raise ModelError(path, f"not a model file: missing {', '.join(missing)}")
    try:
        meta = json.loads(str(arrays["meta"]))
    except ValueError as exc:
        raise ModelError(path, f"unreadable metadata ({exc})") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        found = meta.get("format") if isinstance(meta, dict) else None
        raise ModelError(path, f"format {found!r}, this version reads {FORMAT!r}")
    n = arrays["vocab"].shape[0]
    cats, secs = meta.get("categories", []), meta.get("sectors", [])
    if arrays["idf"].shape != (n,):
        raise ModelError(path, f"idf has shape {arrays['idf'].shape}, vocabulary has {n} features")
    for head, rows in (("cat", len(cats)), ("sec", len(secs))):
        if rows < 3:  # sklearn keeps a single row for two classes; the trainer never makes one
            raise ModelError(path, f"{head}: {rows} classes, a model needs at least 3")
        if arrays[f"{head}_coef"].shape != (rows, n) or arrays[f"{head}_intercept"].shape != (rows,):
            raise ModelError(
                path, f"{head}_coef has shape {arrays[f'{head}_coef'].shape}, expected ({rows}, {n})"
            )
    unknown = [c for c in cats if c not in {c.value for c in Category}] + [
        s for s in secs if s not in SECTORS
    ]
    if unknown:
        raise ModelError(path, f"unknown labels {unknown}")
    if arrays["cal_x"].shape != arrays["cal_y"].shape:
        raise ModelError(path, "calibration arrays differ in length")


def load_model(path: Path) -> TextModel:
    """The model in `path`; ModelError (naming the file and the problem) when it cannot be used."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise ModelError(path, "file not found") from exc
    except OSError as exc:
        raise ModelError(path, f"cannot read ({exc.strerror})") from exc
    try:
        import io

        with np.load(io.BytesIO(raw), allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, KeyError) as exc:
        raise ModelError(path, f"corrupt or not a model file ({type(exc).__name__}: {exc})") from exc
    _check(arrays, path)
    meta = json.loads(str(arrays["meta"]))
    version = f"{meta.get('version', '0')}+{hashlib.sha256(raw).hexdigest()[:8]}"
    try:
        return TextModel(arrays, version, str(path))
    except (ValueError, TypeError, KeyError) as exc:
        raise ModelError(path, f"inconsistent model file ({exc})") from exc


def default_model_path() -> Path:
    """The model file shipped in the package."""
    return Path(str(resources.files("intake.textmodel") / "data" / "model.npz"))


@cache
def default_model() -> TextModel:
    """The shipped model, loaded once per process; ModelError if it is missing or broken."""
    return load_model(default_model_path())


# The model this process decides with: the shipped one unless the service was started with
# PETITION_MODEL_PATH (web.app.create_app activates it, and refuses to start if it is broken).
_active: list[TextModel] = []


def activate(path: Path | None) -> TextModel:
    """Load the model at `path` (None: the shipped one) and make it the process's active model."""
    model = default_model() if path is None else load_model(path)
    _active[:] = [model]
    return model


def active_model() -> TextModel:
    """The model decide() uses when it is given none: the activated one, else the shipped one."""
    return _active[0] if _active else default_model()
