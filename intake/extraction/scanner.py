"""One Aho-Corasick pass over a normalised text finds every lexicon word and place name.

The automaton holds all lexicons and all GB/T 2260 and township names; it is built once per
process. Each layer (post, org, conduct, signal, sector, place) is then reduced to its
leftmost-longest, non-overlapping hits, so 村民小组组长 is one post, not 组长 inside it.

The automaton reads the text as UTF-16 code units split into bytes (one Latin-1 character per byte),
not as characters: pyahocorasick finds a node's child by a linear search of its children, and the
root of a character automaton has one child per first character of 38,000 words (2,600), which made
the scan cost 110 µs of a 200-character message's decision; byte pairs keep every node under 256
children (32 µs, the same hits). A match that starts inside a character (at an odd byte) is not one.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import ahocorasick

from intake.extraction.lexicons import load_lexicons
from routing.divisions import load_divisions

LAYERS = ("post", "org", "conduct", "signal", "sector", "place")
_TOWN_SUFFIXES = ("镇", "乡", "街道", "苏木")


def _ascii_lower(text: str) -> str:
    """ASCII capitals only lowered (positions must not move). In UTF-8 the bytes of A-Z are those
    letters and never part of another character, and bytes.lower() changes only them: 1.5 µs for a
    real letter, where a regex over the runs of capitals took 7 (they are common: XX市, A区) and
    str.translate with a table looks up every character (17 µs for 200)."""
    if text.isascii():
        return text.lower()
    return text.encode("utf-8", "surrogatepass").lower().decode("utf-8", "surrogatepass")


class Hit(NamedTuple):
    """One word found at [start, end) of the text. A named tuple, not a frozen dataclass: a decision
    makes dozens of them, and a frozen dataclass's __init__ (four object.__setattr__ calls) cost 0.65 µs
    each, a quarter of the scan after the automaton."""

    start: int
    end: int
    layer: str
    word: str


# Hit's own __new__ is a Python function that calls this: the scan, which makes most hits, calls it directly.
_new_hit = tuple.__new__


def _is_ascii_word(word: str) -> bool:
    return word.isascii() and any(c.isalpha() for c in word)


@cache
def _automaton() -> Any:
    """The process-wide automaton: word -> the layers it belongs to."""
    lex = load_lexicons()
    words: dict[str, set[str]] = {}

    def add(word: str, layer: str) -> None:
        if word:
            words.setdefault(word, set()).add(layer)

    for w in lex.posts:
        add(w, "post")
    for w in lex.orgs:
        add(w, "org")
    for w in lex.conduct:
        add(w, "conduct")
    for w in lex.signals:
        add(w, "signal")
    for w in lex.sectors:
        add(w, "sector")
    divisions = load_divisions()
    for name in divisions.names():
        if len(name) >= 2 and name not in lex.place_stop:
            add(name, "place")
    for town in divisions.towns:
        if len(town) >= 3 and town.endswith(_TOWN_SUFFIXES):
            add(town, "place")
    automaton = ahocorasick.Automaton()
    for word, layers in words.items():
        key = _bytes(word)
        automaton.add_word(key, (word, tuple(sorted(layers)), len(key)))
    automaton.make_automaton()
    return automaton


def _bytes(text: str) -> str:
    """The UTF-16 code units of `text` as byte pairs, one Latin-1 character per byte."""
    return text.encode("utf-16-be", "surrogatepass").decode("latin-1")


def _matches(text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, word, layers) of every dictionary word in `text`, by character positions."""
    data = _bytes(text)
    # Characters beyond the BMP (emoji, rare Han) take two code units: map code units to characters.
    char_at = None if len(data) == 2 * len(text) else _char_index(text)
    out: list[tuple[int, int, str, tuple[str, ...]]] = []
    for last, (word, layers, size) in _automaton().iter(data):
        first = last + 1 - size
        if first % 2:
            continue  # the bytes of a word, but straddling two characters
        start = first // 2 if char_at is None else char_at[first // 2]
        out.append((start, start + len(word), word, layers))
    return out


def _char_index(text: str) -> list[int]:
    index: list[int] = []
    for i, ch in enumerate(text):
        index.extend((i, i) if ord(ch) > 0xFFFF else (i,))
    return index


def _boundary_ok(text: str, start: int, end: int) -> bool:
    """An English cue must be a whole word ("hi" is not inside "this")."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isascii() and before.isalnum()) and not (after.isascii() and after.isalnum())


def _leftmost_longest(hits: list[Hit]) -> list[Hit]:
    if len(hits) < 2:
        return hits  # most layers of a message: nothing to sort or drop
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    out: list[Hit] = []
    last_end = -1
    for h in hits:
        if h.start >= last_end:
            out.append(h)
            last_end = h.end
    return out


def scan(text: str) -> dict[str, list[Hit]]:
    """Every lexicon and place hit in `text` (normalised), per layer, in text order."""
    lowered = _ascii_lower(text)
    raw: dict[str, list[Hit]] = {layer: [] for layer in LAYERS}
    for start, end, word, layers in _matches(lowered):
        if word.isascii() and _is_ascii_word(word) and not _boundary_ok(lowered, start, end):
            continue
        for layer in layers:
            raw[layer].append(_new_hit(Hit, (start, end, layer, word)))
    out: dict[str, list[Hit]] = {}
    for layer, hits in raw.items():
        # Conduct and signal cues may overlap (收受 inside 收受红包 adds nothing, but negation cues
        # such as 没 and 没有 both matter only by their end), so only nested duplicates go.
        out[layer] = _leftmost_longest(hits)
    # A place name inside a longer post or organisation word is part of that word (公安 in 公安局).
    covering = [h for layer in ("post", "org") for h in out[layer]]
    out["place"] = [
        p
        for p in out["place"]
        if not any(
            c.start <= p.start and p.end <= c.end and (c.end - c.start) > (p.end - p.start) for c in covering
        )
    ]
    # 平江县长寿镇: a place that starts inside a post and runs past it unmakes the post (县长).
    # Only a full place name does (长寿镇); a two-character city name does not (局长春节 is 局长 + 春节).
    out["post"] = [
        h
        for h in out["post"]
        if not any(h.start < p.start < h.end < p.end and p.end - p.start >= 3 for p in out["place"])
    ]
    return out
