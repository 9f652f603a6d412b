"""The two servers the intake benchmark drives: the service itself, and the bare ceiling endpoint.

    python -m bench.apps service PORT   # create_app(Settings()) from PETITION_* (no outbox worker)
    python -m bench.apps ceiling PORT   # a bare ASGI app: one INSERT of the message row per request
    python -m bench.apps worker PORT    # the worker's intake job alone (PETITION_INTAKE_PROCESSING=worker)

Both only ever listen on 127.0.0.1. The service runs without its outbox worker: the figure is
intake (verify, store, decide, queue the acknowledgement), and sending is the worker's job.
"""

from __future__ import annotations

import sys
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

HOST = "127.0.0.1"
WORKER_NICE = 10
TWIML = b'<?xml version="1.0" encoding="UTF-8"?><Response></Response>'

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class CeilingApp:
    """Reads the form and inserts the raw message row, the same single-row insert intake starts with."""

    def __init__(self, url: str) -> None:
        from storage.engine import make_engine

        self._engine = make_engine(url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer every HTTP request after one INSERT; ignore lifespan events."""
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await self._engine.dispose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = bytearray()
        while True:
            event = await receive()
            body.extend(event.get("body", b""))
            if not event.get("more_body"):
                break
        if scope["method"] == "POST":
            await self._insert(dict(parse_qsl(body.decode())))
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/xml")]}
        )
        await send({"type": "http.response.body", "body": TWIML})

    async def _insert(self, form: dict[str, str]) -> None:
        from storage.schema import messages

        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            await conn.execute(
                messages.insert().values(
                    inspection_id="ceiling",
                    channel="sms",
                    provider_id=form.get("MessageSid") or uuid.uuid4().hex,
                    sender=form.get("From"),
                    text=form.get("Body", ""),
                    received_at=now,
                    payload={"form": form},
                    handled=True,
                    created_at=now,
                )
            )


class IntakeWorkerApp:
    """`petition worker`'s intake job (PETITION_INTAKE_PROCESSING=worker) and nothing else (no
    outbox, no digest), behind an HTTP endpoint that answers once the job runs, for the harness."""

    def __init__(self, settings: Any) -> None:
        self._settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the job for the app's lifetime; answer every HTTP request 200."""
        if scope["type"] == "lifespan":
            import asyncio
            import contextlib

            from web.app import build_runtime, process_committed_forever

            await receive()
            rt = await build_runtime(self._settings)
            job = asyncio.create_task(process_committed_forever(rt))
            await send({"type": "lifespan.startup.complete"})
            await receive()
            job.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job
            await rt.store.close()  # type: ignore[attr-defined]
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def main() -> None:
    """Run one server on 127.0.0.1:PORT until terminated."""
    kind, port = sys.argv[1], int(sys.argv[2])
    from web.settings import Settings

    settings = Settings()
    app: Any
    if kind == "service":
        from web.app import create_app

        app = create_app(settings, run_worker=False)
    elif kind == "ceiling":
        app = CeilingApp(settings.resolved_database_url())
    elif kind == "worker":
        import os

        # As docs/deploy.md runs it (systemd Nice=10): on a shared machine the webhooks come first.
        os.nice(WORKER_NICE)
        app = IntakeWorkerApp(settings)
    else:
        raise SystemExit(f"unknown app {kind!r}")
    uvicorn.run(app, host=HOST, port=port, log_level="warning", access_log=False, lifespan="on")


if __name__ == "__main__":
    main()
