"""A fake Telegram Bot API server: `POST /bot<TOKEN>/<method>`, recording every call."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.fakes.http import Failures

TOKEN = "123456:TEST-token"


@dataclass
class Call:
    method: str
    params: dict[str, Any]


@dataclass
class FakeBotApi:
    """Records calls; answers getMe, sendMessage, answerCallbackQuery, editMessageReplyMarkup,
    set/deleteWebhook, getUpdates."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    failures: Failures = field(default_factory=Failures)
    updates: list[dict[str, Any]] = field(default_factory=list)
    _next_id: int = 100

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._handle)
        return app

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        """The parameters of every successful call of `method`."""
        return [c.params for c in self.calls if c.method == method]

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await _params(request)
        failure = self.failures.pop()
        if failure is not None and method != "getUpdates":
            return failure
        known: dict[str, Callable[[dict[str, Any]], Any]] = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "answerCallbackQuery": lambda p: True,
            "editMessageReplyMarkup": lambda p: True,
            "setWebhook": lambda p: True,
            "deleteWebhook": lambda p: True,
        }
        if method == "getUpdates":
            return web.json_response({"ok": True, "result": await self._get_updates(params)})
        if method not in known:
            # Fail loudly on anything the code under test was not expected to call.
            return web.json_response(
                {"ok": False, "error_code": 404, "description": f"no {method}"}, status=404
            )
        self.calls.append(Call(method, params))
        return web.json_response({"ok": True, "result": known[method](params)})

    def _get_me(self, params: dict[str, Any]) -> dict[str, Any]:
        return {"id": 123456, "is_bot": True, "first_name": "巡察组", "username": "xuncha_test_bot"}

    def _send_message(self, params: dict[str, Any]) -> dict[str, Any]:
        self._next_id += 1
        return {
            "message_id": self._next_id,
            "date": 1_700_000_000,
            "chat": {"id": int(params["chat_id"]), "type": "private"},
            "text": params.get("text", ""),
        }

    async def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        pending = [u for u in self.updates if u["update_id"] >= offset]
        if not pending:
            await asyncio.sleep(0.05)  # a very short "long poll"
        return pending


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        data: dict[str, Any] = await request.json()
        return data
    form = await request.post()
    params: dict[str, Any] = {}
    for key, value in form.items():
        text = value if isinstance(value, str) else str(value)
        try:
            params[key] = json.loads(text) if text[:1] in "[{" else text
        except ValueError:
            params[key] = text
    return params


def message_update(update_id: int, chat_id: int, text: str | None = None, **extra: Any) -> dict[str, Any]:
    """A private-chat message update as Telegram sends it."""
    message: dict[str, Any] = {
        "message_id": update_id,
        "date": 1_700_000_000,
        "chat": {"id": chat_id, "type": "private", "first_name": "张"},
        "from": {"id": chat_id, "is_bot": False, "first_name": "张"},
        **extra,
    }
    if text is not None:
        message["text"] = text
    return {"update_id": update_id, "message": message}


def callback_update(update_id: int, chat_id: int, data: str) -> dict[str, Any]:
    """A button press in a private chat."""
    return {
        "update_id": update_id,
        "callback_query": {
            "id": f"cb{update_id}",
            "from": {"id": chat_id, "is_bot": False, "first_name": "张"},
            "chat_instance": "1",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": "private"},
                "text": "prompt",
            },
        },
    }
