"""Following a transfer in a real browser: the body's feedback with a document, the digest, the
statistics' SVG charts and the ledger download, against `petition serve` (same set-up as the desk's)."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import httpx
import pytest
from openpyxl import load_workbook

pytest.importorskip("playwright")
from playwright.async_api import Browser, expect

from tests.browser import test_desk_browser as desk

# The desk's fixtures (the service process with its fake Twilio, the browser) and helpers.
twilio_base = desk.twilio_base
service = desk.service
browser = desk.browser

WAGES = "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。"


async def test_feedback_digest_stats_and_ledger(
    service: tuple[str, dict[str, str]], browser: Browser
) -> None:
    base, _env = service
    form, headers = desk._signed_sms(base, "SM" + "8" * 32, WAGES)
    async with httpx.AsyncClient() as client:
        assert (await client.post(f"{base}/hooks/sms", data=form, headers=headers)).status_code == 200

    page = await browser.new_page(viewport={"width": 1366, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A script or style refused by the CSP is reported on the console (the 403 asked for below, and
    # the favicon's 404, are not errors of the pages).
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    await desk._sign_in(page, base, "duty")

    # Confirm the suggestion (out of scope, to the county's labour bureau): a transfer is made.
    await page.goto(f"{base}/desk/r/MZ1-0001")
    await page.click("#confirm")
    await expect(page.locator("#transfer-form")).to_contain_text("孟州市人社局")
    await page.click("text=跟踪与反馈")
    await expect(page.locator("#transfer-state")).to_have_text("办理中")
    number = (await page.locator("h1 .tn").inner_text()).strip()

    # The body takes the matter on, then reports its result with a document.
    await page.select_option("#fb-kind", "accepted")
    await page.click("#feedback-form button[type=submit]")
    await expect(page.locator("#events")).to_contain_text("承办单位已接收")
    await page.select_option("#fb-kind", "handled")
    await page.fill("#fb-text", "已责令企业补发三个月工资，当事人已签收。")
    reply = "孟州市人社局关于拖欠工资问题的回函".encode()
    await page.set_input_files(
        "#fb-docs", files=[{"name": "回函.txt", "mimeType": "text/plain", "buffer": reply}]
    )
    await page.click("#feedback-form button[type=submit]")
    await expect(page.locator("#transfer-state")).to_have_text("已反馈")
    await expect(page.locator("#events")).to_contain_text("已责令企业补发三个月工资")
    async with page.expect_download() as fetched:
        await page.click("#events a:has-text('回函.txt')")
    document = await fetched.value
    assert await asyncio.to_thread(Path(await document.path()).read_bytes) == reply
    await desk._shot(page, "feedback")

    # The digest lists the transfer as waiting for the team to close it.
    await page.goto(f"{base}/desk/digest")
    await expect(page.locator("#digest")).to_contain_text("已反馈待办结")
    await expect(page.locator("#digest")).to_contain_text(number)
    await expect(page.locator("#digest")).not_to_contain_text("拖欠三个月工资")  # numbers, not content

    # The statistics: one report, and every chart drawn by the server as SVG.
    await page.goto(f"{base}/desk/stats")
    await expect(page.locator("#st-total")).to_have_text("1")
    charts = page.locator("svg.chart")
    await expect(charts).to_have_count(5)
    for i in range(5):
        box = await charts.nth(i).bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 20
    await expect(page.locator("svg.chart[aria-label]").first).to_be_visible()
    await desk._shot(page, "stats")

    # An officer has no ledger; a leader (here the admin) downloads it from the page.
    assert "台账" not in await page.locator("header.top").inner_text()
    refused = await page.goto(f"{base}/desk/ledger")
    assert refused is not None and refused.status == 403
    leader = await browser.new_page(viewport={"width": 1366, "height": 900})
    leader.on("pageerror", lambda e: errors.append(str(e)))
    await desk._sign_in(leader, base, "boss")
    await leader.click("header.top >> text=台账")
    async with leader.expect_download() as fetched:
        await leader.click("#ledger-form button[type=submit]:has-text('导出 Excel')")
    sheet = await fetched.value
    assert sheet.suggested_filename.startswith("台账_") and sheet.suggested_filename.endswith(".xlsx")
    data = await asyncio.to_thread(Path(await sheet.path()).read_bytes)
    workbook = load_workbook(io.BytesIO(data))
    cells = [str(c.value) for row in workbook.active.iter_rows() for c in row if c.value is not None]
    assert "MZ1-0001" in cells and number in " ".join(cells)
    assert "+8613812345678" not in " ".join(cells)  # identity left out unless asked
    async with leader.expect_download() as fetched:
        await leader.click("#ledger-form button:has-text('导出 CSV')")
    text = await asyncio.to_thread(Path(await (await fetched.value).path()).read_text, "utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert any("MZ1-0001" in row for row in rows)
    assert errors == []
