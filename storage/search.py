"""A blind substring index over sealed report texts (Chinese has no spaces, so: character bigrams).

Message texts are encrypted at rest, so the database cannot LIKE them. Instead every report keeps
the keyed hashes of the character pairs of its texts; a search for "拖欠工资" looks for reports that
hold all of 拖欠, 欠工, 工资. The hashes are keyed (the codec's lookup key), so a copy of the
database does not reveal which pairs occur; what it can show is how often an unknown pair occurs.
A report that holds every pair of the query matches; the pairs need not be adjacent in its text,
so a rare false match is possible, and the officer sees the text on the report page anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from intake.normalise import nfkc

# Only the first part of a long text is indexed: a pasted 100,000-character document would
# otherwise add tens of thousands of rows for one report.
INDEXED_CHARS = 5000
# A longer query is narrowed by its first pairs only; the text check does the rest.
MAX_QUERY_PAIRS = 8
# \s in a str pattern is str.isspace's set; one C pass instead of a Python test per character.
_SPACE = re.compile(r"\s+")


def _normalise(text: str) -> str:
    return _SPACE.sub("", nfkc(text).lower())  # nfkc: unicodedata's NFKC, faster on Chinese


def pairs(text: str, limit: int | None = INDEXED_CHARS) -> set[str]:
    """The distinct character bigrams of a text (after folding width and case, without spaces)."""
    chars = _normalise(text if limit is None else text[:limit])
    return {chars[i : i + 2] for i in range(len(chars) - 1)}


def term_id(gram: str, lookup: Callable[[str], str]) -> int:
    """The stored form of a bigram: 60 bits of its keyed hash, as a signed-64-bit-safe integer."""
    return int(lookup("search:" + gram)[:15], 16)


def term_ids(grams: Iterable[str], lookup: Callable[[str], str]) -> set[int]:
    """`term_id` of each bigram."""
    return {term_id(gram, lookup) for gram in grams}


def query_terms(query: str, lookup: Callable[[str], str]) -> set[int] | None:
    """The terms a query needs, or None when it is too short to search by pairs (one character)."""
    grams = sorted(pairs(query, limit=None))
    if not grams:
        return None
    return term_ids(grams[:MAX_QUERY_PAIRS], lookup)
