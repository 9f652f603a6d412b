"""Accounts for the attack tests: users, API tokens, and signed-in desk sessions on a harness app."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx

from tests.fakes.store import SqlDeskStore, whole
from tests.trust.harness import Harness
from web.auth import hash_password
from web.identity import new_token, token_hash

PASSWORD = "correct horse battery"
MENGZHOU = "mengzhou-xiguo-2021"
HENAN = "henan-audit-2016"


def desk_store(h: Harness) -> SqlDeskStore:
    store = whole(h.rt)
    assert isinstance(store, SqlDeskStore)
    return store


async def add_user(h: Harness, name: str, role: str, inspections: str = "*") -> None:
    await desk_store(h).add_user(name, role, hash_password(PASSWORD), datetime.now(UTC), inspections)


async def token_for(h: Harness, name: str) -> str:
    """A fresh API token of the account `name`."""
    store = desk_store(h)
    user = await store.get_user(name)
    assert user is not None
    token = new_token()
    await store.add_token(user.pk, token_hash(token), datetime.now(UTC))
    return token


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


@asynccontextmanager
async def session(h: Harness, name: str) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    """A client signed in to the desk as `name` (its own cookies), and its CSRF token."""
    transport = httpx.ASGITransport(app=h.app)
    # The harness serves an https public URL, so the session cookie is https-only.
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        page = await client.get("/login")
        r = await client.post("/login", data={"name": name, "password": PASSWORD, "csrf": csrf_of(page.text)})
        assert r.status_code == 303, r.text
        desk = await client.get("/desk")
        yield client, csrf_of(desk.text)


def api(token: str) -> dict[str, str]:
    """Headers of an API call with a Bearer token."""
    return {"Authorization": f"Bearer {token}"}
