"""The whole app with every channel on, its providers faked locally: for the trust and fault tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI
from sqlalchemy import text as sql_text
from twilio.request_validator import RequestValidator

from intake.inspection import bundled_inspections
from intake.ports import Clock
from tests.fakes.http import serve
from tests.fakes.store import whole
from tests.fakes.telegram_api import TOKEN, FakeBotApi
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from web.app import create_app
from web.runtime import Runtime
from web.settings import Settings

PUBLIC = "https://petition.example.org"
TEAM_NUMBER = "+8613900000000"
TG_SECRET = "hook-secret"


@dataclass
class Harness:
    """A running app, a client on it, and the fake providers it talks to."""

    client: httpx.AsyncClient
    app: FastAPI
    twilio: FakeTwilio
    telegram: FakeBotApi
    settings: Settings
    extra: AsyncExitStack

    async def aclose_extra(self) -> None:
        """Close what a test added to `extra` (a server it started late)."""
        await self.extra.aclose()

    @property
    def rt(self) -> Runtime:
        """The app's runtime (store, service, worker)."""
        rt: Runtime = self.app.state.rt
        return rt

    async def drain(self) -> None:
        """Run the outbox worker until nothing is due."""
        while await self.rt.worker.run_once():
            pass

    async def sms(self, sid: str, body: str, sender: str) -> httpx.Response:
        """Post a Twilio-signed inbound SMS webhook and wait for its deferred processing."""
        response = await self.client.post(**sms_post(sms_form(sid, body, sender)))
        await self.settle()
        return response

    async def settle(self) -> None:
        """Wait until the committed SMS have been processed (their reports opened)."""
        channels = self.app.state.channels
        if channels.sms is not None:
            await channels.sms.drain()

    async def telegram_update(self, update: dict[str, Any]) -> httpx.Response:
        """Post a Telegram update with the webhook secret."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": TG_SECRET}
        return await self.client.post("/hooks/telegram", json=update, headers=headers)


async def count_rows(h: Harness, table: str) -> int:
    """How many rows a table of the running app's database holds."""
    engine = whole(h.rt).engine  # type: ignore[attr-defined]
    async with engine.connect() as conn:
        n: int = (await conn.execute(sql_text(f"SELECT count(*) FROM {table}"))).scalar_one()
    return n


def settings_for(data_dir: Path, database_url: str | None = None, **overrides: Any) -> Settings:
    """Settings serving every bundled inspection on `data_dir` (and `database_url` when given)."""
    everything = ":".join(str(p) for p in bundled_inspections())
    return Settings(  # type: ignore[call-arg]
        data_dir=data_dir,
        database_url=database_url,
        inspection=everything,
        public_url=PUBLIC,
        _env_file=None,
        **overrides,
    )


@asynccontextmanager
async def running(settings: Settings, clock: Clock | None = None) -> AsyncIterator[Harness]:
    """Start the fakes and the app (lifespan and all) with SMS and Telegram on."""
    twilio, telegram = FakeTwilio(), FakeBotApi()
    async with AsyncExitStack() as stack:
        twilio_base = await stack.enter_async_context(serve(twilio.app()))
        telegram_base = await stack.enter_async_context(serve(telegram.app()))
        settings = settings.model_copy(
            update={
                "twilio_account_sid": ACCOUNT_SID,
                "twilio_auth_token": AUTH_TOKEN,
                "twilio_from": TEAM_NUMBER,
                "twilio_api_base": twilio_base,
                "telegram_token": TOKEN,
                "telegram_secret": TG_SECRET,
                "telegram_api_base": telegram_base,
            }
        )
        app = create_app(settings, clock=clock)
        await stack.enter_async_context(app.router.lifespan_context(app))
        transport = httpx.ASGITransport(app=app)
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=transport, base_url="http://testserver")
        )
        extra = await stack.enter_async_context(AsyncExitStack())
        yield Harness(client, app, twilio, telegram, settings, extra)


def sms_form(sid: str, body: str, sender: str) -> dict[str, str]:
    """The form Twilio posts for one inbound SMS."""
    return {"MessageSid": sid, "AccountSid": ACCOUNT_SID, "From": sender, "To": TEAM_NUMBER, "Body": body}


def sms_post(form: dict[str, str], path: str = "/hooks/sms", public: str = PUBLIC) -> dict[str, Any]:
    """httpx.post keyword arguments for a correctly signed Twilio webhook."""
    signature = RequestValidator(AUTH_TOKEN).compute_signature(public + path, form)
    return {
        "url": path,
        "content": urlencode(form),
        "headers": {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
    }
