"""The providers' webhooks under /hooks/: authenticate first, commit, then answer quickly.

Each route checks the provider's signature or secret before reading anything else (403 and
nothing stored on failure), commits the raw delivery through the channel adapters in `bot/`,
and only then answers 200, so a 200 always means "stored". A database failure answers 503 so
that the provider delivers again (the delivery is de-duplicated by its provider id).

Only requests that fail verification are rate-limited (per client address, 429 once the address's
budget is spent): a correctly signed delivery is always stored, however many arrive, because
Twilio does not retry a 429 and a limited citizen's report would be gone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from bot.base import WebhookRequest
from bot.registry import SMS_STATUS_PATH, TELEGRAM_PATH, Channels, build_channels
from bot.sms import EMPTY_TWIML, delivery_report, sms_of, status_of
from bot.telegram import update_json
from intake.errors import InboundError, StorageError, UnsupportedEvent, WebhookAuthError
from storage.drafts import SqlConversationDrafts
from web.bodies import read_body
from web.runtime import Runtime
from web.security import TokenBuckets, too_many_requests
from web.settings import Settings

log = logging.getLogger(__name__)

MAX_HOOK_BYTES = 1 << 20


async def start_channels(app: FastAPI, settings: Settings, rt: Runtime, *, background: bool) -> Channels:
    """Build the configured channels on the runtime's service; start their servers when `background`
    (their background jobs are the runner's: `Channels.jobs`)."""
    engine = getattr(rt.store, "engine", None)
    # Telegram drafts in the database: every process serving webhooks continues any chat.
    drafts = SqlConversationDrafts(engine, rt.codec) if engine is not None and rt.codec is not None else None
    channels = build_channels(settings, rt.service, seal_file=rt.seal_file, drafts=drafts)
    if channels.mail is not None:
        # A receiving body's reply to a transfer mail is attached to the transfer, not taken as a report.
        from web.followup import transfer_reply_handler

        channels.mail.on_transfer_reply = transfer_reply_handler(rt)
    app.state.channels = channels
    if background:
        await channels.start(settings)
    return channels


def _public_request(request: Request, settings: Settings, body: bytes) -> WebhookRequest:
    # The provider signed the public URL it called, not the one behind our proxy.
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return WebhookRequest(url, dict(request.headers), body)


def _twiml(status: int = 200) -> Response:
    return Response(EMPTY_TWIML, status_code=status, media_type="text/xml")


def _refused(exc: InboundError) -> Response:
    log.info("webhook refused: %s (%s)", exc.__class__.__name__, exc)
    return JSONResponse({"error": str(exc)}, status_code=exc.http_status)


class FailedVerificationLimit:
    """Per client address, a budget of webhook calls that fail verification: 403 within it, 429
    with Retry-After beyond it. Verified calls never spend it and are never refused."""

    def __init__(self, per_minute: int, burst: int) -> None:
        self.buckets = TokenBuckets(per_minute / 60.0, burst)

    def refuse(self, request: Request, exc: WebhookAuthError) -> Response:
        """The answer to a call whose signature or secret is wrong."""
        # Behind a proxy, uvicorn's --forwarded-allow-ips puts the real address here.
        wait = self.buckets.take(request.client.host if request.client else "unknown")
        if wait > 0:
            return too_many_requests(wait)
        return _refused(exc)


Handler = Callable[[Request], Awaitable[Response]]


def hooks_router(handlers: Mapping[str, Handler]) -> APIRouter:
    """POST /hooks/sms, /hooks/sms/status and /hooks/telegram (for the API's routes and schema; the
    calls themselves take `HookFastPath`)."""
    router = APIRouter()
    for path, handler in handlers.items():
        router.add_api_route(path, handler, methods=["POST"])
    return router


class HookFastPath:
    """Hands a POST to a webhook path straight to its handler, past FastAPI's routing, dependency
    and exception layers and the session and sign-in middleware, none of which a webhook uses: a
    tenth of a busy process went there. Sits inside SecurityHeaders and Starlette's 500 handler."""

    def __init__(self, app: ASGIApp, *, handlers: Mapping[str, Handler]) -> None:
        self.app = app
        self.handlers = dict(handlers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the webhook's handler, or pass anything else on."""
        handler = self.handlers.get(scope["path"]) if scope["type"] == "http" else None
        if handler is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        response = await handler(Request(scope, receive))
        await response(scope, receive, send)


def hook_handlers(settings: Settings) -> dict[str, Handler]:
    """The webhooks' handlers by path, sharing one budget for calls failing verification."""
    forged = FailedVerificationLimit(settings.hook_rate_per_minute, settings.hook_burst)

    def channels(request: Request) -> Channels:
        found: Channels = request.app.state.channels
        return found

    async def sms(request: Request) -> Response:
        ch = channels(request)
        if ch.sms_webhook is None or ch.sms is None:
            return JSONResponse({"error": "SMS is not configured"}, status_code=404)
        body = await read_body(request, MAX_HOOK_BYTES)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            form = ch.sms_webhook.verify(_public_request(request, settings, body))
            receipt = await ch.sms.take(sms_of(form))
        except UnsupportedEvent:
            return _twiml()
        except WebhookAuthError as exc:
            return forged.refuse(request, exc)
        except InboundError as exc:
            return _refused(exc)
        except StorageError:
            log.exception("inbound SMS not stored")
            return _twiml(503)
        if receipt.tracking_number:
            log.info("sms webhook: report %s", receipt.tracking_number)
        # The acknowledgement goes through the outbox and the REST API; the TwiML stays empty.
        return _twiml()

    async def sms_status(request: Request) -> Response:
        ch = channels(request)
        if ch.sms_webhook is None:
            return JSONResponse({"error": "SMS is not configured"}, status_code=404)
        body = await read_body(request, MAX_HOOK_BYTES)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            status = status_of(ch.sms_webhook.verify(_public_request(request, settings, body)))
        except UnsupportedEvent:
            return _twiml()
        except WebhookAuthError as exc:
            return forged.refuse(request, exc)
        except InboundError as exc:
            return _refused(exc)
        try:
            await ch.intake.record_delivery(delivery_report(status))
        except StorageError:
            return _twiml(503)
        return _twiml()

    async def telegram(request: Request) -> Response:
        ch = channels(request)
        if ch.telegram_webhook is None or ch.telegram is None:
            return JSONResponse({"error": "Telegram webhook is not configured"}, status_code=404)
        body = await read_body(request, MAX_HOOK_BYTES)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413)
        try:
            ch.telegram_webhook.verify(_public_request(request, settings, body))
            await ch.telegram.handle(update_json(body))
        except UnsupportedEvent:
            return JSONResponse({})
        except WebhookAuthError as exc:
            return forged.refuse(request, exc)
        except InboundError as exc:
            return _refused(exc)
        except StorageError:
            log.exception("telegram update not stored")
            return JSONResponse({"error": "storage unavailable"}, status_code=503)
        return JSONResponse({})

    return {"/hooks/sms": sms, SMS_STATUS_PATH: sms_status, TELEGRAM_PATH: telegram}
