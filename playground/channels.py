"""`petition demo-channels`: chat with the bot as a citizen would, with no real provider behind it.

A fake Telegram Bot API and a fake Twilio REST API run on a loopback port (Starlette under uvicorn,
in this process); the service runs with its channels pointed at them, on a throwaway data directory
unless one is given. A line typed in is posted to the service's own webhook, signed as Telegram or
Twilio would sign it; the service answers the way it answers a real citizen, and whatever it sends
back (conversation prompts, acknowledgements through the outbox) is caught by the fakes and shown.
Twilio's delivery callback is played back too, so the outbox items end up "sent" as they would.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import secrets
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Self
from urllib.parse import urlencode

import httpx
from fastapi import FastAPI

from bot.registry import SMS_STATUS_PATH, TELEGRAM_PATH
from bot.sms import twilio_signature
from intake.inspection import Inspection
from intake.models import Channel
from playground.voice import VOICE_HELP, DemoClock, Reply, VoiceDemo
from storage.engine import sqlite_url
from tests.fakes.http import serve
from tests.fakes.telegram_api import FakeBotApi
from tests.fakes.twilio_api import FakeTwilio
from web.runtime import app_channels, app_runtime
from web.settings import Settings

PUBLIC_URL: Final = "http://playground.invalid"
TELEGRAM_TOKEN: Final = "100000:playground-token"
TWILIO_SID: Final = "AC" + "0" * 32
TWILIO_TOKEN: Final = "playground-auth-token"
TEAM_NUMBER: Final = "+8613900000000"
CITIZEN_PHONE: Final = "+8613800138000"
CITIZEN_CHAT: Final = 10001


@dataclass
class FakeProviders:
    """The tests' fake Telegram Bot API and Twilio REST API (`tests/fakes`), on loopback ports: they
    answer the service as the providers would and record what it sends, read here as replies."""

    telegram: FakeBotApi = field(default_factory=lambda: FakeBotApi(token=TELEGRAM_TOKEN))
    twilio: FakeTwilio = field(default_factory=lambda: FakeTwilio(sid=TWILIO_SID, token=TWILIO_TOKEN))

    def new_recording(self, audio: bytes) -> str:
        """A voice message the fake Twilio now serves; its RecordingSid."""
        return self.twilio.new_recording(audio)

    @property
    def recordings(self) -> dict[str, bytes]:
        """The voice messages the fake Twilio still serves (deleted once the service stored them)."""
        return self.twilio.recordings

    @property
    def sms_sids(self) -> list[str]:
        """The MessageSid of every SMS sent, in order."""
        return self.twilio.sids

    @contextlib.asynccontextmanager
    async def serve(self) -> AsyncIterator[tuple[str, str]]:
        """Both fakes served; their base URLs (Telegram's, Twilio's)."""
        async with serve(self.telegram.app()) as telegram, serve(self.twilio.app()) as twilio:
            yield telegram, twilio

    def telegram_replies(self, start: int) -> list[Reply]:
        """The bot's messages from the `start`-th on."""
        return [_telegram_reply(params) for params in self.telegram.sent()[start:]]

    def sms_replies(self, start: int) -> list[Reply]:
        """The SMS sent from the `start`-th on."""
        return [Reply(Channel.SMS, form.get("Body", "")) for form in self.twilio.messages[start:]]


def _telegram_reply(params: dict[str, Any]) -> Reply:
    """A sendMessage call as the citizen sees it: the text, its buttons, whether it asks for a contact."""
    markup = params.get("reply_markup") or {}
    buttons = tuple(
        (str(b.get("text", "")), str(b.get("callback_data", "")))
        for row in markup.get("inline_keyboard", [])
        for b in row
    )
    asks = any(b.get("request_contact") for row in markup.get("keyboard", []) for b in row)
    return Reply(Channel.TELEGRAM, str(params.get("text", "")), buttons, asks)


def playground_settings(
    data_dir: Path, telegram_url: str, twilio_url: str, inspection: str | None = None
) -> Settings:
    """Settings for the service under the playground: its own SQLite, both channels on the fakes.

    Everything that could reach a real service or a real database is set here explicitly, so that
    PETITION_* variables of the shell (a production database URL, say) cannot leak in.
    """
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        data_dir=data_dir,
        database_url=sqlite_url(data_dir),
        inspection=inspection,
        public_url=PUBLIC_URL,
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from=TEAM_NUMBER,
        twilio_api_base=twilio_url,
        telegram_token=TELEGRAM_TOKEN,
        telegram_secret=secrets.token_urlsafe(16),
        telegram_api_base=telegram_url,
        telegram_polling=False,
        smtp_url=None,
        imap_url=None,
        smtp_listen=None,
        mail_from=None,
        digest_at="off",
        hook_rate_per_minute=100_000,
        hook_burst=100_000,
    )


