"""Secure headers on every response, and the per-address rate limit on the public webhooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.fakes.telegram_api import message_update
from tests.trust.harness import count_rows, running, settings_for, sms_form, sms_post
from web.app import create_app
from web.security import TokenBuckets


async def test_every_response_carries_the_secure_headers(tmp_path: Path) -> None:
    async with running(settings_for(tmp_path / "data")) as h:
        for path in ("/healthz", "/", "/no-such-page"):
            r = await h.client.get(path)
            csp = r.headers["content-security-policy"]
            assert "frame-ancestors 'none'" in csp and "script-src 'self';" in csp, path
            assert r.headers["x-content-type-options"] == "nosniff"
            assert r.headers["referrer-policy"] == "no-referrer"
            # The public URL is https: browsers are told to stay on TLS.
            assert r.headers["strict-transport-security"].startswith("max-age=")


async def test_no_hsts_over_plain_http(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data").model_copy(update={"public_url": "http://127.0.0.1:8000"})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.get("/healthz")
    assert "strict-transport-security" not in r.headers
    assert "content-security-policy" in r.headers


async def test_a_flood_of_signed_sms_is_all_stored(tmp_path: Path) -> None:
    # The attack of issue #13: 200 signed messages from one address at once. Twilio does not retry
    # a 429, so each one limited was a citizen's report lost; a signed delivery is never limited.
    async with running(settings_for(tmp_path / "data")) as h:
        text = "举报村主任侵占集体土地。"
        posts = [sms_post(sms_form(f"SMflood{i}", text, f"+86137{i:08d}")) for i in range(200)]
        codes = [(await h.client.post(**post)).status_code for post in posts]
        assert codes == [200] * 200
        await h.settle()
        assert await count_rows(h, "messages") == 200


async def test_only_calls_failing_verification_are_rate_limited(tmp_path: Path) -> None:
    settings = settings_for(tmp_path / "data", hook_rate_per_minute=60, hook_burst=3)
    async with running(settings) as h:
        forged: dict[str, Any] = {
            "content": "From=%2B8613700000001&Body=x",
            "headers": {"X-Twilio-Signature": "x"},
        }
        codes = [(await h.client.post("/hooks/sms", **forged)).status_code for _ in range(5)]
        assert codes == [403, 403, 403, 429, 429]
        refused = await h.client.post("/hooks/sms", **forged)
        assert refused.headers["retry-after"] == "1"
        bad_secret = {"X-Telegram-Bot-Api-Secret-Token": "wrong"}
        assert (await h.client.post("/hooks/telegram", json={}, headers=bad_secret)).status_code == 429
        # The same address's signed deliveries still go through, all of them, on both webhooks.
        text = "举报村主任侵占集体土地。"
        signed = [(await h.sms(f"SMrate{i}", text, "+8613700000001")).status_code for i in range(10)]
        assert signed == [200] * 10
        for i in range(5):
            update = message_update(9100 + i, 7300000 + i, text)
            assert (await h.telegram_update(update)).status_code == 200
        # Another address has its own budget; the pages are not limited.
        other = httpx.ASGITransport(app=h.app, client=("198.51.100.7", 1234))
        async with httpx.AsyncClient(transport=other, base_url="http://testserver") as client:
            assert (await client.post("/hooks/sms", **forged)).status_code == 403
        assert (await h.client.get("/healthz")).status_code == 200
        assert await count_rows(h, "messages") == 15


def test_token_bucket_refills_and_forgets() -> None:
    now = [0.0]
    buckets = TokenBuckets(rate=2.0, burst=2, max_keys=2, clock=lambda: now[0])
    assert [buckets.take("a") for _ in range(3)] == [0.0, 0.0, 0.5]
    now[0] = 0.5  # one token back
    assert buckets.take("a") == 0.0
    assert buckets.take("b") == 0.0 and buckets.take("c") == 0.0  # "a" evicted: memory stays bounded
    assert buckets.take("a") == 0.0
    with pytest.raises(ValueError):
        TokenBuckets(rate=0, burst=1)


async def test_an_error_page_shows_no_stack_trace(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path / "data"))

    async def broken() -> None:
        raise RuntimeError("failed for +8613700000009: 举报内容")

    app.add_api_route("/broken", broken)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            r = await client.get("/broken")
    assert r.status_code == 500
    # The app's error handler answers this (debug off): a Chinese page, no traceback, no message.
    assert "系统出错" in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    assert "8613700000009" not in r.text and "举报内容" not in r.text
