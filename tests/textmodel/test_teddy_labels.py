"""The reader's labels of real messages: which rows they relabel for training, and which they never touch."""

from __future__ import annotations

import csv
from pathlib import Path

from bench.real_categories import DEV_ROWS, read_labels
from intake.models import Category
from intake.textmodel.data import TEDDY_CATEGORIES, teddy_categories, teddy_rows


def _teddy(path: Path, n: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        for i in range(n):
            w.writerow(["城乡建设", f"第{i}条留言：小区门口的路灯坏了很久"])
    return path


def _labels(path: Path, rows: dict[int, str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["row", "category"])
        for r, c in rows.items():
            w.writerow([r, c])
    return path


def test_labelled_rows_are_relabelled_and_unclear_ones_stay_appeals(tmp_path: Path) -> None:
    labels = teddy_categories(
        _labels(tmp_path / "l.csv", {0: "suggestion", 1: "accusation", 2: "unclear", 3: "appeal"})
    )
    assert labels == {0: Category.SUGGESTION, 1: Category.ACCUSATION, 3: Category.APPEAL}
    rows = teddy_rows(_teddy(tmp_path / "t.csv", 5), labels)
    assert [r.category for r in rows] == [
        Category.SUGGESTION,
        Category.ACCUSATION,
        Category.APPEAL,  # unclear: the category head keeps the contest's framing
        Category.APPEAL,
        Category.APPEAL,  # not labelled
    ]
    assert {r.sector for r in rows} == {"housing"}  # the sector head keeps every row's topic


def test_no_label_file_means_every_real_message_is_an_appeal(tmp_path: Path) -> None:
    assert teddy_categories(tmp_path / "missing.csv") == {}
    rows = teddy_rows(_teddy(tmp_path / "t.csv", 2), {})
    assert {r.category for r in rows} == {Category.APPEAL}


def test_training_labels_are_the_development_half_only() -> None:
    """The held-back half of the reader's labels (rows 300-599) must never be trained on."""
    with TEDDY_CATEGORIES.open(encoding="utf-8", newline="") as f:
        rows = [int(r["row"]) for r in csv.DictReader(f)]
    assert rows and max(rows) < DEV_ROWS
    assert "heldback" not in TEDDY_CATEGORIES.parts


def test_bench_reads_only_the_development_half(tmp_path: Path) -> None:
    path = _labels(tmp_path / "l.csv", {5: "suggestion", 299: "appeal", 300: "accusation", 450: "suggestion"})
    assert read_labels(path) == {"teddy-5": "suggestion", "teddy-299": "appeal"}
