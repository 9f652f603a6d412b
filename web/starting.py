"""`petition serve` listens before the app is loaded, so that it answers its health check at once.

Loading the app takes seconds of CPU (importing FastAPI, SQLAlchemy, numpy, the channel SDKs,
building the routes, opening the database), and on a busy machine, or with several processes
starting together, that was 2-30 s before the first answer. `StartingApp` is what uvicorn serves
meanwhile: it loads the app in a thread and runs the app's lifespan, and until then

- `GET /healthz` (liveness: the process is up and its database answers) checks the database
  itself, with one cheap connection of its own, and says 200 `{"status": "starting"}` or 503;
- `GET /readyz` (readiness: the app is loaded and its database answers) says 503 `starting`;
- every other request waits for the app and is then handled by it (a webhook is answered late,
  never refused); if the load fails, they get 503 and the process stops with the error.

Once loaded, every request, `/healthz` and `/readyz` included, goes to the app. This module is
imported before anything heavy: the standard library and `web.security`'s headers only (the
database probe is storage/probe.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from web.security import security_headers

log = logging.getLogger(__name__)

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

HEALTH_PATHS = ("/healthz", "/readyz")


def freeze_heap() -> None:
    """Collect, then freeze what the process holds out of the garbage collector's full passes.

    For `serve`, once the app's lifespan has started: `intake.pipeline.settle` froze the decision's
    data in the loading thread, but the runtime built after it (engine, stores, channels) stayed in
    the oldest generation, and each full collection under load then stopped the event loop for
    16-30 ms, once every two seconds or so (1.5-3 ms with this). Never for tests: what is frozen is
    never collected."""
    import gc

    gc.collect()
    gc.freeze()


class StartingApp:
    """The ASGI app served while `load()` builds the real one (see the module's docstring); with
    `settle`, that runs in a thread once the app's lifespan has started, before it is served."""

    def __init__(
        self,
        load: Callable[[], Any],
        probe: Callable[[], Awaitable[bool]],
        on_failure: Callable[[BaseException], None],
        *,
        hsts: bool = False,
        settle: Callable[[], None] | None = None,
    ) -> None:
        self._load = load
        self._settle = settle
        self._probe = probe
        self._on_failure = on_failure
        self._hsts = hsts
        self._app: Any = None
        self._settled = asyncio.Event()  # loaded, or failed
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def app(self) -> Any:
        """The loaded app, or None while loading (or after a failed load)."""
        return self._app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif self._app is not None:
            await self._app(scope, receive, send)
        elif scope["type"] == "http" and scope["path"] in HEALTH_PATHS:
            await self._starting_health(scope, send)
        else:
            await self._settled.wait()
            if self._app is not None:
                await self._app(scope, receive, send)
            elif scope["type"] == "http":
                await self._json(scope, send, 503, {"error": "the service could not start"})

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        await receive()  # lifespan.startup
        self._task = asyncio.create_task(self._run(), name="load-app")
        await send({"type": "lifespan.startup.complete"})
        await receive()  # lifespan.shutdown
        self._stop.set()
        if not self._settled.is_set():
            self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        await send({"type": "lifespan.shutdown.complete"})

    async def _run(self) -> None:
        """Load the app, run its lifespan (the database, the background jobs) until shutdown."""
        try:
            app = await asyncio.to_thread(self._load)
            async with app.router.lifespan_context(app):
                if self._settle is not None:
                    await asyncio.to_thread(self._settle)
                self._app = app
                self._settled.set()
                log.info("ready: the app is loaded")
                await self._stop.wait()
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # any failure to start stops the process
            self._settled.set()
            if self._app is None:
                self._on_failure(exc)
            else:
                raise
        finally:
            self._settled.set()

    async def _starting_health(self, scope: Scope, send: Send) -> None:
        if scope["path"] == "/readyz":
            await self._json(scope, send, 503, {"status": "starting"})
        elif await self._probe():
            await self._json(scope, send, 200, {"status": "starting"})
        else:
            await self._json(scope, send, 503, {"status": "database unavailable"})

    async def _json(self, scope: Scope, send: Send, status: int, body: dict[str, str]) -> None:
        data = json.dumps(body, separators=(",", ":")).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
            (b"cache-control", b"no-store"),
            *security_headers(scope["path"], hsts=self._hsts or scope.get("scheme") == "https"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})
