"""A fake Twilio REST API: `POST /2010-04-01/Accounts/{sid}/Messages.json`, recording each SMS;
calls and their recordings (`GET .../Recordings/{RecordingSid}.mp3`, `DELETE ....json`), both
behind the account's Basic auth as on Twilio with "HTTP Basic Authentication for media" on."""

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
    # The MessageSid answered for each of `messages`, in order.
    sids: list[str] = field(default_factory=list)
    failures: Failures = field(default_factory=Failures)
    # Canned failures for one recipient ("To") only, served before that recipient's messages.
    failures_to: dict[str, Failures] = field(default_factory=dict)
    attempts: int = 0
    # Calls (CallSid -> caller, called) and recordings (RecordingSid -> audio) the test made.
    calls: dict[str, tuple[str, str]] = field(default_factory=dict)
    recordings: dict[str, bytes] = field(default_factory=dict)
    recording_failures: Failures = field(default_factory=Failures)
    recording_fetches: int = 0
    unauthorised_fetches: int = 0
    deleted: list[str] = field(default_factory=list)

    def new_call(self, caller: str, called: str) -> str:
        """A new inbound call's CallSid."""
        sid = f"CA{len(self.calls) + 1:032x}"
        self.calls[sid] = (caller, called)
        return sid

    def new_recording(self, audio: bytes) -> str:
        """A recording the fake serves from now on; its RecordingSid."""
        sid = f"RE{len(self.recordings) + 1:032x}"
        self.recordings[sid] = audio
        return sid

    # The client ends (address, port) the messages came from: one per TCP connection.
    peers: set[tuple[str, int]] = field(default_factory=set)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/2010-04-01/Accounts/{sid}/Messages.json", self._create)
        app.router.add_get("/2010-04-01/Accounts/{sid}.json", self._account)
        app.router.add_get("/2010-04-01/Accounts/{sid}/Recordings/{rec}.mp3", self._recording)
        app.router.add_delete("/2010-04-01/Accounts/{sid}/Recordings/{rec}.json", self._delete_recording)
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
        self.sids.append(sid)
        return web.json_response({"sid": sid, "status": "queued", "to": form["To"]}, status=201)

    async def _account(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"code": 20003, "status": 401}, status=401)
        return web.json_response({"sid": self.sid, "friendly_name": "test", "status": "active"})

    async def _recording(self, request: web.Request) -> web.StreamResponse:
        self.recording_fetches += 1
        if not self._authorised(request):
            self.unauthorised_fetches += 1
            return web.json_response({"code": 20003, "status": 401}, status=401)
        failure = self.recording_failures.pop()
        if failure is not None:
            return failure
        audio = self.recordings.get(request.match_info["rec"])
        if audio is None:
            return web.json_response({"code": 20404, "status": 404}, status=404)
        return web.Response(body=audio, content_type="audio/mpeg")

    async def _delete_recording(self, request: web.Request) -> web.Response:
        if not self._authorised(request):
            return web.json_response({"code": 20003, "status": 401}, status=401)
        rec = request.match_info["rec"]
        if self.recordings.pop(rec, None) is None:
            return web.json_response({"code": 20404, "status": 404}, status=404)
        self.deleted.append(rec)
        return web.Response(status=204)
