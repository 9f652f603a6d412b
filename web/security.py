"""ASGI middleware: secure response headers everywhere, and a per-address rate limit (sign-in).

Both are plain ASGI (not Starlette's BaseHTTPMiddleware), so streaming bodies and the lifespan pass
through untouched and a refused request costs no body read and no database. The webhooks are not
limited here: a provider's signed delivery must always be stored, so only the calls that fail
verification are limited, after the check (web/hooks.py, `TokenBuckets`).
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from starlette.responses import Response

# The pages load only their own scripts and styles (htmx is vendored under /static); the one inline
# <style> block of the public page needs 'unsafe-inline' for styles, never for scripts.
CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's interactive API docs load Swagger UI from its CDN.
DOCS_CSP: Final = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "img-src 'self' data: https://fastapi.tiangolo.com; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS: Final = ("/api/docs", "/api/docs/oauth2-redirect")
HSTS: Final = "max-age=31536000; includeSubDomains"


def security_headers(path: str, *, hsts: bool) -> list[tuple[bytes, bytes]]:
    """The headers every response carries (also the 500 page, which is answered outside this
    middleware by Starlette's outermost error handler)."""
    fixed = [
        (b"content-security-policy", (DOCS_CSP if path in DOCS_PATHS else CSP).encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"no-referrer"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    # Only over TLS (the public URL is https, or this hop is): HSTS over plain HTTP is ignored
    # by browsers and would only confuse a local http:// set-up.
    if hsts:
        fixed.append((b"strict-transport-security", HSTS.encode()))
    return fixed


class SecurityHeaders:
    """Adds CSP (with frame-ancestors), anti-sniffing, referrer and, behind TLS, HSTS headers."""

    def __init__(self, app: ASGIApp, *, hsts: bool) -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and add the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        fixed = security_headers(scope["path"], hsts=self.hsts or scope.get("scheme") == "https")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers = list(message.get("headers", []))
                headers.extend(h for h in fixed if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


@dataclass
class _Bucket:
    tokens: float
    updated: float


class TokenBuckets:
    """A token bucket per key: `rate` tokens a second, at most `burst` saved up; bounded in memory."""

    def __init__(
        self, rate: float, burst: int, *, max_keys: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be positive and burst at least 1")
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def take(self, key: str) -> float:
        """Take a token for `key`: 0.0 when allowed, else the seconds until one is available."""
        now = self.clock()
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            bucket = _Bucket(float(self.burst), now)
        else:
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.updated) * self.rate)
            bucket.updated = now
        self._buckets[key] = bucket  # most recently used last
        while len(self._buckets) > self.max_keys:
            # A flood of addresses evicts the least recently seen, which start again with a full bucket.
            self._buckets.popitem(last=False)
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate


def too_many_requests(wait: float) -> Response:
    """429 with Retry-After (whole seconds, at least one)."""
    # Imported here: `serve` imports this module's headers before it listens (web/starting.py).
    from starlette.responses import JSONResponse

    return JSONResponse(
        {"error": "too many requests"}, status_code=429, headers={"retry-after": str(max(1, math.ceil(wait)))}
    )


class HookRateLimit:
    """Answers 429 with Retry-After to a client address that posts to a prefix (/login) too fast."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_minute: int,
        burst: int,
        prefix: str,
        methods: frozenset[str] | None = None,
    ) -> None:
        self.app = app
        self.prefix = prefix
        self.methods = methods
        self.buckets = TokenBuckets(per_minute / 60.0, burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse the request when its address's bucket is empty, else pass it on."""
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(self.prefix)
            or (self.methods is not None and scope["method"] not in self.methods)
        ):
            await self.app(scope, receive, send)
            return
        client = scope.get("client")
        # Behind a proxy, uvicorn's --forwarded-allow-ips puts the real address here.
        key = client[0] if client else "unknown"
        wait = self.buckets.take(key)
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"error": "too many requests"}).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(max(1, math.ceil(wait))).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
