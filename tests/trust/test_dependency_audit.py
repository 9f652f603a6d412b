"""The CI dependency check's policy: a finding fails, an unreachable service warns, a waiver expires."""

from __future__ import annotations

from datetime import date

from scripts.audit_dependencies import load_waivers, verdict

REPORT = {
    "dependencies": [
        {"name": "jinja2", "version": "2.10", "vulns": [
            {"id": "PYSEC-2019-217", "aliases": ["CVE-2019-10906"], "fix_versions": ["2.10.1"]}]},
        {"name": "httpx", "version": "0.28.1", "vulns": []},
    ]
}  # fmt: skip


def test_a_known_vulnerability_fails_ci() -> None:
    result = verdict(1, REPORT, "", {})
    assert result.code == 1
    assert any(
        "VULNERABLE jinja2 2.10: PYSEC-2019-217 CVE-2019-10906 (fixed in 2.10.1)" in x for x in result.lines
    )


def test_a_clean_report_passes() -> None:
    clean = {"dependencies": [{"name": "httpx", "version": "0.28.1", "vulns": []}]}
    assert verdict(0, clean, "", {}).code == 0


def test_an_unreachable_service_warns_without_failing() -> None:
    stderr = (
        "Traceback ...\nrequests.exceptions.ConnectionError: Max retries exceeded with url: /pypi/x/1/json"
    )
    result = verdict(1, None, stderr, {})
    assert result.code == 0
    assert "NOT checked" in result.lines[0]


def test_any_other_failure_fails() -> None:
    assert verdict(1, None, "ValueError: bad requirement", {}).code == 1


def test_waivers_by_id_or_alias_until_they_expire() -> None:
    text = "# comment\nCVE-2019-10906 2030-01-01 template sandbox not used\nPYSEC-1 2020-01-01 old\n"
    waivers = load_waivers(text, date(2026, 11, 22))
    assert waivers == {"CVE-2019-10906": "template sandbox not used"}
    result = verdict(1, REPORT, "", waivers)
    assert result.code == 0
    assert "waived PYSEC-2019-217 in jinja2 2.10: template sandbox not used" in result.lines[1]
    assert verdict(1, REPORT, "", load_waivers(text, date(2031, 1, 1))).code == 1


def _not_found(name: str, version: str) -> dict[str, str]:
    return {
        "name": name,
        "skip_reason": f"Dependency not found on PyPI and could not be audited: {name} ({version})",
    }


def test_a_run_that_audited_nothing_says_so_and_never_zero_vulnerabilities() -> None:
    # The attack of issue #13: no advisory data reachable, every package "not found"; the old
    # verdict printed "110 packages, 0 known vulnerabilities".
    nothing = {"dependencies": [_not_found("httpx", "0.28.1"), _not_found("jinja2", "3.1.6")], "fixes": []}
    result = verdict(0, nothing, "", {})
    assert result.code == 0  # not failing CI: CI here reaches no advisory source
    assert result.lines[0].startswith(
        "dependency audit: NOT AUDITED: none of the 2 packages could be audited"
    )
    assert not any("0 known vulnerabilities" in line for line in result.lines)
    assert verdict(0, {"dependencies": []}, "", {}).lines[0].startswith("dependency audit: NOT AUDITED")


def test_packages_that_could_not_be_audited_are_named() -> None:
    partly = {"dependencies": [*REPORT["dependencies"], _not_found("petition-private", "1.0")]}
    result = verdict(1, partly, "", {})
    assert result.code == 1
    assert result.lines[0] == "dependency audit: 2 packages audited, 1 known vulnerabilities, 0 waived"
    assert "NOT AUDITED (1 packages, no advisory data): petition-private" in result.lines[1]
