"""The reader's labels of real messages: which rows they relabel for training, and which they never touch."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from bench.real_categories import read_labels
from intake.models import Category
from intake.textmodel.data import (
    TEDDY_CATEGORIES,
    is_dev_row,
    teddy_categories,
    teddy_category_files,
    teddy_rows,
)


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


def test_training_labels_are_development_rows_only() -> None:
    """The held-back rows of the readers' labels (300-1199) must never be trained on."""
    files = teddy_category_files()
    assert TEDDY_CATEGORIES in files
    for path in files:
        assert "heldback" not in path.parts
        with path.open(encoding="utf-8", newline="") as f:
            rows = [int(r["row"]) for r in csv.DictReader(f)]
        assert rows and all(is_dev_row(r) for r in rows), path.name


def test_every_development_file_is_read_into_one_mapping(tmp_path: Path) -> None:
    first = _labels(tmp_path / "one.csv", {0: "suggestion", 1: "unclear"})
    second = _labels(tmp_path / "two.csv", {0: "suggestion", 1200: "accusation", 1201: "appeal"})
    assert teddy_categories([first, second]) == {
        0: Category.SUGGESTION,  # in both files, the same label: once
        1200: Category.ACCUSATION,
        1201: Category.APPEAL,
    }
    assert teddy_categories(first) == {0: Category.SUGGESTION}


def test_a_row_two_files_label_differently_is_refused(tmp_path: Path) -> None:
    first = _labels(tmp_path / "one.csv", {7: "suggestion"})
    second = _labels(tmp_path / "two.csv", {7: "appeal"})
    with pytest.raises(ValueError, match="row 7"):
        teddy_categories([first, second])
    with pytest.raises(ValueError, match="row 7"):
        read_labels([first, second])


def test_a_held_back_row_in_a_training_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="held back"):
        teddy_categories(_labels(tmp_path / "l.csv", {10: "appeal", 450: "suggestion"}))


def test_bench_reads_only_the_development_rows(tmp_path: Path) -> None:
    path = _labels(
        tmp_path / "l.csv",
        {5: "suggestion", 299: "appeal", 300: "accusation", 1199: "suggestion", 1200: "accusation"}
        | {1841: "appeal"},
    )
    assert read_labels(path) == {
        "teddy-5": "suggestion",
        "teddy-299": "appeal",
        "teddy-1200": "accusation",
        "teddy-1841": "appeal",
    }
    more = _labels(tmp_path / "m.csv", {1500: "unclear", 1501: "suggestion"})
    assert read_labels([path, more])["teddy-1501"] == "suggestion"
    assert "teddy-1500" not in read_labels([path, more])
