"""The duty phone's webhooks under /hooks/voice (bot/voice.py says what each step of a call does).

Each checks Twilio's signature over the public URL and form before anything else, exactly as
/hooks/sms does (403, nothing stored, on failure), and answers TwiML. A database failure answers
503: Twilio then plays its own error to the caller, and the call's record is found again on the
next webhook, so nothing is numbered twice.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from bot.sms import EMPTY_TWIML
from bot.voice import (
    DIAL_PATH,
    RECORDED_PATH,
    RECORDING_PATH,
    STATUS_PATH,
    VOICE_PATH,
    WHISPER_PATH,
    VoiceIntake,
)
from intake.errors import InboundError, StorageError
from web.bodies import read_body
from web.hooks import MAX_HOOK_BYTES, _public_request, _refused
from web.runtime import channels as channels_of
from web.settings import Settings

log = logging.getLogger(__name__)

Step = Callable[[VoiceIntake, Mapping[str, str], Request], Awaitable[str | None]]


def _xml(body: str | None, status: int = 200) -> Response:
    return Response(body or EMPTY_TWIML, status_code=status, media_type="text/xml")


def voice_router(settings: Settings) -> APIRouter:
    """POST /hooks/voice and the call's later webhooks."""
    router = APIRouter()

    async def handle(request: Request, step: Step) -> Response:
        channels = channels_of(request)
        if channels.voice_webhook is None or channels.voice is None:
            return JSONResponse({"error": "the duty phone is not configured"}, status_code=404)
        body = await read_body(request, MAX_HOOK_BYTES)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            form = channels.voice_webhook.verify(_public_request(request, settings, body))
            return _xml(await step(channels.voice, form, request))
        except InboundError as exc:
            return _refused(exc)
        except StorageError:
            log.exception("voice webhook %s not stored", request.url.path)
            return _xml(None, 503)

    async def incoming(voice: VoiceIntake, form: Mapping[str, str], request: Request) -> str:
        return await voice.incoming(form)

    async def whisper(voice: VoiceIntake, form: Mapping[str, str], request: Request) -> str:
        # The caller's CallSid is in our own (signed) URL: the officer's leg has a CallSid of its own.
        return await voice.whisper(form, request.query_params.get("call", ""))

    async def dial(voice: VoiceIntake, form: Mapping[str, str], request: Request) -> str:
        return await voice.dial_ended(form)

    async def recorded(voice: VoiceIntake, form: Mapping[str, str], request: Request) -> str:
        return await voice.recorded(form)

    async def recording(voice: VoiceIntake, form: Mapping[str, str], request: Request) -> None:
        await voice.recording_status(form)

    async def status(voice: VoiceIntake, form: Mapping[str, str], request: Request) -> None:
        await voice.ended(form)

    for path, step in (
        (VOICE_PATH, incoming),
        (WHISPER_PATH, whisper),
        (DIAL_PATH, dial),
        (RECORDED_PATH, recorded),
        (RECORDING_PATH, recording),
        (STATUS_PATH, status),
    ):
        router.add_api_route(path, _route(handle, step), methods=["POST"], name=f"voice:{path}")
    return router


def _route(
    handle: Callable[[Request, Step], Awaitable[Response]], step: Step
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await handle(request, step)

    return endpoint
