"""A regular expression made to fail fast where no match can start.

Python's `re` tries every alternative of a large alternation at every position of the text: the
pattern of an inspection's subordinate units (one alternative per place in its territory, some
hundreds for a province) cost about 100 µs a letter, a sixth of a decision. A lookahead on the
characters a match can begin with rejects nearly every position at once (about 10 µs), with the
same matches. The characters are read from the pattern's own parse; where they cannot be told (a
wide class, an optional start, a lookbehind) the pattern is returned as it is.
"""

from __future__ import annotations

import re

# re's own parser and opcodes: private to the standard library (no stubs), the modules sre_parse and
# sre_constants became deprecated aliases of in 3.11; tests/intake/test_first_chars.py pins what is used.
import re._constants as C  # type: ignore[import-not-found]
import re._parser as P  # type: ignore[import-not-found]
from typing import Any

_MAX_RANGE = 64  # a class wider than this (a CJK block) says too little to be worth a lookahead


def _first(items: Any) -> set[str] | None:
    """The characters a match of the parsed sequence `items` can begin with; None when unknown or when
    it may match the empty string."""
    out: set[str] = set()
    for op, av in items:
        if op is C.LITERAL:
            return out | {chr(av)}
        if op is C.IN:
            chars = _class(av)
            return None if chars is None else out | chars
        if op is C.BRANCH:
            for branch in av[1]:
                chars = _first(branch)
                if chars is None:
                    return None
                out |= chars
            return out
        if op is C.SUBPATTERN:
            chars = _first(av[3])
            return None if chars is None else out | chars
        if op in (C.MAX_REPEAT, C.MIN_REPEAT):
            low, _high, sub = av
            chars = _first(sub)
            if chars is None:
                return None
            out |= chars
            if low > 0:
                return out
            continue  # it may be absent: the next item can begin the match too
        return None
    return None


def _class(av: Any) -> set[str] | None:
    chars: set[str] = set()
    for op, a in av:
        if op is C.LITERAL:
            chars.add(chr(a))
        elif op is C.RANGE and a[1] - a[0] < _MAX_RANGE:
            chars |= {chr(c) for c in range(a[0], a[1] + 1)}
        else:
            return None
    return chars


def failing_fast(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """`pattern` with a lookahead on the characters its matches begin with (the same matches)."""
    chars = _first(P.parse(pattern.pattern, pattern.flags))
    if not chars:
        return pattern
    ahead = "(?=[" + "".join(re.escape(c) for c in sorted(chars)) + "])"
    return re.compile(f"{ahead}(?:{pattern.pattern})", pattern.flags)


# A group of plain words (no metacharacter) opening an alternative, not itself repeated or optional.
_OPENING_WORDS = re.compile(r"\(\?:([^\\()\[\]|.?*+{}^$]+(?:\|[^\\()\[\]|.?*+{}^$]+)+)\)(?![?*+{])")


def _alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of `pattern` (split at the | outside any group or class)."""
    parts, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "]":  # a ] right after [ is a member
                i += 1
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            parts.append(pattern[start:i])
            start = i + 1
        i += 1
    parts.append(pattern[start:])
    return parts


def opening_words(pattern: str) -> str:
    """`pattern` with each top-level alternative that opens with a group of plain words written as one
    alternative per word: (?:结婚|婚礼)X|Y is 结婚X|婚礼X|Y, the same matches tried in the same order.

    Every alternative then opens with a character, and re skips to the characters a match can begin
    with instead of trying the alternation at every position (3 to 6 times faster on a letter). An
    alternative whose rest holds a capturing group or a back-reference is left as it is."""
    out = []
    for alt in _alternatives(pattern):
        m = _OPENING_WORDS.match(alt)
        rest = alt[m.end() :] if m else ""
        if m is None or re.search(r"\((?!\?(?:[:=!]|<[=!]))|\\\d", rest):
            out.append(alt)
        else:
            out.extend(word + rest for word in m.group(1).split("|"))
    return "|".join(out)
