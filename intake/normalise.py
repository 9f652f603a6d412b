"""Text normalisation before extraction: one canonical form for every channel's text.

Full-width forms become ASCII (NFKC), traditional characters become simplified (OpenCC t2s),
control characters and quoted e-mail history are dropped, and runs of whitespace collapse.
Positions in the normalised text are what every later stage works on.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

import opencc

# Quoted history of an e-mail reply: the citizen's new words come before it.
_QUOTE_LINE = re.compile(r"^\s*>.*$", re.MULTILINE)
_REPLY_HEADER = re.compile(
    r"^\s*(?:-{2,}\s*(?:Original Message|原始邮件|原始郵件)\s*-{2,}|On .{0,200} wrote:|在.{0,80}写道[:：]).*",
    re.MULTILINE | re.DOTALL,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_NEWLINES = re.compile(r"\s*\n\s*")
# A space between two Han characters is layout, not a word boundary (短信 splits lines).
_HAN_GAP = re.compile(r"(?<=[\u4e00-\u9fff]) (?=[\u4e00-\u9fff])")

_DIGIT = re.compile(r"\d")  # Unicode digits, full-width too: a query without one is no query
_STATUS = re.compile(
    r"^\s*(?:/status(?:@\w+)?|查询|查詢|查|status)\s*[:：#]?\s*([A-Za-z][A-Za-z0-9]{0,5})\s*[-－—]\s*(\d{1,8})\s*[。.!！?？]?\s*$",
    re.IGNORECASE,
)


# NFKC, piecewise. Han ideographs (U+4E00-9FFF) and ASCII are NFKC-invariant and no composition
# joins them to what precedes them, so NFKC of a text is NFKC of each run of other characters, the
# rest left as it is. A real letter's NFKC then costs 9 µs instead of 30: its full-width commas and
# colons defeat NFKC's quick check, and the full algorithm reads every character of the text.
_NOT_INERT = re.compile(r"[^\x00-\x7f\u4e00-\u9fff]+")
_RUNS: dict[str, str] = {}  # punctuation runs recur: their NFKC, up to a bound


class _Composed(Exception):
    """A run composes with the character before it (e + U+0301): the whole text is normalised."""


def _starts_alone(c: int) -> bool:
    """Full-width forms, CJK and general punctuation, Latin-1: nothing before them composes with them
    (tests/intake/test_normalise.py checks every one against Unicode's data)."""
    return (
        0xFF01 <= c <= 0xFF5E
        or 0x3000 <= c <= 0x3029
        or 0x3030 <= c <= 0x303F
        or 0x2000 <= c <= 0x206F
        or 0xA0 <= c <= 0xFF
    )


def _run_at(pieces: list[str], i: int) -> str:
    """NFKC of the run pieces[i] (pieces from _SPLIT: odd indices are runs); _Composed if it joins the
    character before it."""
    run = pieces[i]
    if not _starts_alone(ord(run[0])):
        if i == 1 and not pieces[0]:
            return unicodedata.normalize("NFKC", run)
        before = pieces[i - 1][-1]
        joined = unicodedata.normalize("NFKC", before + run)
        if joined[:1] != before:
            raise _Composed
        return joined[1:]
    done = unicodedata.normalize("NFKC", run)
    if len(run) <= 4 and len(_RUNS) < 4096:
        _RUNS[run] = done
    return done


# The runs as the odd pieces of a split: a list and a dict look-up per run, where a substitution with a
# Python function costs a call per run (a letter has dozens of punctuation runs: 18 -> 10 µs).
_SPLIT = re.compile(f"({_NOT_INERT.pattern})")


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), the same string, faster on Chinese text."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    pieces = _SPLIT.split(text)
    get = _RUNS.get
    try:
        for i in range(1, len(pieces), 2):
            done = get(pieces[i])
            pieces[i] = done if done is not None else _run_at(pieces, i)
    except _Composed:
        return unicodedata.normalize("NFKC", text)
    return "".join(pieces)


@cache
def _converter() -> Any:
    """OpenCC traditional-to-simplified converter, built once per process."""
    return opencc.OpenCC("t2s")


def normalise(text: str) -> str:
    """Canonical form of a message text: NFKC, simplified, no control chars or quotes, tidy spaces."""
    if not text:
        return ""
    cut = _REPLY_HEADER.search(text)
    if cut is not None and cut.start() > 0:
        text = text[: cut.start()]
    # Each pattern below needs a character that most letters lack (">", a space, a newline): a
    # C-speed `in` first spares the regex engine a try at every position (a few µs each).
    if ">" in text:
        text = _QUOTE_LINE.sub("", text)
    text = nfkc(text)
    text = _CONTROL.sub(" ", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = str(_converter().convert(text))
    if " " in text or "\t" in text or "\u3000" in text or "\xa0" in text:
        text = _SPACES.sub(" ", text)
    if "\n" in text:
        text = _NEWLINES.sub("\n", text)
    if " " in text:
        text = _HAN_GAP.sub("", text)
    return text.strip()


def status_query(text: str) -> str | None:
    """The tracking number asked about in "查询 MZ1-0042" or "/status MZ1-0042", upper-cased; else None."""
    if not text or len(text) > 200 or _DIGIT.search(text) is None:
        return None
    m = _STATUS.match(nfkc(text))
    if m is None:
        return None
    prefix, number = m.group(1).upper(), m.group(2)
    if not prefix[0].isalpha():
        return None
    return f"{prefix}-{number}"
