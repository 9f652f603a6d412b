"""The running app's state is reached through web/runtime.py only, typed: no router reads
`app.state.rt` or `app.state.channels` itself, and none types the runtime `Any`."""

from __future__ import annotations

import re
from pathlib import Path

WEB = Path(__file__).resolve().parents[2] / "web"
# What web/runtime.py wraps: the runtime and the channels on app.state.
STATE = re.compile(r"state\.(rt|channels)\b|getattr\([^)]*state,\s*\"(rt|channels)\"")
UNTYPED = re.compile(r"\brt: Any\b")


def test_only_web_runtime_touches_the_runtime_on_app_state() -> None:
    found = {
        f"{path.name}:{n}": line.strip()
        for path in sorted(WEB.glob("*.py"))
        if path.name != "runtime.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STATE.search(line) or UNTYPED.search(line)
    }
    assert found == {}
    runtime = (WEB / "runtime.py").read_text(encoding="utf-8")
    assert STATE.search(runtime)  # the pattern finds what it is meant to find
