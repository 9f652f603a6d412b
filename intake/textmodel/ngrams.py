"""Character n-grams of a text found in the model's vocabulary, with numpy and without a dict per slice.

An n-gram is one integer: its code points (21 bits each) side by side, so three fit in a uint64.
The text's distinct keys are looked up in the vocabulary's sorted keys with one searchsorted per
n-gram length. (An open-addressing hash table in numpy was tried: more numpy calls per message,
and slower in decide(); a dict lookup per slice was three times slower.)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BITS = 21
MAX_N = 3
Ints = npt.NDArray[np.intp]
NO_FEATURES: Ints = np.zeros(0, dtype=np.intp)


def ngram_keys(doc: str, ngram: tuple[int, int]) -> list[tuple[int, npt.NDArray[np.uint64]]]:
    """(n, the keys of every n-gram of `doc` in order) for each n of the range."""
    cps = np.frombuffer(doc.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    out: list[tuple[int, npt.NDArray[np.uint64]]] = []
    keys = cps
    for n in range(1, ngram[1] + 1):
        if n > 1:
            keys = (keys[:-1] << np.uint64(BITS)) | cps[n - 1 :]
        if n >= ngram[0]:
            out.append((n, keys))
    return out


def key_of(gram: str) -> int:
    k = 0
    for ch in gram:
        k = (k << BITS) | ord(ch)
    return k


class KeyTable:
    """Feature index of each key of one n-gram length: the keys sorted, for a vectorised binary search."""

    def __init__(self, keys: list[int], feats: list[int]) -> None:
        k = np.array(keys, dtype=np.uint64)
        order = np.argsort(k, kind="stable")
        self.keys = k[order]
        self.feats = np.array(feats, dtype=np.intp)[order]

    def find(self, keys: npt.NDArray[np.uint64]) -> tuple[Ints, Ints]:
        """(positions in `keys`, which are sorted and distinct, found in the table; their features)."""
        if self.keys.size == 0:
            return NO_FEATURES, NO_FEATURES
        # Sorted needles: numpy starts each binary search where the previous one ended.
        pos = np.searchsorted(self.keys, keys)
        np.minimum(pos, self.keys.size - 1, out=pos)
        hit = np.flatnonzero(self.keys[pos] == keys)
        return hit, self.feats[pos[hit]]


def key_tables(vocab: list[str], ngram: tuple[int, int]) -> dict[int, KeyTable]:
    """Per n-gram length of the range: the table of the vocabulary's n-grams."""
    if ngram[1] > MAX_N or ngram[0] < 1:
        raise ValueError(f"n-gram range {ngram}: this version reads 1 to {MAX_N}")
    tables = {}
    for n in range(ngram[0], ngram[1] + 1):
        feats = [i for i, w in enumerate(vocab) if len(w) == n]
        tables[n] = KeyTable([key_of(vocab[i]) for i in feats], feats)
    return tables


def lookup(tables: dict[int, KeyTable], n: int, keys: npt.NDArray[np.uint64]) -> tuple[Ints, Ints]:
    """(feature indices, counts) of the distinct n-gram keys that are in the vocabulary."""
    if keys.size == 0:
        return NO_FEATURES, NO_FEATURES
    distinct, counts = np.unique(keys, return_counts=True)
    pos, feats = tables[n].find(distinct)
    return feats, counts[pos]
