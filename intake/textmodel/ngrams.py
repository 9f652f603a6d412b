"""Character n-grams of a text found in the model's vocabulary, with numpy and without a dict per slice.

An n-gram is one integer: a leading 1 bit, then its code points (21 bits each), so n-grams of every
length up to three fit in a uint64 and never share a key. The text's keys of all lengths are sorted
together once, counted, and looked up in the vocabulary's sorted keys with one searchsorted: each
numpy call costs a microsecond or two whatever its size, so one pass for all lengths (about 20 calls)
is what makes the features cheap. (An open-addressing hash table in numpy was tried: more numpy calls
per message, and slower in decide(); a dict lookup per slice was three times slower.)
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

BITS = 21
MAX_N = 3
Ints = npt.NDArray[np.intp]
NO_FEATURES: Ints = np.zeros(0, dtype=np.intp)
_TRUE = np.ones(1, dtype=bool)


def ngram_keys(doc: str, ngram: tuple[int, int]) -> npt.NDArray[np.uint64]:
    """The keys of every n-gram of `doc` for each n of the range, one array (order unspecified)."""
    cps = np.frombuffer(doc.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    parts: list[npt.NDArray[np.uint64]] = []
    keys = cps | np.uint64(1 << BITS)
    for n in range(1, ngram[1] + 1):
        if n > 1:
            keys = (keys[:-1] << np.uint64(BITS)) | cps[n - 1 :]
        if n >= ngram[0]:
            parts.append(keys)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def key_of(gram: str) -> int:
    k = 1
    for ch in gram:
        k = (k << BITS) | ord(ch)
    return k


class KeyTable:
    """Feature index of each key of the vocabulary: the keys sorted, for a vectorised binary search."""

    def __init__(self, vocab: list[str], ngram: tuple[int, int]) -> None:
        if ngram[1] > MAX_N or ngram[0] < 1:
            raise ValueError(f"n-gram range {ngram}: this version reads 1 to {MAX_N}")
        feats = [i for i, w in enumerate(vocab) if ngram[0] <= len(w) <= ngram[1]]
        k = np.array([key_of(vocab[i]) for i in feats], dtype=np.uint64)
        order = np.argsort(k, kind="stable")
        # A last key that no n-gram has (all ones: a key's top bits are the leading 1 and zeros), so
        # a search past every vocabulary key lands on it and needs no clipping.
        self.keys = np.append(k[order], np.uint64(2**64 - 1))
        self.feats = np.append(np.array(feats, dtype=np.intp)[order], -1)

    def lookup(self, keys: npt.NDArray[np.uint64]) -> tuple[Ints, Ints]:
        """(feature indices, counts) of the distinct keys of `keys` that are in the vocabulary.

        `keys` is sorted in place."""
        pos, counts = self.positions(keys)
        return self.feats[pos], counts

    def positions(self, keys: npt.NDArray[np.uint64]) -> tuple[Ints, Ints]:
        """(positions in the sorted table, counts) of the distinct keys of `keys` in the vocabulary, in
        increasing order: the features' order, and rows of arrays permuted by `self.feats` (one gather
        less a message, and reads that only move forward).

        `keys` is sorted in place."""
        if keys.size == 0 or self.keys.size == 1:
            return NO_FEATURES, NO_FEATURES
        # Array methods, not np.sort and np.flatnonzero: those pass through a Python wrapper each, a
        # microsecond or two in a decision whose caches the rest of decide() keeps cold.
        keys.sort()  # in place: `keys` is ngram_keys' fresh array
        # Where each run of equal keys starts, and where the last one ends.
        bounds = np.concatenate((_TRUE, keys[1:] != keys[:-1], _TRUE)).nonzero()[0]
        counts = bounds[1:] - bounds[:-1]
        distinct = keys[bounds[:-1]]
        # Sorted needles: numpy starts each binary search where the previous one ended.
        pos = self.keys.searchsorted(distinct)
        hit = self.keys[pos] == distinct
        return pos[hit], counts[hit]
