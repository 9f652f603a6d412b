"""The webhooks through the whole app (ASGI, lifespan running) with the providers faked locally."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from twilio.request_validator import RequestValidator

from bot.registry import channel_status
from intake.models import Channel
from tests.fakes.http import serve
from tests.fakes.store import SqlReportStore, whole
from tests.fakes.telegram_api import TOKEN, FakeBotApi, callback_update, message_update
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from web.app import Runtime, create_app
from web.settings import Settings

PUBLIC = "https://petition.example.org"
PHONE = "+8613912345678"
SECRET = "hook-secret"


@asynccontextmanager
async def app_client(tmp_path: Path, **overrides: Any) -> AsyncIterator[tuple[httpx.AsyncClient, FastAPI]]:
    settings = Settings(data_dir=tmp_path / "data", public_url=PUBLIC, _env_file=None, **overrides)  # type: ignore[call-arg]
    app = create_app(settings)

    async def settle(response: httpx.Response) -> None:
        # The SMS webhook answers once the message is committed and its report follows moments
        # later (intake/deferred.py); these tests look at the report right after, so they wait for it.
        channels = app.state.channels
        if response.request.url.path == "/hooks/sms" and channels.sms is not None:
            await channels.sms.drain()

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", event_hooks={"response": [settle]}
        ) as client:
            yield client, app


def _rt(app: FastAPI) -> Runtime:
    rt: Runtime = app.state.rt
    return rt


def sms_post(form: dict[str, str], path: str = "/hooks/sms", token: str = AUTH_TOKEN) -> dict[str, Any]:
    signature = RequestValidator(token).compute_signature(PUBLIC + path, form)
    return {
        "url": path,
        "content": urlencode(form),
        "headers": {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    }


def sms_form(sid: str, body: str, sender: str = PHONE) -> dict[str, str]:
    return {
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": "+8613900000000",
        "Body": body,
    }


async def _count_messages(store: SqlReportStore) -> int:
    reports = await store.latest_reports(None)
    return sum(len(await store.report_messages(r.pk)) for r in reports) + len(
        await store.unprocessed_messages()
    )


async def test_sms_webhook_end_to_end(tmp_path: Path) -> None:
    fake = FakeTwilio()
    async with serve(fake.app()) as base:
        twilio = {
            "twilio_account_sid": ACCOUNT_SID,
            "twilio_auth_token": AUTH_TOKEN,
            "twilio_from": "+8613900000000",
            "twilio_api_base": base,
        }
        async with app_client(tmp_path, **twilio) as (client, app):
            rt = _rt(app)
            # Forged: 403 and nothing stored.
            forged = sms_post(sms_form("SM1", "伪造"), token="wrong")
            assert (await client.post(**forged)).status_code == 403
            assert await whole(rt).latest_reports(None) == []
            assert await whole(rt).unprocessed_messages() == []
            # A long SMS in two parts, the first delivered twice.
            long_text = "反映西虢镇某村党支部书记在低保评定中优亲厚友，"
            for sid, body in (("SM1", long_text), ("SM1", long_text), ("SM2", "把自家亲属都评上了低保。")):
                response = await client.post(**sms_post(sms_form(sid, body)))
                assert response.status_code == 200
                assert response.text.endswith("<Response></Response>")
            reports = await whole(rt).latest_reports(None)
            assert len(reports) == 1
            assert len(await whole(rt).report_messages(reports[0].pk)) == 2
            number = reports[0].tracking_number
            # Status query from another number: refused without saying whether the number exists.
            await client.post(**sms_post(sms_form("SM3", f"查询 {number}", sender="+8613800000000")))
            while await rt.worker.run_once():
                pass
            by_to: dict[str, list[str]] = {}
            for m in fake.messages:
                by_to.setdefault(m["To"], []).append(m["Body"])
            assert len(by_to[PHONE]) == 1 and number in by_to[PHONE][0]
            assert by_to["+8613800000000"] == [
                f"未查到编号{number}的来信，请核对编号。只能查询本人反映的事项。"
            ]
            assert fake.messages[0]["StatusCallback"] == PUBLIC + "/hooks/sms/status"
            # After STOP nothing more goes to the number, not even the answer to its own query.
            sent_before = len(fake.messages)
            await client.post(**sms_post(sms_form("SM4", "STOP")))
            await client.post(**sms_post(sms_form("SM5", f"查询 {number}")))
            while await rt.worker.run_once():
                pass
            assert len(fake.messages) == sent_before
            status = {"MessageSid": "SM" + "1".zfill(32), "MessageStatus": "delivered"}
            assert (await client.post(**sms_post(status, "/hooks/sms/status"))).status_code == 200
            forged_status = sms_post(status, "/hooks/sms/status", token="x")
            assert (await client.post(**forged_status)).status_code == 403
            entries = await whole(rt).audit_entries()
            assert any(e.action == "sms.status" and e.detail["status"] == "delivered" for e in entries)


async def test_telegram_webhook_end_to_end(tmp_path: Path) -> None:
    api = FakeBotApi()
    async with serve(api.app()) as base:
        tg = {"telegram_token": TOKEN, "telegram_secret": SECRET, "telegram_api_base": base}
        async with app_client(tmp_path, **tg) as (client, app):
            rt = _rt(app)
            headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
            bad = await client.post(
                "/hooks/telegram",
                json=message_update(1, 5, "x"),
                headers={"X-Telegram-Bot-Api-Secret-Token": "no"},
            )
            assert bad.status_code == 403
            assert await whole(rt).unprocessed_messages() == []
            for update in (
                message_update(2, 5, "村支书收受红包"),
                message_update(2, 5, "村支书收受红包"),
                callback_update(3, 5, "anonymous"),
            ):
                assert (await client.post("/hooks/telegram", json=update, headers=headers)).status_code == 200
            edited = {"update_id": 4, "edited_message": message_update(4, 5, "x")["message"]}
            assert (await client.post("/hooks/telegram", json=edited, headers=headers)).status_code == 200
            assert (await client.post("/hooks/telegram", content=b"{", headers=headers)).status_code == 400
            [report] = await whole(rt).latest_reports(None)
            while await rt.worker.run_once():
                pass
            acks = [p for p in api.sent() if report.tracking_number in p["text"]]
            assert len(acks) == 1 and acks[0]["chat_id"] == "5"


async def test_unconfigured_channels_are_off(tmp_path: Path) -> None:
    async with app_client(tmp_path) as (client, _app):
        assert (await client.post("/hooks/sms", content=b"")).status_code == 404
        assert (await client.post("/hooks/telegram", content=b"{}")).status_code == 404
    status = channel_status(Settings(_env_file=None, twilio_account_sid="AC1"))  # type: ignore[call-arg]
    assert status["sms"] == "off (missing PETITION_TWILIO_AUTH_TOKEN, PETITION_TWILIO_FROM)"
    assert status["e-mail in (IMAP)"].startswith("off")
    assert Channel.SMS.value == "sms"
    assert json.dumps(status)