class Playground:
    """The service and the fake providers, and a citizen who writes by SMS or Telegram."""

    def __init__(self, data_dir: Path, *, inspection: str | None = None) -> None:
        self.data_dir = data_dir
        self.inspection = inspection
        self.providers = FakeProviders()
        self._stack = contextlib.AsyncExitStack()
        self._client: httpx.AsyncClient | None = None
        self._app: FastAPI | None = None
        self._settings: Settings | None = None
        self._ids = itertools.count(1)
        # How many of the bot's messages and of the SMS were already shown.
        self._seen_telegram = 0
        self._seen_sms = 0
        self.last_buttons: tuple[tuple[str, str], ...] = ()
        self.clock = DemoClock()
        self.voice = VoiceDemo(self, self.clock)

    async def __aenter__(self) -> Self:
        from web.app import create_app

        telegram, twilio = await self._stack.enter_async_context(self.providers.serve())
        self._settings = playground_settings(self.data_dir, telegram, twilio, self.inspection)
        # The outbox is drained after every line instead of by the background worker, so that each
        # line's replies are known when it returns.
        app = create_app(self._settings, clock=self.clock)
        await self._stack.enter_async_context(app.router.lifespan_context(app))
        self._app = app
        self._client = await self._stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=PUBLIC_URL)
        )
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stack.aclose()

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._client is None:
            raise RuntimeError("use `async with Playground(...)`")
        return self._client

    @property
    def inspection_name(self) -> str:
        """The team the citizen is writing to."""
        assert self._app is not None
        return str(app_runtime(self._app).service.default_inspection.team)

    async def sms(self, text: str, *, sender: str = CITIZEN_PHONE) -> list[Reply]:
        """The citizen sends `text` by SMS; returns what the service sent back."""
        form = {
            "MessageSid": f"SMplay{next(self._ids):026d}",
            "AccountSid": TWILIO_SID,
            "From": sender,
            "To": TEAM_NUMBER,
            "Body": text,
            "NumSegments": "1",
        }
        await self._post_twilio("/hooks/sms", form)
        return await self._replies()

    async def telegram(self, text: str, *, chat_id: int = CITIZEN_CHAT) -> list[Reply]:
        """The citizen writes `text` to the bot in a private chat (`/start` works as in Telegram)."""
        update_id = next(self._ids)
        message = {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": "市民"},
            "from": {"id": chat_id, "is_bot": False, "first_name": "市民"},
            "text": text,
        }
        if text.startswith("/"):
            command = text.split(maxsplit=1)[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        await self._post_telegram({"update_id": update_id, "message": message})
        return await self._replies()

    async def press(self, number: int, *, chat_id: int = CITIZEN_CHAT) -> list[Reply]:
        """The citizen presses button `number` (from 1) of the last message that had buttons."""
        if not 1 <= number <= len(self.last_buttons):
            raise ValueError(f"no button {number}")
        update_id = next(self._ids)
        query = {
            "id": f"cb{update_id}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "市民"},
            "chat_instance": "1",
            "data": self.last_buttons[number - 1][1],
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": "private"},
                "text": "",
            },
        }
        await self._post_telegram({"update_id": update_id, "callback_query": query})
        return await self._replies()

    async def share_contact(self, phone: str, name: str, *, chat_id: int = CITIZEN_CHAT) -> list[Reply]:
        """The citizen taps "分享手机号" (Telegram sends the contact card)."""
        update_id = next(self._ids)
        message = {
            "message_id": update_id,
            "date": 1_700_000_000,
            "chat": {"id": chat_id, "type": "private", "first_name": name},
            "from": {"id": chat_id, "is_bot": False, "first_name": name},
            "contact": {"phone_number": phone, "first_name": name, "user_id": chat_id},
        }
        await self._post_telegram({"update_id": update_id, "message": message})
        return await self._replies()

    async def _post_twilio(self, path: str, form: dict[str, str]) -> None:
        await self.post_twilio(path, form)

    async def post_twilio(self, path: str, form: dict[str, str]) -> str:
        """Post a form to one of the service's Twilio webhooks, signed as Twilio signs; its answer."""
        signature = twilio_signature(TWILIO_TOKEN, PUBLIC_URL + path, form)
        response = await self._http.post(
            path,
            content=urlencode(form),
            headers={"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"},
        )
        response.raise_for_status()
        return response.text

    @property
    def service_inspection(self) -> Inspection:
        """The inspection the playground serves (its duty phone is the one called)."""
        assert self._app is not None
        found: Inspection = app_runtime(self._app).service.default_inspection
        return found

    async def fetch_recordings(self) -> None:
        """What the periodic job does: fetch the due voice messages from the (fake) provider."""
        assert self._app is not None
        recordings = app_channels(self._app).recordings
        assert recordings is not None, "the playground configures the duty phone"
        await recordings.run_once()

    async def call_record(self, call_sid: str) -> tuple[str, str | None]:
        """The call's recording state and its report's tracking number, if it has one."""
        assert self._app is not None
        store = app_runtime(self._app).stores
        call = await store.calls.get_call(call_sid)
        if call is None:
            return "none", None
        number = (await store.desk.detail(call.report_id)).report.tracking_number if call.report_id else None
        return call.recording_state, number

    async def replies(self) -> list[Reply]:
        """What the service sent back since the last look (acknowledgements through the outbox)."""
        return await self._replies()

    async def _post_telegram(self, update: dict[str, Any]) -> None:
        assert self._settings is not None and self._settings.telegram_secret is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": self._settings.telegram_secret}
        response = await self._http.post(TELEGRAM_PATH, json=update, headers=headers)
        if response.status_code >= 500:
            response.raise_for_status()

    async def _replies(self) -> list[Reply]:
        assert self._app is not None
        rt = app_runtime(self._app)
        channels = app_channels(self._app)
        if channels.sms is not None:
            await channels.sms.drain()  # the SMS webhook answers on commit; the report follows
        if channels.telegram is not None:
            await channels.telegram.sweep()  # drafts left quiet past the idle time are filed
        while await rt.worker.run_once():
            pass
        # Twilio reports delivery to the status callback; played back so the outbox shows "sent".
        for sid in self.providers.sms_sids[self._seen_sms :]:
            await self._post_twilio(SMS_STATUS_PATH, {"MessageSid": sid, "MessageStatus": "delivered"})
        new = self.providers.telegram_replies(self._seen_telegram) + self.providers.sms_replies(
            self._seen_sms
        )
        self._seen_telegram += sum(r.channel is Channel.TELEGRAM for r in new)
        self._seen_sms += sum(r.channel is Channel.SMS for r in new)
        for reply in new:
            if reply.buttons:
                self.last_buttons = reply.buttons
        return new


