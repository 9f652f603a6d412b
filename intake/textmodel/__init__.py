"""The learned text model: category and sector probabilities for a normalised message text.

Trained with scikit-learn (`petition model train`, intake/textmodel/train.py) and exported to one
numpy `.npz` file: the character n-gram vocabulary, its idf weights, and the coefficients of two
multinomial logistic regressions over the same features. Inference here needs numpy only; it
reproduces sklearn's TfidfVectorizer + LogisticRegression.predict_proba exactly (tests/textmodel).
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from intake.models import Category

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
# The sectors of policy 4.3, in the order the model file stores them.
SECTORS = (
    "housing",
    "human_resources",
    "education",
    "health",
    "environment",
    "transport",
    "market",
    "natural_resources",
    "civil_affairs",
    "agriculture",
    "public_security",
)
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
_NO_FEATURES = np.zeros(0, dtype=np.intp)
# An n-gram is looked up as one integer: its code points (21 bits each) side by side. Three fit in a
# uint64, so the whole text's n-grams are found with numpy at once instead of a dict lookup per slice.
_BITS = 21
_MAX_N = 3


def _ngram_keys(doc: str, ngram: tuple[int, int]) -> list[tuple[int, npt.NDArray[np.uint64]]]:
    """(n, the keys of every n-gram of `doc` in order) for each n of the model's range."""
    cps = np.frombuffer(doc.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    out: list[tuple[int, npt.NDArray[np.uint64]]] = []
    keys = cps
    for n in range(1, ngram[1] + 1):
        if n > 1:
            keys = (keys[:-1] << np.uint64(_BITS)) | cps[n - 1 :]
        if n >= ngram[0]:
            out.append((n, keys))
    return out


def _key(gram: str) -> int:
    k = 0
    for ch in gram:
        k = (k << _BITS) | ord(ch)
    return k


def _key_tables(
    vocab: list[str], ngram: tuple[int, int]
) -> dict[int, tuple[npt.NDArray[np.uint64], npt.NDArray[np.intp]]]:
    """Per n-gram length: the sorted keys of the vocabulary's n-grams and their feature indices."""
    if ngram[1] > _MAX_N or ngram[0] < 1:
        raise ValueError(f"n-gram range {ngram}: this version reads 1 to {_MAX_N}")
    tables = {}
    for n in range(ngram[0], ngram[1] + 1):
        feats = np.array([i for i, w in enumerate(vocab) if len(w) == n], dtype=np.intp)
        keys = np.array([_key(vocab[i]) for i in feats], dtype=np.uint64)
        order = np.argsort(keys, kind="stable")
        tables[n] = (keys[order], feats[order])
    return tables


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
        self._tables = _key_tables(arrays["vocab"].tolist(), self.ngram)
        self._idf = np.asarray(arrays["idf"], dtype=np.float64)
        # Column-major slices: a message touches a few hundred features of tens of thousands.
        # Both heads in one feature-major matrix: a message touches a few hundred rows of it, and
        # one product gives the margins of every class of both heads.
        cat, sec = np.asarray(arrays["cat_coef"], np.float64), np.asarray(arrays["sec_coef"], np.float64)
        self._coef = np.ascontiguousarray(np.vstack([cat, sec]).T)
        self._bias = np.concatenate([arrays["cat_intercept"], arrays["sec_intercept"]]).astype(np.float64)
        self._split = cat.shape[0]
        self._margins: tuple[str, npt.NDArray[np.float64]] | None = None
        self._cal_x = np.asarray(arrays["cal_x"], dtype=np.float64)
        self._cal_y = np.asarray(arrays["cal_y"], dtype=np.float64)
        self._last: tuple[str, Vector] | None = None

    # -- features -------------------------------------------------------------------------------
    def features(self, text: str) -> Vector:
        """The L2-normalised TF-IDF vector of `text` as (feature indices, values), like sklearn's."""
        last = self._last
        if last is not None and last[0] == text:
            return last[1]
        doc = _WHITE_SPACES.sub(" ", text.lower() if self.lowercase else text)
        found = [self._lookup(n, keys) for n, keys in _ngram_keys(doc, self.ngram)]
        idx, counts = np.unique(np.concatenate(found) if found else _NO_FEATURES, return_counts=True)
        tf = counts.astype(np.float64)
        if self.sublinear_tf:
            tf = np.log(tf) + 1.0
        vals = tf * self._idf[idx]
        norm = float(np.sqrt(vals @ vals))
        if norm > 0:
            vals = vals / norm
        vec = (idx, vals)
        self._last = (text, vec)
        return vec

    def _lookup(self, n: int, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.intp]:
        """Feature indices of the n-gram keys that are in the vocabulary (one entry per occurrence)."""
        table, feats = self._tables[n]
        if table.size == 0 or keys.size == 0:
            return _NO_FEATURES
        pos = np.searchsorted(table, keys)
        np.minimum(pos, table.size - 1, out=pos)
        found: npt.NDArray[np.intp] = feats[pos[table[pos] == keys]]
        return found

    # -- heads ----------------------------------------------------------------------------------
    def _margins_of(self, text: str) -> npt.NDArray[np.float64]:
        last = self._margins
        if last is not None and last[0] == text:
            return last[1]
        idx, vals = self.features(text)
        z: npt.NDArray[np.float64] = vals @ self._coef[idx] + self._bias
        self._margins = (text, z)
        return z

    @staticmethod
    def _softmax(z: npt.NDArray[np.float64]) -> list[float]:
        e = np.exp(z - z.max())
        return (e / e.sum()).tolist()  # type: ignore[no-any-return]

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
        """The calibrated probability that a decision of raw confidence `raw` is right (isotonic map)."""
        if self._cal_x.size == 0:
            return raw
        return float(np.interp(raw, self._cal_x, self._cal_y))

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
