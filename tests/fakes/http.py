"""Serve an aiohttp app on a free loopback port for the length of a test."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import cast

from aiohttp import web


@asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run `app` on 127.0.0.1 with a free port; yields its base URL."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    server = site._server
    assert server is not None
    port = cast(asyncio.Server, server).sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


class Failures:
    """A queue of canned failure responses served before the normal ones."""

    def __init__(self) -> None:
        self._queue: list[web.Response] = []

    def add(
        self, status: int, body: str = "", *, times: int = 1, headers: dict[str, str] | None = None
    ) -> None:
        """Answer the next `times` calls with `status`."""
        for _ in range(times):
            self._queue.append(
                web.Response(status=status, text=body, headers=headers, content_type="application/json")
            )

    def pop(self) -> web.Response | None:
        """The next canned failure, if any."""
        return self._queue.pop(0) if self._queue else None
