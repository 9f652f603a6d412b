"""A voice message on the desk in a real browser: `petition serve` takes the call's webhooks, its
background job fetches the recording from the fake Twilio, and the officer plays it."""

from __future__ import annotations

import io
import math
import struct
import wave
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
from twilio.request_validator import RequestValidator

from tests.browser.test_desk_browser import _shot, _sign_in, browser, service
from tests.fakes.http import serve
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio

pytest.importorskip("playwright")
from playwright.async_api import Browser, expect

__all__ = ["browser", "service"]  # the fixtures this module uses from the desk's browser tests

CALLER = "+863918222222"  # a landline: the number is read out, no SMS


def _tone(seconds: float = 2.0, rate: int = 8000) -> bytes:
    """A short 440 Hz tone as a WAV file (what a browser can decode without an MP3 encoder here)."""
    frames = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * n / rate)))
        for n in range(int(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return out.getvalue()


@pytest.fixture
async def fake() -> AsyncIterator[FakeTwilio]:
    yield FakeTwilio()


@pytest.fixture
async def twilio_base(fake: FakeTwilio) -> AsyncIterator[str]:
    async with serve(fake.app()) as base:
        yield base


async def _post(client: httpx.AsyncClient, base: str, path: str, form: dict[str, str]) -> httpx.Response:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(base + path, form)
    return await client.post(
        base + path,
        content=urlencode(form),
        headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    )


async def test_an_officer_plays_a_voice_message(
    service: tuple[str, dict[str, str]], browser: Browser, fake: FakeTwilio
) -> None:
    base, _env = service
    sid = fake.new_call(CALLER, "+863918111111")
    rec = fake.new_recording(_tone())
    call = {"CallSid": sid, "AccountSid": ACCOUNT_SID, "From": CALLER, "To": "+863918111111"}
    async with httpx.AsyncClient() as client:
        # The real clock is long past the bundled inspection's period: the call goes to the message.
        answer = await _post(client, base, "/hooks/voice", call)
        assert "<Record" in answer.text
        done = await _post(
            client, base, "/hooks/voice/recorded", {**call, "RecordingSid": rec, "RecordingDuration": "2"}
        )
        assert "您的留言编号是：M Z 1 0 0 0 1" in done.text
        ready = {
            "CallSid": sid,
            "RecordingSid": rec,
            "RecordingStatus": "completed",
            "RecordingDuration": "2",
        }
        assert (await _post(client, base, "/hooks/voice/recording", ready)).status_code == 200
    page = await browser.new_page(viewport={"width": 1366, "height": 800})
    await _sign_in(page, base, "duty")
    await page.goto(f"{base}/desk?state=all")
    await expect(page.locator("#queue-rows")).to_contain_text("MZ1-0001")
    await expect(page.locator("#queue-rows")).to_contain_text("电话")
    await page.goto(f"{base}/desk/r/MZ1-0001")
    for _ in range(50):  # the server's job fetches the recording the moment the callback came
        if await page.locator("#recording").count():
            break
        await page.wait_for_timeout(200)
        await page.reload()
    audio = page.locator("#recording")
    await expect(audio).to_be_visible()
    await expect(page.locator("#call")).to_contain_text("语音留言")
    await expect(page.locator("body")).not_to_contain_text(CALLER)
    duration = await page.evaluate(
        """() => new Promise((ok, fail) => {
            const a = document.querySelector('#recording');
            a.addEventListener('loadedmetadata', () => ok(a.duration));
            a.addEventListener('error', () => fail('audio error'));
            a.load();
        })"""
    )
    assert 1.5 < float(duration) < 2.5
    await _shot(page, "voice-message")
    assert fake.deleted == [rec]  # deleted at the provider once stored here
