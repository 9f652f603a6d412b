"""The helper servers of the intake benchmark (the service itself is `petition serve --reuse-port`).

    python -m bench.apps trivial PORT   # answers every request at once: the generator's capacity
    python -m bench.apps ceiling PORT   # bare Starlette: parse, verify, one INSERT, commit
    python -m bench.apps twilio PORT    # the local fake Twilio REST API the outbox sends to

The ceiling does what the webhook must do before it answers and nothing else: read the form,
check X-Twilio-Signature (the service's own check, bot.sms.TwilioWebhook), insert the raw body in
one statement and commit, with aiosqlite (the service's pragmas) or asyncpg directly. Several
processes share one port (SO_REUSEPORT), as `petition serve --reuse-port` does. Only ever on
127.0.0.1.
"""

from __future__ import annotations

import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

HOST = "127.0.0.1"
TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
SQLITE_PRAGMAS = ("PRAGMA busy_timeout=5000", "PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL")
CREATE = "CREATE TABLE IF NOT EXISTS ceiling_raw (sid TEXT PRIMARY KEY, body TEXT NOT NULL)"


def trivial_app() -> Starlette:
    """200 to everything, without reading the database."""

    async def ok(request: Request) -> Response:
        await request.body()
        return Response(TWIML, media_type="text/xml")

    return Starlette(routes=[Route("/{path:path}", ok, methods=["GET", "POST"])])


async def ready(request: Request) -> Response:
    """GET /: the harness's readiness probe."""
    return Response("ok")


def ceiling_app(url: str, token: str, public_url: str) -> Starlette:
    """The ceiling endpoint on the database at `url` (a PETITION_DATABASE_URL)."""
    from bot.base import WebhookRequest
    from bot.sms import TwilioWebhook
    from intake.errors import WebhookAuthError

    webhook = TwilioWebhook(token)
    db: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if url.startswith("sqlite"):
            import aiosqlite

            conn = await aiosqlite.connect(url.split(":///", 1)[1])
            for pragma in SQLITE_PRAGMAS:
                await conn.execute(pragma)
            await conn.execute(CREATE)
            await conn.commit()

            async def insert(sid: str, body: str) -> None:
                await conn.execute("INSERT INTO ceiling_raw VALUES (?, ?)", (sid, body))
                await conn.commit()

            db["insert"] = insert
            yield
            await conn.close()
            return
        import asyncpg
        from sqlalchemy.engine import make_url

        u = make_url(url)
        schema = u.query.get("search_path")
        settings = {"search_path": str(schema)} if schema else {}
        pool = await asyncpg.create_pool(
            host=u.host, port=u.port, user=u.username, database=u.database, server_settings=settings
        )
        await pool.execute(CREATE)

        async def insert_pg(sid: str, body: str) -> None:
            await pool.execute("INSERT INTO ceiling_raw VALUES ($1, $2)", sid, body)  # autocommit

        db["insert"] = insert_pg
        yield
        await pool.close()

    async def sms(request: Request) -> Response:
        body = await request.body()
        req = WebhookRequest(public_url + request.url.path, dict(request.headers), body)
        try:
            form = webhook.verify(req)
        except WebhookAuthError:
            return Response("forbidden", status_code=403)
        await db["insert"](form.get("MessageSid", ""), body.decode())
        return Response(TWIML, media_type="text/xml")

    routes = [Route("/hooks/sms", sms, methods=["POST"]), Route("/", ready)]
    return Starlette(routes=routes, lifespan=lifespan)


def shared_socket(port: int) -> socket.socket:
    """127.0.0.1:`port`, bindable by several processes at once."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((HOST, port))
    return sock


def run_twilio(port: int) -> None:
    """The fake Twilio of the tests, with the benchmark's credentials."""
    from aiohttp import web

    from tests.fakes.twilio_api import FakeTwilio

    fake = FakeTwilio(
        sid=os.environ["PETITION_TWILIO_ACCOUNT_SID"], token=os.environ["PETITION_TWILIO_AUTH_TOKEN"]
    )
    web.run_app(fake.app(), host=HOST, port=port, print=None, access_log=None)


def main() -> None:
    """Run one server on 127.0.0.1:PORT until terminated."""
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "twilio":
        run_twilio(port)
        return
    app: Any
    if kind == "trivial":
        app = trivial_app()
    elif kind == "ceiling":
        env = os.environ
        app = ceiling_app(
            env["PETITION_DATABASE_URL"], env["PETITION_TWILIO_AUTH_TOKEN"], env["PETITION_PUBLIC_URL"]
        )
    else:
        raise SystemExit(f"unknown app {kind!r}")
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    uvicorn.Server(config).run(sockets=[shared_socket(port)])


if __name__ == "__main__":
    main()
