"""Contact details a citizen types into the text itself: found, masked, and put back on reveal.

A reporter's identity is sealed and shown only through the audited reveal step; a phone number,
ID-card number or e-mail address written into the message would otherwise bypass that, reaching
the desk search, the API, the transfer form and the ledger as plain text. `mask_text` finds them
(Chinese mobile numbers with or without +86/0086 and spaces or dashes, 18-digit ID-card numbers
with an X check digit, e-mail addresses; full-width forms too) and replaces each with a masked
form such as 138****5678; `restore` puts the originals back for an officer who revealed them.

Pure: no I/O, no state.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal["phone", "id_card", "email"]

# Full-width ASCII (U+FF01..U+FF5E) and the ideographic space map one character to one character,
# so matching on the folded text finds the same positions in the original.
_FOLD = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
# One optional separator between digit groups: a space, a hyphen or a dash of any width.
_SEP = r"[ \-\u2010-\u2015]?"
_PHONE = re.compile(
    r"(?<![0-9])"
    r"(?:(?:\+|00)?86" + _SEP + r"|\(\+?86\)" + _SEP + r")?"
    r"(?P<n>1[3-9][0-9]" + _SEP + r"[0-9]{4}" + _SEP + r"[0-9]{4})"
    r"(?![0-9])"
)
_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])"
    r"(?P<n>[1-9][0-9]{5}" + _SEP + r"(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])"
    r"" + _SEP + r"[0-9]{3}[0-9Xx])"
    r"(?![0-9A-Za-z])"
)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])"
    r"(?P<n>[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,})"
    r"(?![A-Za-z0-9])"
)
_PATTERNS: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    ("id_card", _ID_CARD),
    ("email", _EMAIL),
    ("phone", _PHONE),
)


@dataclass(frozen=True, slots=True)
class Contact:
    """One contact detail found in a text: what was typed, where, and its masked form."""

    kind: Kind
    value: str  # exactly as typed
    start: int  # in the original text
    end: int
    masked: str


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit() or ch in "Xx").upper()


def _mask(kind: Kind, number: str) -> str:
    if kind == "phone":
        d = _digits(number)
        return d[:3] + "****" + d[-4:]
    if kind == "id_card":
        d = _digits(number)
        return d[:3] + "*" * 11 + d[-4:]
    local, _, domain = number.partition("@")
    return local[:1] + "***@" + domain


# Every pattern needs three digits in a row (a mobile number's 1[3-9]x, an ID card's first six) or
# an @: a text without them (half of the real messages) has none, and skips the folding and the scans.
_ANY = re.compile(r"[0-9\uFF10-\uFF19]{3}|[@\uFF20]")


def find_contacts(text: str) -> list[Contact]:
    """The contact details in `text`, in order, none overlapping (a longer match wins)."""
    if _ANY.search(text) is None:
        return []
    folded = text.translate(_FOLD)
    found: list[tuple[int, int, Kind, str]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(folded):
            found.append((m.start(), m.end(), kind, m.group("n")))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    contacts: list[Contact] = []
    end = 0
    for start, stop, kind, number in found:
        if start < end:
            continue
        contacts.append(Contact(kind, text[start:stop], start, stop, _mask(kind, number)))
        end = stop
    return contacts


@dataclass(frozen=True, slots=True)
class Masked:
    """A text with its contact details masked, and what is needed to put them back."""

    text: str
    contacts: list[Contact]

    def sealed_record(self) -> list[dict[str, Any]]:
        """What the store seals with the message: each detail and where its mask sits in `text`."""
        out: list[dict[str, Any]] = []
        shift = 0
        for c in self.contacts:
            at = c.start + shift
            out.append({"kind": c.kind, "value": c.value, "at": at, "len": len(c.masked)})
            shift += len(c.masked) - (c.end - c.start)
        return out


def mask_text(text: str) -> Masked:
    """`text` with every contact detail replaced by its masked form."""
    contacts = find_contacts(text)
    if not contacts:
        return Masked(text, [])
    parts: list[str] = []
    pos = 0
    for c in contacts:
        parts += [text[pos : c.start], c.masked]
        pos = c.end
    parts.append(text[pos:])
    return Masked("".join(parts), contacts)


def restore(masked: str, record: list[dict[str, Any]] | None) -> str:
    """The text as the citizen wrote it, from the masked text and `Masked.sealed_record`; a record
    entry that does not fit the text (edited since) is left masked."""
    text = masked
    for entry in sorted(record or [], key=lambda e: int(e.get("at", 0)), reverse=True):
        try:
            at, length, value = int(entry["at"]), int(entry["len"]), str(entry["value"])
        except (KeyError, TypeError, ValueError):
            continue
        if at >= 0 and at + length <= len(text):
            text = text[:at] + value + text[at + length :]
    return text
