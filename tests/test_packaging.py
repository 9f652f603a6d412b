"""What an install ships: the service's packages and the `petition` command, not the playground or
the tests (they run from a checkout)."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

from setuptools import find_packages

from cli.playground import checkout_playground

ROOT = Path(__file__).resolve().parents[1]


def _project() -> dict[str, object]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        data: dict[str, object] = tomllib.load(f)
    return data


def test_the_wheel_holds_the_cli_and_not_the_playground_or_the_tests() -> None:
    tool = _project()["tool"]
    assert isinstance(tool, dict)
    include = tool["setuptools"]["packages"]["find"]["include"]
    shipped = set(find_packages(where=str(ROOT), include=include))
    assert {"bot", "intake", "routing", "storage", "web", "cli"} <= shipped
    assert not {p for p in shipped if p.split(".")[0] in ("playground", "tests")}


def test_the_console_script_is_the_cli_package() -> None:
    project = _project()["project"]
    assert isinstance(project, dict)
    assert project["scripts"] == {"petition": "cli.main:main"}


def test_demo_channels_finds_the_playground_of_the_checkout() -> None:
    module = checkout_playground()
    assert module is not None and Path(module.__file__ or "").parent == ROOT / "playground"


def test_python_dash_m_cli_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cli", "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "demo-channels" in done.stdout and "serve" in done.stdout
