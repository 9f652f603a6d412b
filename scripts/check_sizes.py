"""Small modules: no file over 600 lines and no function over 60 (tests and migrations aside).

Run by `.ci/run`. The code that was over the limits when the rule came (issue #14) is listed in
`scripts/size_baseline.json` with its size then: a listed file or function may not grow, and no new
one may pass a limit. When one shrinks, `--update` lowers its entry (or drops it once it is within
the limit); the update never raises an entry or adds one, so the list only shrinks.

A function's length is its lines from `def` (decorators included) to its last line, less the lines
of the functions and classes defined inside it: a router factory is measured apart from its routes,
and each route on its own.

    python scripts/check_sizes.py            # check; exit 1 on a violation
    python scripts/check_sizes.py --update   # check, then lower the baseline to today's sizes
"""

from __future__ import annotations

import argparse
import ast
import json
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scripts" / "size_baseline.json"
PACKAGES = ("bot", "intake", "routing", "storage", "web", "cli", "playground", "bench", "scripts")
SKIPPED = ("storage/migrations/",)
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 60

Sizes = dict[str, int]


def sources(root: Path = ROOT) -> Iterator[Path]:
    """The Python files the rule covers (tests live in tests/, which is not listed)."""
    for package in PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            rel = path.relative_to(root).as_posix()
            if not rel.startswith(SKIPPED):
                yield path


Defn = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef


def _span(node: Defn) -> int:
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    return (node.end_lineno or node.lineno) - first + 1


def _inner(node: ast.AST) -> Iterator[Defn]:
    """The functions and classes defined directly inside `node` (not inside those)."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            yield child
        else:
            yield from _inner(child)


def function_sizes(tree: ast.AST, prefix: str = "") -> Iterator[tuple[str, int]]:
    """(qualified name, own length) of every function in `tree`."""
    for node in _inner(tree):
        name = f"{prefix}{node.name}"
        if not isinstance(node, ast.ClassDef):
            yield name, _span(node) - sum(_span(d) for d in _inner(node))
        yield from function_sizes(node, name + ".")


def measure(root: Path = ROOT) -> tuple[Sizes, Sizes]:
    """Every file's line count and every function's own length (`path::qualname`)."""
    files: Sizes = {}
    functions: Sizes = {}
    for path in sources(root):
        rel = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        files[rel] = len(text.splitlines())
        for name, size in function_sizes(ast.parse(text, filename=rel)):
            key = f"{rel}::{name}"
            functions[key] = max(size, functions.get(key, 0))  # a name defined twice: the longer
    return files, functions


def violations(current: Sizes, baseline: Sizes, limit: int, what: str) -> list[str]:
    """What is over `limit` and not allowed by the baseline (new, or grown beyond its entry)."""
    found = []
    for key, size in sorted(current.items()):
        allowed = baseline.get(key, limit)
        if size > allowed:
            why = f"grew from {allowed}" if key in baseline else f"limit {limit}"
            found.append(f"{what} {key}: {size} lines ({why})")
    return found


def lowered(current: Sizes, baseline: Sizes, limit: int) -> Sizes:
    """The baseline with each entry lowered to today's size, and gone once within the limit."""
    return {
        key: min(allowed, current[key])
        for key, allowed in baseline.items()
        if key in current and current[key] > limit
    }


def load_baseline(path: Path = BASELINE) -> tuple[Sizes, Sizes]:
    data = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    return dict(data.get("files", {})), dict(data.get("functions", {}))


def write_baseline(files: Sizes, functions: Sizes, path: Path = BASELINE) -> None:
    data = {"files": dict(sorted(files.items())), "functions": dict(sorted(functions.items()))}
    path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", action="store_true", help="lower the baseline to today's sizes")
    args = parser.parse_args(argv)
    files, functions = measure()
    base_files, base_functions = load_baseline()
    problems = [
        *violations(files, base_files, MAX_FILE_LINES, "file"),
        *violations(functions, base_functions, MAX_FUNCTION_LINES, "function"),
    ]
    for problem in problems:
        print(f"check_sizes: {problem}", file=sys.stderr)
    new_files = lowered(files, base_files, MAX_FILE_LINES)
    new_functions = lowered(functions, base_functions, MAX_FUNCTION_LINES)
    if (new_files, new_functions) != (base_files, base_functions):
        if args.update:
            write_baseline(new_files, new_functions)
            print(f"check_sizes: {BASELINE.relative_to(ROOT)} lowered")
        else:
            print("check_sizes: some listed code shrank; run scripts/check_sizes.py --update to keep it so")
    if problems:
        print(
            f"check_sizes: split it (files up to {MAX_FILE_LINES} lines, functions up to "
            f"{MAX_FUNCTION_LINES}); the baseline may not be raised",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
