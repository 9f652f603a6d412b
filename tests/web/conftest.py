"""An app on a real database (SQLite file and PostgreSQL schema, via `db_url`), driven through its ASGI
interface with its lifespan running."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from intake.inspection import bundled_inspections
from intake.models import Channel
from intake.outbox import LogOnlySender
from tests.fakes.store import SqlDeskStore, whole
from web.app import create_app
from web.auth import hash_password
from web.identity import new_token, token_hash
from web.settings import Settings

AppClient = Callable[..., AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    """Settings serving every bundled inspection on the test's database (each backend in turn)."""
    everything = ":".join(str(p) for p in bundled_inspections())
    return Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data", database_url=db_url, inspection=everything, _env_file=None
    )


@pytest.fixture
def app_client(settings: Settings) -> AppClient:
    """Start the app (lifespan and all) on the test's data dir; call again to 'restart' it."""

    @asynccontextmanager
    async def start(*, token: bool = True, **overrides: object) -> AsyncIterator[httpx.AsyncClient]:
        """With `token`, the client sends an officer's API token (the API needs one since sign-in)."""
        s = settings.model_copy(update=overrides) if overrides else settings
        senders = {ch: LogOnlySender(ch) for ch in (Channel.SMS, Channel.EMAIL, Channel.TELEGRAM)}
        app = create_app(s, senders=senders)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {await _officer_token(app)}"} if token else {}
            async with httpx.AsyncClient(
                transport=transport, base_url="http://testserver", headers=headers
            ) as client:
                client.app = app  # type: ignore[attr-defined]
                client.senders = senders  # type: ignore[attr-defined]
                yield client

    return start


async def _officer_token(app: FastAPI) -> str:
    """An API token of the account `api-officer`, created on first use (the app may be restarted)."""
    store: SqlDeskStore = whole(app.state.rt)
    user = await store.get_user("api-officer")
    if user is None:
        user = await store.add_user(
            "api-officer", "officer", hash_password("not used here"), datetime.now(UTC)
        )
    token = new_token()
    await store.add_token(user.pk, token_hash(token), datetime.now(UTC))
    return token
