"""scripts/check_sizes.py: the baseline holds the line (issue #14, item 6)."""

from __future__ import annotations

import ast
import textwrap

from scripts.check_sizes import (
    MAX_FUNCTION_LINES,
    function_sizes,
    load_baseline,
    lowered,
    measure,
    violations,
)


def _body(n: int) -> str:
    return "".join(f"    x{i} = {i}\n" for i in range(n))


def test_a_function_is_measured_without_the_functions_inside_it() -> None:
    source = (
        "@decorator\ndef outer():\n"
        + textwrap.indent("def inner():\n" + _body(70), "    ")
        + "    return inner\n"
    )
    sizes = dict(function_sizes(ast.parse(source)))
    assert sizes["outer.inner"] == 71
    assert sizes["outer"] == 3  # decorator, def line, return


def test_a_listed_function_may_not_grow_and_a_new_one_may_not_pass_the_limit() -> None:
    baseline = {"a.py::f": 80}
    assert violations({"a.py::f": 80}, baseline, MAX_FUNCTION_LINES, "function") == []
    assert violations({"a.py::f": 81}, baseline, MAX_FUNCTION_LINES, "function") != []
    assert violations({"b.py::g": 61}, baseline, MAX_FUNCTION_LINES, "function") != []
    assert violations({"b.py::g": 60}, baseline, MAX_FUNCTION_LINES, "function") == []


def test_the_baseline_is_only_ever_lowered() -> None:
    baseline = {"a.py::f": 80, "a.py::h": 70, "a.py::gone": 90}
    current = {"a.py::f": 75, "a.py::h": 50, "a.py::new": 99}
    assert lowered(current, baseline, MAX_FUNCTION_LINES) == {"a.py::f": 75}


def test_the_code_today_is_within_its_baseline() -> None:
    files, functions = measure()
    base_files, base_functions = load_baseline()
    assert violations(files, base_files, 600, "file") == []
    assert violations(functions, base_functions, MAX_FUNCTION_LINES, "function") == []