HELP: Final = (
    """Type a line to send it as the citizen. Commands:
  :sms / :tg          write by SMS (from {phone}) or to the Telegram bot (chat {chat})
  :1, :2 ...          press a button of the bot's last message (Telegram)
  :contact NAME PHONE share a contact card, as the "分享手机号" button does (Telegram)
  :help               this text
  :quit               leave (Ctrl-D too)
In Telegram, /start explains the team; lines are collected until you choose 实名 or 匿名.
By SMS, lines sent within 2 minutes join the first one's report, like parts of a long SMS;
查询 <编号> asks for a report's state; STOP/退订 stops all SMS to the number, START resumes them.
"""
    + VOICE_HELP
)


def render(replies: list[Reply]) -> str:
    """The replies as the terminal shows them."""
    if not replies:
        return "  (no reply)"
    lines = []
    for reply in replies:
        lines.append(f"  bot [{reply.channel.value}]> " + reply.text.replace("\n", "\n      "))
        lines.extend(f"      [{i}] {label}" for i, (label, _) in enumerate(reply.buttons, 1))
        if reply.asks_contact:
            lines.append("      (button: 分享手机号 -> :contact NAME PHONE)")
    return "\n".join(lines)


async def run_prompt(pg: Playground, read: Callable[[str], str], write: Callable[[str], None]) -> None:
    """The terminal loop: `read` a line (EOFError ends it), send it, `write` the replies."""
    channel = Channel.TELEGRAM
    write(f"petition-intake playground: you are a citizen writing to {pg.inspection_name}.")
    write(HELP.format(phone=CITIZEN_PHONE, chat=CITIZEN_CHAT))
    while True:
        try:
            line = (await asyncio.to_thread(read, f"citizen [{channel.value}]> ")).strip()
        except EOFError:
            return
        if not line:
            continue
        try:
            replies = await _dispatch(pg, channel, line)
        except _Switch as switch:
            channel = switch.channel
            write(f"  (now writing by {channel.value})")
            continue
        except _Quit:
            return
        except ValueError as exc:
            write(f"  ({exc})")
            continue
        if replies is not None:
            write(render(replies))


class _Switch(Exception):
    def __init__(self, channel: Channel) -> None:
        self.channel = channel


class _Quit(Exception):
    pass


async def _dispatch(pg: Playground, channel: Channel, line: str) -> list[Reply] | None:
    if not line.startswith(":"):
        return await (pg.sms(line) if channel is Channel.SMS else pg.telegram(line))
    command, *args = line[1:].split()
    if command in ("sms", "tg", "telegram"):
        raise _Switch(Channel.SMS if command == "sms" else Channel.TELEGRAM)
    if command in ("quit", "exit", "q"):
        raise _Quit
    if command.isdigit():
        return await pg.press(int(command))
    if command == "contact" and len(args) == 2:
        return await pg.share_contact(args[1], args[0])
    if command in ("call", "answer", "noanswer", "leave", "hangup"):
        return await pg.voice.command(command, args)
    raise ValueError(HELP.format(phone=CITIZEN_PHONE, chat=CITIZEN_CHAT))
