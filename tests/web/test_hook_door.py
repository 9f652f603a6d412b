"""The webhook door, `POST /hooks/{channel}`, driven by real-shaped provider payloads.

Every file under tests/fixtures/hooks/<channel>/ is a delivery as the provider sends it (Twilio's
form-encoded SMS, status and voice callbacks; Telegram's JSON updates). Each is posted signed, on the
door's path and on the path providers were configured with before it, and the stored result is
checked; then forged, unsigned, oversized and malformed deliveries get the documented answer
(docs/channels.md, "The webhook door") and store nothing, while the genuine one is still taken.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from fastapi import FastAPI
from twilio.request_validator import RequestValidator

from bot.hooks import HOOK_ALIASES, HOOK_NAMES
from intake.inspection import bundled_inspections
from intake.models import Channel
from tests.fakes.http import serve
from tests.fakes.intake import FakeClock
from tests.fakes.store import SqlDeskStore, whole
from tests.fakes.telegram_api import TOKEN, FakeBotApi
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from web.app import create_app
from web.hooks import MAX_HOOK_BYTES
from web.runtime import app_channels, app_runtime
from web.settings import Settings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hooks"
PUBLIC = "https://petition.example.org"
SECRET = "door-secret"
MENGZHOU = next(p for p in bundled_inspections() if p.stem == "mengzhou-xiguo-2021")
# A Thursday, 10:00 in Beijing: inside the inspection's period and its duty hours.
IN_HOURS = datetime(2021, 4, 1, 2, 0, tzinfo=UTC)
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


@dataclass
class Door:
    client: httpx.AsyncClient
    app: FastAPI
    store: SqlDeskStore
    bot_api: FakeBotApi

    async def post(
        self, fixture: str, path: str | None = None, *, sign: str | None = "right"
    ) -> httpx.Response:
        """Post tests/fixtures/hooks/<fixture> to `path` (default /hooks/<its channel>), signed with
        the right credential, a wrong one, or not at all (`sign=None`)."""
        channel = fixture.split("/")[0]
        path = path or f"/hooks/{channel}"
        body = (FIXTURES / fixture).read_text(encoding="utf-8").strip().encode()
        headers = {}
        if channel == "telegram":
            headers["Content-Type"] = "application/json"
            if sign is not None:
                headers["X-Telegram-Bot-Api-Secret-Token"] = SECRET if sign == "right" else "wrong-secret"
        else:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            if sign is not None:
                token = AUTH_TOKEN if sign == "right" else "wrong-token"
                form = dict(parse_qsl(body.decode(), keep_blank_values=True))
                headers["X-Twilio-Signature"] = RequestValidator(token).compute_signature(PUBLIC + path, form)
        response = await self.client.post(path, content=body, headers=headers)
        sms = app_channels(self.app).sms
        if sms is not None:
            await sms.drain()  # the SMS hook answers on commit; its report follows (intake/deferred.py)
        return response

    async def stored(self) -> tuple[int, int, int]:
        """How many messages, audit entries and Bot API calls there are: what a refusal must not move."""
        reports = await self.store.latest_reports(None)
        messages = len(await self.store.unprocessed_messages())
        for report in reports:
            messages += len(await self.store.report_messages(report.pk))
        return messages, len(await self.store.audit_entries(limit=1000)), len(self.bot_api.calls)


@asynccontextmanager
async def door(tmp_path: Path) -> AsyncIterator[Door]:
    twilio, bot_api = FakeTwilio(), FakeBotApi()
    async with serve(twilio.app()) as twilio_base, serve(bot_api.app()) as telegram_base:
        settings = Settings(  # type: ignore[call-arg]
            data_dir=tmp_path / "data",
            public_url=PUBLIC,
            inspection=str(MENGZHOU),
            twilio_account_sid=ACCOUNT_SID,
            twilio_auth_token=AUTH_TOKEN,
            twilio_from="+8613900000000",
            twilio_api_base=twilio_base,
            telegram_token=TOKEN,
            telegram_secret=SECRET,
            telegram_api_base=telegram_base,
            _env_file=None,
        )
        app = create_app(settings, clock=FakeClock(IN_HOURS))
        async with app.router.lifespan_context(app):
            store = whole(app_runtime(app))
            assert isinstance(store, SqlDeskStore)
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                yield Door(client, app, store, bot_api)


# --- what each delivery leaves behind ---------------------------------------------------------

Check = Callable[[Door, httpx.Response], Awaitable[None]]


async def sms_report(d: Door, r: httpx.Response) -> None:
    assert r.text == TWIML and r.headers["content-type"].startswith("text/xml")
    [report] = await d.store.latest_reports(None)
    assert report.tracking_number == "MZ1-0001" and report.sender == "+8613912345678"
    [message] = await d.store.report_messages(report.pk)
    assert message.provider_id == "SM" + "a1" * 16 and "优亲厚友" in message.text


async def sms_stop(d: Door, r: httpx.Response) -> None:
    assert r.text == TWIML
    assert await d.store.is_opted_out(Channel.SMS, "+8613912345679")
    assert await d.store.latest_reports(None) == []  # kept as a message, never numbered or answered


async def sms_delivered(d: Door, r: httpx.Response) -> None:
    assert r.text == TWIML
    [entry] = [e for e in await d.store.audit_entries() if e.action == "sms.status"]
    assert entry.detail == {"provider_id": "SM" + "c3" * 16, "status": "delivered", "error_code": None}


async def sms_not_a_callback(d: Door, r: httpx.Response) -> None:
    assert r.text == TWIML
    assert not [e for e in await d.store.audit_entries() if e.action == "sms.status"]


async def telegram_start(d: Door, r: httpx.Response) -> None:
    assert r.json() == {}
    [welcome] = d.bot_api.sent()
    assert welcome["chat_id"] in (5550001, "5550001") and "孟州市委第一巡察组" in welcome["text"]


async def telegram_ignored(d: Door, r: httpx.Response) -> None:
    assert r.json() == {}
    assert d.bot_api.sent() == [] and await d.stored() == (0, 0, 0)


async def voice_incoming(d: Door, r: httpx.Response) -> None:
    assert r.headers["content-type"].startswith("text/xml")
    assert "孟州市委第一巡察组值班电话" in r.text and f'<Dial action="{PUBLIC}/hooks/voice/dial"' in r.text
    call = await d.store.get_call("CA" + "d4" * 16)
    assert call is not None and call.report_id is None


async def voice_completed(d: Door, r: httpx.Response) -> None:
    assert r.text == TWIML
    call = await d.store.get_call("CA" + "d4" * 16)
    assert call is not None and call.outcome == "completed"
    assert any(e.action == "call.ended" for e in await d.store.audit_entries())


# fixture(s) posted in order -> the check of the last one's result.
DELIVERIES: dict[str, tuple[tuple[str, ...], Check]] = {
    "sms-report": (("sms/report.txt",), sms_report),
    "sms-stop": (("sms/stop.txt",), sms_stop),
    "sms-status-delivered": (("sms-status/delivered.txt",), sms_delivered),
    "sms-status-not-a-callback": (("sms-status/not_a_callback.txt",), sms_not_a_callback),
    "telegram-start": (("telegram/start.json",), telegram_start),
    "telegram-edited": (("telegram/edited_message.json",), telegram_ignored),
    "telegram-group": (("telegram/group_message.json",), telegram_ignored),
    "voice-incoming": (("voice/incoming.txt",), voice_incoming),
    "voice-status-completed": (("voice/incoming.txt", "voice-status/completed.txt"), voice_completed),
}


def _paths(fixture: str) -> list[str]:
    """The door's path of the fixture's hook, and the old path that is its alias, if any."""
    name = fixture.split("/")[0]
    return [f"/hooks/{name}", *(old for old, aliased in HOOK_ALIASES.items() if aliased == name)]


@pytest.mark.parametrize("old_path", [False, True], ids=["door", "alias"])
@pytest.mark.parametrize("case", sorted(DELIVERIES))
async def test_each_delivery_is_stored(tmp_path: Path, case: str, old_path: bool) -> None:
    fixtures, check = DELIVERIES[case]
    async with door(tmp_path) as d:
        for fixture in fixtures:
            paths = _paths(fixture)
            response = await d.post(fixture, paths[-1] if old_path else paths[0])
            assert response.status_code == 200, response.text
        await check(d, response)


def test_every_fixture_is_used_and_every_hook_has_one() -> None:
    on_disk = {p.relative_to(FIXTURES).as_posix() for p in FIXTURES.rglob("*.*")}
    used = {f for fixtures, _ in DELIVERIES.values() for f in fixtures} | set(REFUSED)
    assert on_disk == used
    assert {"sms", "sms-status", "telegram", "voice", "voice-status"} == {f.split("/")[0] for f in on_disk}
    assert {"sms", "sms-status", "telegram", "voice", "voice-status"} <= set(HOOK_NAMES)


# --- refused: the answer, and nothing stored ---------------------------------------------------

# Signed, but not a delivery we can read: the provider is told so (400), nothing is stored.
REFUSED = {"sms/malformed_no_sid.txt": 400, "telegram/malformed.txt": 400}


@pytest.mark.parametrize("fixture", ["sms/report.txt", "telegram/start.json", "voice/incoming.txt"])
async def test_forged_and_unsigned_are_refused_and_the_genuine_one_still_taken(
    tmp_path: Path, fixture: str
) -> None:
    async with door(tmp_path) as d:
        for sign in ("wrong", None):
            for path in _paths(fixture):
                r = await d.post(fixture, path, sign=sign)
                assert r.status_code == 403 and r.json()["error"], (sign, path)
        assert await d.stored() == (0, 0, 0)
        assert (await d.post(fixture)).status_code == 200
        messages, _audit, bot_calls = await d.stored()
        assert (messages, bot_calls) == TAKEN[fixture]


# What the genuine delivery leaves: (messages stored, Bot API calls made).
TAKEN = {"sms/report.txt": (1, 0), "telegram/start.json": (0, 1), "voice/incoming.txt": (0, 0)}


@pytest.mark.parametrize("fixture", sorted(REFUSED))
async def test_malformed_is_answered_and_nothing_stored(tmp_path: Path, fixture: str) -> None:
    async with door(tmp_path) as d:
        r = await d.post(fixture)
        assert r.status_code == REFUSED[fixture] and r.json()["error"]
        assert await d.stored() == (0, 0, 0)


async def test_oversized_unknown_and_off(tmp_path: Path) -> None:
    async with door(tmp_path) as d:
        big = b"Body=" + b"x" * MAX_HOOK_BYTES
        for path in ("/hooks/sms", "/hooks/telegram", "/hooks/voice/status"):
            r = await d.client.post(path, content=big, headers={"X-Twilio-Signature": "x"})
            assert r.status_code == 413 and r.json() == {"error": "body too large"}
        for path in ("/hooks/fax", "/hooks/%7Bchannel%7D", "/hooks/email"):
            r = await d.client.post(path, content=b"{}")
            assert r.status_code == 404 and r.json() == {"error": "no such webhook"}
        assert await d.stored() == (0, 0, 0)
        # Still taken after all that.
        assert (await d.post("sms/report.txt")).status_code == 200
        assert (await d.stored())[0] == 1


async def test_a_channel_that_is_off_answers_404_on_the_door_and_its_aliases(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", public_url=PUBLIC, _env_file=None)  # type: ignore[call-arg]
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://t") as client,
    ):
        for path, name in {**{f"/hooks/{n}": n for n in HOOK_NAMES}, **HOOK_ALIASES}.items():
            r = await client.post(path, content=b"")
            assert r.status_code == 404 and r.json() == {"error": HOOK_NAMES[name]}, path
