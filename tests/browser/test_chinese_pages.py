"""Issue 15's "done when": a citizen's report walked from the form to the officer's confirmation
and transfer in Debian's chromium, every page an officer or citizen sees scanned for English.

A page passes when its visible text (innerText: not titles, not codes kept for hover) holds no Latin
word outside a short allowlist of proper names and the tracking numbers.
"""

from __future__ import annotations

import re

import httpx
from playwright.async_api import Browser, Page, expect

from tests.browser import test_desk_browser as desk
from tests.browser.test_desk_browser import _shot, _sign_in, _signed_sms

# The desk test's fixtures: `petition serve` with a fake Twilio, and chromium.
twilio_base = desk.twilio_base
service = desk.service
browser = desk.browser

# Proper names and codes an officer may see as they are.
ALLOWED = {"Telegram", "duty", "boss", "CSV", "PDF", "Excel", "Enter", "SMS", "Twilio", "Email", "mail"}
# Chinese characters are word characters to `\b`: the number's edges are spelled out.
TRACKING = re.compile(r"(?<![A-Za-z0-9])(?:ZB-)?[A-Z]{1,5}\d?-\d{3,}(?:-\d+)?(?![0-9])")
# The model version (2026-11-29.1+62ec1132): an identifier, like a tracking number.
MODEL_VERSION = re.compile(r"\d{4}-\d{2}-\d{2}\.\d+\+[0-9a-f]+")
LATIN = re.compile(r"[A-Za-z]{2,}")


async def english_on(page: Page) -> list[str]:
    """Latin words in the page's visible text, tracking numbers and the allowlist left out."""
    text = TRACKING.sub(" ", MODEL_VERSION.sub(" ", await page.inner_text("body")))
    return sorted({w for w in LATIN.findall(text) if w not in ALLOWED})


async def _check(page: Page, seen: dict[str, list[str]], name: str) -> None:
    await page.wait_for_load_state("networkidle")
    seen[name] = await english_on(page)
    await _shot(page, name)


def test_scanner_finds_english() -> None:
    """The scan catches what issue 15 found (raw reasons, codes, dicts), not the numbers."""
    text = TRACKING.sub(" ", "route: competent MZ1-0001 {'tracking_number': 'HN1-0003'} Telegram")
    found = {w for w in LATIN.findall(text) if w not in ALLOWED}
    assert found == {"route", "competent", "tracking", "number"}


async def test_a_report_from_form_to_transfer_reads_chinese(
    service: tuple[str, dict[str, str]], browser: Browser
) -> None:
    base, _env = service
    seen: dict[str, list[str]] = {}
    citizen = await browser.new_page(viewport={"width": 390, "height": 844})
    await citizen.goto(f"{base}/")
    await _check(citizen, seen, "citizen-form")
    await citizen.click("button[type=submit]")  # empty: a Chinese sentence, not "text: ..."
    await _check(citizen, seen, "citizen-empty")
    await citizen.fill("#text", "我在西虢镇一家工厂打工，老板拖欠三个月工资不给。")
    await citizen.click("button[type=submit]")
    await expect(citizen.locator("#filed")).to_contain_text("MZ1-0001")
    await _check(citizen, seen, "citizen-filed")

    # An SMS too, so that the officer sees an acknowledgement and its true state.
    form, headers = _signed_sms(base, "SM" + "8" * 32, "西虢镇环保所不管工厂夜里排污，河水发黑。")
    async with httpx.AsyncClient() as client:
        assert (await client.post(f"{base}/hooks/sms", data=form, headers=headers)).status_code == 200

    page = await browser.new_page(viewport={"width": 1366, "height": 800})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    await _sign_in(page, base, "duty")
    await expect(page.locator("#queue-rows tr.row")).to_have_count(2, timeout=15_000)
    await expect(page.locator("#queue-rows")).to_contain_text("拖欠三个月工资")  # the text column
    await _check(page, seen, "queue")

    # `c` on a row says where it goes and does nothing more; Esc leaves it as it was.
    await page.keyboard.press("j")
    await page.keyboard.press("c")
    await expect(page.locator("#confirm-bar")).to_contain_text("转办至：")
    await page.keyboard.press("Escape")
    await expect(page.locator("#confirm-bar")).to_be_hidden()
    await expect(page.locator("#queue-rows tr.row")).to_have_count(2)

    # The queue on a phone: cards, nothing wider than the screen.
    phone = await browser.new_page(viewport={"width": 390, "height": 844})
    await _sign_in(phone, base, "duty")
    await expect(phone.locator("#queue-rows tr.row")).to_have_count(2)
    assert await phone.evaluate("document.documentElement.scrollWidth") <= 390
    await _check(phone, seen, "queue-phone")

    await page.goto(f"{base}/desk/r/MZ1-0001")
    await expect(page.locator("#decision-heading")).to_have_text("系统建议")
    await _check(page, seen, "report")
    # The region by name: a city's name resolves; the officer's change is saved and said so.
    await page.select_option("#target-kind", "department:human_resources")
    await page.fill("#target-region", "焦作市")
    await page.click("#save-decision")
    await expect(page.locator("#saved")).to_contain_text("已保存")
    await expect(page.locator("#target")).to_contain_text("焦作市人社局")
    await expect(page.locator("#decision-heading")).to_have_text("人工确认")
    await expect(page.locator(".reasons")).to_contain_text("值班人员已修改")
    await expect(page.locator("table").last).to_contain_text("系统原建议")
    await _check(page, seen, "report-changed")
    # An ambiguous name is refused with the matches, and what was typed stays in the field.
    await page.fill("#target-region", "朝阳区")
    await page.click("#save-decision")
    await expect(page.locator(".notice.error")).to_contain_text("北京市朝阳区")
    await expect(page.locator("#target-region")).to_have_value("朝阳区")

    await page.click("#confirm")
    await expect(page.locator("#transfer-form")).to_contain_text("焦作市人社局")
    await _check(page, seen, "transfer")

    sms = page.locator("#queue-rows tr.row")
    await page.goto(f"{base}/desk?state=all")
    await expect(sms).to_have_count(2)
    await page.goto(f"{base}/desk/r/MZ1-0002")
    await expect(page.locator(".delivery").first).not_to_contain_text("已送达")
    await _check(page, seen, "report-sms")
    await page.goto(f"{base}/")  # the signed-in home page lists the reports
    await expect(page.locator("body")).to_contain_text("申诉求决")
    await _check(page, seen, "home-signed-in")
    for path in ("/desk/stats", "/desk/digest", "/desk/entry", "/desk/r/MZ9-9999", "/admin"):
        await page.goto(base + path)
        await _check(page, seen, path.strip("/").replace("/", "-"))
    await expect(page.locator("#back")).to_contain_text("返回")  # /admin refused: a page, no JSON
    english = {name: words for name, words in seen.items() if words}
    assert english == {}, repr(english)
    assert errors == []
