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
