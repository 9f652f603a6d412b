"""The providers' webhooks: one door, `POST /hooks/{channel}`, over the inbound hooks of `bot/hooks.py`.

The door checks the provider's signature or secret before reading anything else (403 and nothing
stored on failure), commits the raw delivery through the channel's hook, and only then answers 200,
so a 200 always means "stored". A database failure answers 503 so that the provider delivers again
(the delivery is de-duplicated by its provider id). A channel that is off answers 404, a body over
1 MiB 413. The paths providers were configured with before the door (`/hooks/sms/status`,
`/hooks/voice/...`) are aliases of the same door (`bot.hooks.HOOK_ALIASES`).

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
from bot.hooks import HOOK_NAMES, HOOKS_PREFIX, hook_paths
from bot.registry import Channels, build_channels
from intake.errors import InboundError, StorageError, UnsupportedEvent, WebhookAuthError
from web.bodies import read_body
from web.runtime import Runtime, channels, set_channels
from web.security import TokenBuckets, too_many_requests
from web.settings import Settings

log = logging.getLogger(__name__)

MAX_HOOK_BYTES = 1 << 20


async def start_channels(app: FastAPI, settings: Settings, rt: Runtime, *, background: bool) -> Channels:
    """Build the configured channels on the runtime's service; start their servers when `background`
    (their background jobs are the runner's: `Channels.jobs`)."""
    # Telegram drafts in the database: every process serving webhooks continues any chat.
    s = rt.stores
    channels = build_channels(
        settings, rt.service, updates=s.updates, calls=s.calls, seal_file=rt.seal_file, drafts=s.drafts
    )
    if channels.mail is not None:
        # A receiving body's reply to a transfer mail is attached to the transfer, not taken as a report.
        from web.followup import transfer_reply_handler

        channels.mail.on_transfer_reply = transfer_reply_handler(rt)
    set_channels(app, channels)
    if background:
        await channels.start(settings)
    return channels


def _public_request(request: Request, settings: Settings, body: bytes) -> WebhookRequest:
    # The provider signed the public URL it called, not the one behind our proxy.
    url = settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    return WebhookRequest(url, dict(request.headers), body)


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

# The door's own route, for the API's schema and for a name the fast path does not know (404).
DOOR_PATH = HOOKS_PREFIX + "{channel}"


def hooks_router(handlers: Mapping[str, Handler]) -> APIRouter:
    """POST /hooks/{channel} and its aliases (for the API's routes and schema; the calls
    themselves take `HookFastPath`)."""
    router = APIRouter()
    for path, handler in handlers.items():
        # One function behind every path: the operation id is the path, or the schema's ids collide.
        router.add_api_route(path, handler, methods=["POST"], operation_id=f"webhook {path}")
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
    """The door's handler by path (`/hooks/<name>` of every hook, the aliases, and the door's own
    route last), sharing one budget for calls failing verification."""
    forged = FailedVerificationLimit(settings.hook_rate_per_minute, settings.hook_burst)
    names = hook_paths()

    async def door(request: Request) -> Response:
        path: str = request.scope["path"]
        name = names.get(path) or path.removeprefix(HOOKS_PREFIX)
        hook = channels(request).hooks.get(name)
        if hook is None:
            return JSONResponse({"error": HOOK_NAMES.get(name, "no such webhook")}, status_code=404)
        body = await read_body(request, MAX_HOOK_BYTES)
        if body is None:
            return JSONResponse({"error": "body too large"}, status_code=413)
        req = _public_request(request, settings, body)
        try:
            answer = await hook.take(hook.parse(req, hook.verify(req)))
        except UnsupportedEvent:
            answer = hook.ignored
        except WebhookAuthError as exc:
            return forged.refuse(request, exc)
        except InboundError as exc:
            return _refused(exc)
        except StorageError:
            log.exception("webhook %s: not stored", name)
            answer = hook.unavailable
        return Response(answer.body, status_code=answer.status, media_type=answer.media_type)

    return {**dict.fromkeys(names, door), DOOR_PATH: door}
