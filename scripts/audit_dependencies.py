"""CI's dependency check: pip-audit over the installed environment, with the policy of docs/security.md.

    .venv/bin/python scripts/audit_dependencies.py

Exit 1 when a known vulnerability is found in an installed dependency and not waived in
`.ci/pip-audit-waivers.txt` (a waiver names the advisory, an expiry date and a reason; an expired
one no longer counts). Exit 0 with a loud "NOT AUDITED" when the vulnerability service (PyPI's JSON
API) cannot be reached, or answers "not found" for every package (as behind a registry mirror
without that API, the case on CI here): CI only reaches package registries, and an outage there
must not block every merge, but a run that audited nothing must never read "0 known
vulnerabilities". Packages that could not be audited are named. Any other failure of pip-audit
fails, so that the check cannot silently stop checking.

No advisory database that installs from PyPI and works offline was found sound (searched
2026-11: `safety-db` stopped in 2021; `appthreat-vulnerability-db` downloads its data at run time;
pip-audit's OSV source needs api.osv.dev), so none is used.
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
                    "dependency audit: NOT AUDITED: the vulnerability service could not be reached; "
                    "dependencies were NOT checked in this run (not failing CI, see docs/security.md)",
                    f"  {tail[0]}",
                ],
            )
        return Verdict(1, ["dependency audit: pip-audit failed", f"  {tail[0]}"])
    dependencies = report.get("dependencies", [])
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    if audited == 0:
        # Every package "not found" (no advisory data reachable): nothing was checked, and saying
        # "0 known vulnerabilities" would be read as a clean bill.
        example = [f"  {skipped[0]['skip_reason']}"] if skipped else []
        return Verdict(
            0,
            [
                f"dependency audit: NOT AUDITED: none of the {len(dependencies)} packages could be audited "
                "(no advisory data reachable); this run says nothing about known vulnerabilities "
                "(not failing CI, see docs/security.md)",
                *example,
            ],
        )
    return _audited_verdict(returncode, report, audited, skipped, waivers)


def _audited_verdict(
    returncode: int,
    report: dict[str, Any],
    audited: int,
    skipped: list[dict[str, Any]],
    waivers: dict[str, str],
) -> Verdict:
    found = findings(report)
    waived = [f for f in found if f.advisory in waivers or any(a in waivers for a in f.aliases)]
    open_ = [f for f in found if f not in waived]
    counts = f"{len(found)} known vulnerabilities, {len(waived)} waived"
    lines = [f"dependency audit: {audited} packages audited, {counts}"]
    if skipped:
        names = ", ".join(str(d.get("name", "?")) for d in skipped)
        lines.append(f"  NOT AUDITED ({len(skipped)} packages, no advisory data): {names}")
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
