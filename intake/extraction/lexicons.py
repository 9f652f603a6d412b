"""The project's lexicons (intake/lexicon/*.tsv), parsed once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources

from intake.models import Discipline


@dataclass(frozen=True, slots=True)
class PostEntry:
    word: str
    role: str  # see posts.tsv
    level: str  # province | city | county | township | village | ""


@dataclass(frozen=True, slots=True)
class OrgEntry:
    word: str
    type: str  # see orgs.tsv
    sector: str
    key: bool


@dataclass(frozen=True, slots=True)
class ConductEntry:
    cue: str
    discipline: Discipline
    strength: int


@dataclass(frozen=True, slots=True)
class SectorEntry:
    cue: str
    sector: str
    weight: int


@dataclass(frozen=True, slots=True)
class Lexicons:
    posts: dict[str, PostEntry]
    orgs: dict[str, OrgEntry]
    conduct: dict[str, tuple[ConductEntry, ...]]
    signals: dict[str, tuple[str, ...]]
    sectors: dict[str, tuple[SectorEntry, ...]]
    place_stop: frozenset[str]
    versions: dict[str, str]


def _rows(name: str) -> tuple[str, list[list[str]]]:
    text = resources.files("intake").joinpath("lexicon", name).read_text(encoding="utf-8")
    version = ""
    rows: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("# version"):
            version = line.split("\t", 1)[-1].strip()
        if not line.strip() or line.startswith("#"):
            continue
        rows.append(line.split("\t"))
    return version, rows


@cache
def load_lexicons() -> Lexicons:
    """Parse every lexicon file once per process."""
    versions: dict[str, str] = {}

    v, rows = _rows("posts.tsv")
    versions["posts"] = v
    posts = {r[0]: PostEntry(r[0], r[1], r[2] if len(r) > 2 else "") for r in rows}

    v, rows = _rows("orgs.tsv")
    versions["orgs"] = v
    orgs = {r[0]: OrgEntry(r[0], r[1], r[2] if len(r) > 2 else "", len(r) > 3 and r[3] == "1") for r in rows}

    v, rows = _rows("conduct.tsv")
    versions["conduct"] = v
    conduct: dict[str, list[ConductEntry]] = {}
    for r in rows:
        conduct.setdefault(r[0].lower(), []).append(ConductEntry(r[0].lower(), Discipline(r[1]), int(r[2])))

    v, rows = _rows("signals.tsv")
    versions["signals"] = v
    signals: dict[str, list[str]] = {}
    for r in rows:
        signals.setdefault(r[0].lower(), []).append(r[1])

    v, rows = _rows("sectors.tsv")
    versions["sectors"] = v
    sectors: dict[str, list[SectorEntry]] = {}
    for r in rows:
        sectors.setdefault(r[0].lower(), []).append(SectorEntry(r[0].lower(), r[1], int(r[2])))

    v, rows = _rows("places_stop.tsv")
    versions["places_stop"] = v
    stop = frozenset(r[0] for r in rows)

    return Lexicons(
        posts=posts,
        orgs=orgs,
        conduct={k: tuple(e) for k, e in conduct.items()},
        signals={k: tuple(e) for k, e in signals.items()},
        sectors={k: tuple(e) for k, e in sectors.items()},
        place_stop=stop,
        versions=versions,
    )
