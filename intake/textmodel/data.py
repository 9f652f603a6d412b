"""The labelled rows the text model learns from, and the deterministic held-back fifth and folds.

Sources: the real messages of `teddy2020-dev.csv` (beside the repository, never copied into it),
the project's corpus (`corpus/train/*.jsonl`) and its own cases (`tests/data/cases/*.jsonl`).
A reader's category labels of the real messages' development rows (`corpus/train/
teddy-categories-dev*.csv`, `row,category`, no text) relabel those rows; every other real message
counts as an appeal. `corpus/heldback/` is the evaluation's: nothing here reads it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from intake.models import Category
from intake.normalise import normalise

ROOT = Path(__file__).resolve().parents[2]
# The contest's seven topics and the sectors of policy 4.3 they name (../shared/data/README.md).
TEDDY_SECTOR = {
    "城乡建设": "housing",
    "劳动和社会保障": "human_resources",
    "教育文体": "education",
    "商贸旅游": "market",
    "卫生计生": "health",
    "环境保护": "environment",
    "交通运输": "transport",
}
HELDBACK_SHARE = 5  # one row in five is held back from all tuning
# A reader's categories for rows 0-299 of teddy2020-dev.csv (the development half of the first labels);
# later readers' development rows are in files beside it (teddy-categories-dev-a.csv ...).
TEDDY_CATEGORIES = ROOT / "corpus" / "train" / "teddy-categories-dev.csv"
TEDDY_CATEGORIES_GLOB = "teddy-categories-dev*.csv"
# The rows of teddy2020-dev.csv whose labels may be read for development and training (0-based, end
# exclusive; None: to the end); the rows between (300-1199) are labelled in corpus/heldback/ only.
TEDDY_DEV_ROWS: tuple[tuple[int, int | None], ...] = ((0, 300), (1200, None))


@dataclass(frozen=True)
class Row:
    """One labelled message: its normalised text, labels, and where it came from."""

    source: str  # "teddy", "corpus" or "cases"
    id: str
    text: str  # normalised as the pipeline normalises
    category: Category
    sector: str | None
    raw: str = field(repr=False, default="")
    inspection: str | None = None
    expect: dict[str, Any] | None = field(default=None, repr=False)
    channel: str = "sms"

    @property
    def key(self) -> int:
        """A stable hash of the text: held-back share and folds follow it, duplicates go together."""
        return int(hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12], 16)

    @property
    def heldback(self) -> bool:
        return self.key % HELDBACK_SHARE == 0

    def fold(self, k: int) -> int:
        return (self.key // HELDBACK_SHARE) % k


def default_teddy_path() -> Path | None:
    """`teddy2020-dev.csv` from PETITION_TEDDY_CSV, or `shared/data/` beside the checkout."""
    env = os.environ.get("PETITION_TEDDY_CSV")
    if env:
        return Path(env)
    for base in (ROOT.parent, ROOT.parent.parent):
        p = base / "shared" / "data" / "teddy2020-dev.csv"
        if p.exists():
            return p
    return None


def is_dev_row(row: int) -> bool:
    """A row of teddy2020-dev.csv whose reader's label is for development (never a held-back one)."""
    return any(lo <= row and (hi is None or row < hi) for lo, hi in TEDDY_DEV_ROWS)


def teddy_category_files(root: Path = ROOT) -> list[Path]:
    """Every reader's development labels: `corpus/train/teddy-categories-dev*.csv`."""
    return sorted((root / "corpus" / "train").glob(TEDDY_CATEGORIES_GLOB))


def read_category_labels(paths: Iterable[Path]) -> dict[int, str]:
    """Row number (0-based, file order) -> the reader's label (`unclear` included) from every file;
    a row labelled in two files must carry the same label (ValueError names the row otherwise)."""
    labels: dict[int, str] = {}
    for path in paths:
        if not path.exists():
            continue
        with path.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                row, label = int(r["row"]), r["category"].strip()
                if labels.setdefault(row, label) != label:
                    raise ValueError(f"row {row}: {labels[row]} earlier, {label} in {path.name}")
    return labels


def teddy_categories(paths: Path | Iterable[Path] | None = None) -> dict[int, Category]:
    """Row number (0-based, file order) -> the reader's category; `unclear` rows are left out.
    `paths`: one label file or several (default: every `teddy_category_files()`).

    The trainer fits both heads on every row, so an unclear row stays an appeal (the contest's
    framing) for the category head and keeps its topic's sector for the sector head."""
    files = teddy_category_files() if paths is None else [paths] if isinstance(paths, Path) else list(paths)
    labels = read_category_labels(files)
    held = sorted(r for r in labels if not is_dev_row(r))
    if held:  # a held-back row must never be trained on, whatever file it slipped into
        raise ValueError(f"rows {held[:5]} are held back (data.TEDDY_DEV_ROWS), not for training")
    return {row: Category(c) for row, c in labels.items() if c != "unclear"}


def teddy_rows(path: Path, categories: dict[int, Category] | None = None) -> list[Row]:
    """The real messages with the sector their topic names: the reader's category where given
    (`categories`, default `teddy_categories()`), else an appeal (by the contest's framing)."""
    labels = teddy_categories() if categories is None else categories
    rows: list[Row] = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for i, rec in enumerate(csv.reader(f)):
            if len(rec) < 2 or rec[0] not in TEDDY_SECTOR:
                continue
            category = labels.get(i, Category.APPEAL)
            rows.append(Row("teddy", f"teddy-{i}", normalise(rec[1]), category, TEDDY_SECTOR[rec[0]], rec[1]))
    return rows


def case_sector(expect: dict[str, Any]) -> str | None:
    """The sector a labelled row's matter belongs to: its department's, or the `sector` a row routed
    elsewhere still names (a region's suggestion on bus lines goes to the 信访局, policy 4.4, yet it is
    transport's matter: the sector head learns it)."""
    kind = (expect.get("target") or {}).get("kind") or ""
    if kind.startswith("department:"):
        return kind.split(":", 1)[1]
    sector = expect.get("sector")
    return sector if isinstance(sector, str) else None


def case_rows(paths: Iterable[Path], source: str) -> list[Row]:
    """Labelled cases (the format of public.jsonl) from JSON Lines files."""
    rows: list[Row] = []
    for p in paths:
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            c = json.loads(line)
            e = c["expect"]
            rows.append(
                Row(
                    source,
                    str(c.get("id") or f"{p.stem}-{n}"),
                    normalise(c["text"]),
                    Category(e["category"]),
                    case_sector(e),
                    c["text"],
                    c.get("inspection"),
                    e,
                    c.get("channel", "sms"),
                )
            )
    return rows


def corpus_files(root: Path = ROOT) -> list[Path]:
    """The corpus's training files; never `corpus/heldback/`."""
    return sorted((root / "corpus" / "train").glob("*.jsonl"))


def case_files(root: Path = ROOT) -> list[Path]:
    return sorted((root / "tests" / "data" / "cases").glob("*.jsonl"))


def load_rows(teddy: Path | None, root: Path = ROOT) -> list[Row]:
    """Every training row: the real messages (if given), the corpus and the cases."""
    rows = teddy_rows(teddy) if teddy is not None else []
    rows += case_rows(corpus_files(root), "corpus")
    rows += case_rows(case_files(root), "cases")
    return rows


def inspection_dirs(root: Path = ROOT) -> list[Path]:
    """Where the inspections that cases name are: the bundled examples, then the corpus's own."""
    return [root / "intake" / "examples", root / "corpus" / "inspections"]
