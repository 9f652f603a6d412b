"""The desk in a real browser: Debian's chromium driven by Playwright against `petition serve`.

The service runs as a real process on a free loopback port with a fake Twilio behind it; a citizen's
SMS arrives through the signed webhook while the officer watches the queue.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from twilio.request_validator import RequestValidator

from intake.inspection import bundled_inspections
from tests.fakes.http import serve
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

pytest.importorskip("playwright")
from playwright.async_api import Browser, Page, async_playwright, expect

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "desk password 1"
SCREENSHOTS = os.environ.get("PETITION_SCREENSHOTS")  # a folder: save the main pages there

if not Path(CHROMIUM).exists():
    if os.environ.get("PETITION_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is required (apt-get install chromium fonts-wqy-microhei)", pytrace=False)
    pytest.skip(f"no {CHROMIUM}", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def twilio_base() -> AsyncIterator[str]:
    fake = FakeTwilio()
    async with serve(fake.app()) as base:
        yield base


@pytest.fixture
def service(tmp_path: Path, twilio_base: str) -> Iterator[tuple[str, dict[str, str]]]:
    """`petition serve` on a free port, with an officer and an admin account."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    mengzhou = next(p for p in bundled_inspections() if p.stem == "mengzhou-xiguo-2021")
    env = {
        **os.environ,
        "PETITION_DATA_DIR": str(tmp_path / "data"),
        "PETITION_INSPECTION": str(mengzhou),
        "PETITION_PUBLIC_URL": base,
        "PETITION_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "PETITION_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "PETITION_TWILIO_FROM": "+8613900000000",
        "PETITION_TWILIO_API_BASE": twilio_base,
        "PETITION_DESK_POLL_SECONDS": "1",
    }
    petition = [sys.executable, "-m", "cli"]
    for name, role in (("duty", "officer"), ("boss", "admin")):
        subprocess.run(
            [*petition, "user", "add", name, "--role", role],
            input=PASSWORD + "\n",
            env=env,
            text=True,
            check=True,
            capture_output=True,
        )
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen([*petition, "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None:
                raise RuntimeError((tmp_path / "serve.log").read_text("utf-8", "replace"))
            import time

            time.sleep(0.2)
        yield base, env
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        try:
            yield b
        finally:
            await b.close()


async def _shot(page: Page, name: str) -> None:
    if SCREENSHOTS:
        os.makedirs(SCREENSHOTS, exist_ok=True)
        await page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


async def _sign_in(page: Page, base: str, name: str) -> None:
    await page.goto(f"{base}/login")
    await page.fill("#name", name)
    await page.fill("#password", PASSWORD)
    await page.click("button[type=submit]")
    await expect(page.locator("header.top")).to_contain_text(name)


def _signed_sms(base: str, sid: str, body: str) -> tuple[dict[str, str], dict[str, str]]:
    form = {
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": "+8613812345678",
        "To": "+8613900000000",
        "Body": body,
        "NumSegments": "1",
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(f"{base}/hooks/sms", form)
    return form, {"X-Twilio-Signature": signature}


async def test_officer_triages_an_sms_to_a_transfer(
    service: tuple[str, dict[str, str]], browser: Browser
) -> None:
    base, _env = service
    page = await browser.new_page(viewport={"width": 1366, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await _sign_in(page, base, "duty")
    await expect(page.locator("#queue-rows")).to_contain_text("没有符合条件的来信")

    # A citizen's SMS arrives while the page is open; the queue shows it without a reload.
    form, headers = _signed_sms(base, "SM" + "7" * 32, "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。")
    async with httpx.AsyncClient() as client:
        r = await client.post(f"{base}/hooks/sms", data=form, headers=headers)
    assert r.status_code == 200
    row = page.locator("#queue-rows tr.row").first
    await expect(row).to_contain_text("MZ1-0001", timeout=15_000)
    await expect(row).to_contain_text("孟州市人社局")
    await expect(page.locator("#queue-live h1")).to_contain_text("1 件")
    await _shot(page, "queue")

    await page.keyboard.press("j")
    await expect(row).to_have_class("row selected")
    await page.keyboard.press("Enter")
    await expect(page.locator("h1")).to_contain_text("MZ1-0001")
    await expect(page.locator(".message").first).to_contain_text("拖欠三个月工资")
    await expect(page.locator("body")).not_to_contain_text("+8613812345678")  # identity hidden
    await _shot(page, "report")

    # Change the target to the city's department, then confirm.
    await page.select_option("#target-kind", "department:human_resources")
    await page.fill("#target-region", "410800")
    await page.click("#save-decision")
    await expect(page.locator("#target")).to_contain_text("焦作市人社局")
    await page.click("#confirm")
    await expect(page.locator("#transfer-form")).to_contain_text("转办单")
    await expect(page.locator("#transfer-form")).to_contain_text("焦作市人社局")
    await expect(page.locator("#transfer-form")).to_contain_text("拖欠三个月工资")
    await _shot(page, "transfer")

    # An officer may not open the admin pages; a form post without the CSRF token is refused.
    r = await page.goto(f"{base}/admin")
    assert r is not None and r.status == 403
    refused = await page.request.post(f"{base}/desk/r/MZ1-0001/note", form={"text": "no token"})
    assert refused.status == 403

    await page.goto(f"{base}/desk")
    await page.click("header.top form button")
    await expect(page).to_have_url(f"{base}/login")
    assert (await page.goto(f"{base}/desk")) is not None
    await expect(page).to_have_url(f"{base}/login?next=/desk")
    assert errors == []


async def test_admin_pages_render(service: tuple[str, dict[str, str]], browser: Browser) -> None:
    base, _env = service
    page = await browser.new_page(viewport={"width": 1366, "height": 800})
    await page.goto(f"{base}/login")
    await _shot(page, "login")
    await _sign_in(page, base, "boss")
    await page.goto(f"{base}/admin")
    await expect(page.locator("body")).to_contain_text("duty")
    await _shot(page, "admin")
    await page.goto(f"{base}/desk/entry")
    await page.fill("#text", "来电反映：西虢镇某村村支书把低保名额给了自己亲戚。")
    await page.click("button[value=preview]")
    await expect(page.locator("#suggestion")).to_contain_text("属于受理范围")
    await _shot(page, "entry")
    await page.click("#save-entry")
    await expect(page.locator(".notice")).to_contain_text("已登记")
    await asyncio.sleep(0)


async def test_citizen_form_counts_and_confirms_only_once(
    service: tuple[str, dict[str, str]], browser: Browser
) -> None:
    base, _env = service
    page = await browser.new_page(viewport={"width": 1366, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(f"{base}/")
    await expect(page.locator("#text-used")).to_have_text("0")
    text = "西虢镇党委书记在道路工程招标中收受好处费。"
    await page.fill("#text", text)
    await expect(page.locator("#text-used")).to_have_text(str(len(text)))  # counted as typed
    assert await page.get_attribute("#text", "maxlength") == "5000"
    await page.click("button[type=submit]")
    await expect(page.locator("#filed")).to_contain_text("编号 MZ1-0001")
    await expect(page.locator("#filed")).to_contain_text("查询 MZ1-0001")
    assert page.url == f"{base}/"  # the number is not in the address
    await page.reload()
    await expect(page.locator("#filed")).to_have_count(0)  # shown once
    # A browser of its own (another person) asking for the number learns nothing.
    other = await browser.new_context()
    stranger = await other.new_page()
    await stranger.goto(f"{base}/?submitted=MZ1-0001")
    await expect(stranger.locator("body")).not_to_contain_text("MZ1-0001")
    await other.close()
    assert errors == []
