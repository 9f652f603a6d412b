"""A fake Twilio REST API: `POST /2010-04-01/Accounts/{sid}/Messages.json`, recording each SMS."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from aiohttp import web

from tests.fakes.http import Failures

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token"


@dataclass
class FakeTwilio:
    """Checks Basic auth, records the form of every message, answers 201 with a MessageSid."""

    sid: str = ACCOUNT_SID
    token: str = AUTH_TOKEN
    messages: list[dict[str, str]] = field(default_factory=list)
    failures: Failures = field(default_factory=Failures)
    # Canned failures for one recipient ("To") only, served before that recipient's messages.
    failures_to: dict[str, Failures] = field(default_factory=dict)
    attempts: int = 0
    # The client ends (address, port) the messages came from: one per TCP connection.
    peers: set[tuple[str, int]] = field(default_factory=set)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        app.router.add_get("/2010-04-01/Accounts/{sid}.json", self._account)
        return app

    def _authorised(self, request: web.Request) -> bool:
        expected = "Basic " + base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        return request.headers.get("Authorization") == expected and request.match_info["sid"] == self.sid

    async def _create(self, request: web.Request) -> web.Response:
        self.attempts += 1
        if not self._authorised(request):
            return web.json_response({"code": 20003, "message": "Authenticate", "status": 401}, status=401)
        if request.transport is not None:
            self.peers.add(request.transport.get_extra_info("peername")[:2])
        failure = self.failures.pop()
        if failure is not None:
            return failure
        form = {k: str(v) for k, v in (await request.post()).items()}
        own = self.failures_to.get(form.get("To", ""))
        failure = own.pop() if own is not None else None
        if failure is not None:
            return failure
        if not form.get("To", "").startswith("+"):
            return web.json_response(
                {"code": 21211, "message": "Invalid 'To' Phone Number", "status": 400}, status=400
            )
        self.messages.append(form)
        sid = f"SM{len(self.messages):032d}"
        return web.json_response({"sid": sid, "status": "queued", "to": form["To"]}, status=201)

    async def _account(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"code": 20003, "status": 401}, status=401)
        return web.json_response({"sid": self.sid, "friendly_name": "test", "status": "active"})
