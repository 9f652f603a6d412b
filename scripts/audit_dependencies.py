"""CI's dependency check: pip-audit over the installed environment, with the policy of docs/security.md.

    .venv/bin/python scripts/audit_dependencies.py

Exit 1 when a known vulnerability is found in an installed dependency and not waived in
`.ci/pip-audit-waivers.txt` (a waiver names the advisory, an expiry date and a reason; an expired
one no longer counts). Exit 0 with a loud warning when the vulnerability service (PyPI's JSON API)
cannot be reached: CI only reaches package registries, and an outage there must not block every
merge. Any other failure of pip-audit fails, so that the check cannot silently stop checking.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

REPO: Final = Path(__file__).resolve().parents[1]
WAIVERS: Final = REPO / ".ci" / "pip-audit-waivers.txt"
# What requests/urllib3 say when the service is out of reach (DNS, refused, proxy, timeout, 5xx).
_UNREACHABLE: Final = re.compile(
    r"ConnectionError|ProxyError|ConnectTimeout|ReadTimeout|Timeout|NameResolutionError|"
    r"Temporary failure in name resolution|Max retries exceeded|ServiceError|"
    r"50[0-9] Server Error|Network is unreachable|Connection refused",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One advisory against one installed package."""

    package: str
    version: str
    advisory: str
    aliases: tuple[str, ...]
    fix_versions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What CI does with the audit: its exit code and what it prints."""

    code: int
    lines: list[str]


def findings(report: dict[str, Any]) -> list[Finding]:
    """The advisories in pip-audit's JSON report."""
    out = []
    for dep in report.get("dependencies", []):
        for vuln in dep.get("vulns", []):
            out.append(
                Finding(
                    dep["name"],
                    dep.get("version", "?"),
                    vuln["id"],
                    tuple(vuln.get("aliases", [])),
                    tuple(vuln.get("fix_versions", [])),
                )
            )
    return out


def load_waivers(text: str, today: date) -> dict[str, str]:
    """Advisory id -> reason, for the waivers not yet expired (`ID YYYY-MM-DD reason...` a line)."""
    waivers = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        advisory, expiry, *reason = line.split()
        if date.fromisoformat(expiry) >= today:
            waivers[advisory] = " ".join(reason) or "no reason given"
    return waivers


def verdict(returncode: int, report: dict[str, Any] | None, stderr: str, waivers: dict[str, str]) -> Verdict:
    """Decide CI's outcome from pip-audit's exit code, JSON report (None if none) and stderr."""
    if report is None:
        tail = stderr.strip().splitlines()[-1:] or ["no output"]
        if _UNREACHABLE.search(stderr):
            return Verdict(
                0,
                [
                    "dependency audit: WARNING: the vulnerability service could not be reached; "
                    "dependencies were NOT checked in this run (not failing CI, see docs/security.md)",
                    f"  {tail[0]}",
                ],
            )
        return Verdict(1, ["dependency audit: pip-audit failed", f"  {tail[0]}"])
    found = findings(report)
    count = len(report.get("dependencies", []))
    waived = [f for f in found if f.advisory in waivers or any(a in waivers for a in f.aliases)]
    open_ = [f for f in found if f not in waived]
    lines = [f"dependency audit: {count} packages, {len(found)} known vulnerabilities, {len(waived)} waived"]
    for f in waived:
        reason = waivers.get(f.advisory) or next(waivers[a] for a in f.aliases if a in waivers)
        lines.append(f"  waived {f.advisory} in {f.package} {f.version}: {reason}")
    for f in open_:
        fix = ", ".join(f.fix_versions) or "no fixed version yet"
        lines.append(
            f"  VULNERABLE {f.package} {f.version}: {f.advisory} {' '.join(f.aliases)} (fixed in {fix})"
        )
    if open_:
        return Verdict(1, lines)
    if returncode != 0 and not found:
        return Verdict(1, [*lines, "dependency audit: pip-audit exited non-zero without findings"])
    return Verdict(0, lines)


def main() -> None:
    """Run pip-audit on this interpreter's environment and apply the policy."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "audit.json"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip_audit",
                "--skip-editable",
                "--progress-spinner",
                "off",
                "--timeout",
                "20",
                "--format",
                "json",
                "--output",
                str(out),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        report = None
        if out.exists() and out.stat().st_size:
            report = json.loads(out.read_text("utf-8"))
    waivers = load_waivers(WAIVERS.read_text("utf-8") if WAIVERS.exists() else "", date.today())
    result = verdict(proc.returncode, report, proc.stderr, waivers)
    for line in result.lines:
        print(line)
    sys.exit(result.code)


if __name__ == "__main__":
    main()
