"""Every route of the app, tried as an attacker would: without a session, with the wrong role,
across inspections, and sign-in by brute force."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi.routing import APIRoute

from tests.fakes.store import SqlDeskStore, whole
from tests.web.conftest import AppClient
from web.auth import hash_password

# Routes anyone may call: the citizen's page and form, health, sign-in, the provider webhooks
# (authenticated by signature instead) and static files.
PUBLIC = {
    "/",
    "/submit",
    "/healthz",
    "/readyz",
    "/login",
    "/logout",
    "/api/docs",
    "/openapi.json",
    "/docs/oauth2-redirect",
}
PUBLIC_PREFIXES = ("/hooks/", "/static")
LEADER_ONLY_PREFIXES = ("/desk/audit", "/desk/ledger", "/desk/stats/export")
ADMIN_ONLY_PREFIXES = ("/admin",)


def _concrete(path: str) -> str:
    """A path with its parameters filled in with something plausible."""
    return re.sub(r"\{[^}]+\}", "MZ1-0001", path)


def _api_routes(routes: list[Any]) -> list[APIRoute]:
    """Every APIRoute, including those of included routers (FastAPI wraps them; none has a prefix)."""
    found: list[APIRoute] = []
    for route in routes:
        if isinstance(route, APIRoute):
            found.append(route)
        elif hasattr(route, "original_router"):
            found += _api_routes(route.original_router.routes)
    return found


def _routes(client: httpx.AsyncClient) -> list[tuple[str, str]]:
    app = client.app  # type: ignore[attr-defined]
    return [
        (method, route.path)
        for route in _api_routes(app.routes)
        for method in sorted(route.methods - {"HEAD", "OPTIONS"})
    ]


async def test_every_private_route_refuses_the_unauthenticated(app_client: AppClient) -> None:
    async with app_client(token=False) as client:
        routes = _routes(client)
        assert len(routes) > 20
        checked = 0
        for method, path in routes:
            if path in PUBLIC or path.startswith(PUBLIC_PREFIXES):
                continue
            r = await client.request(
                method, _concrete(path), data={"csrf": "x"} if method == "POST" else None
            )
            if path.startswith("/api/"):
                assert r.status_code == 401, (method, path, r.status_code)
            else:
                assert r.status_code == 303 and r.headers["location"].startswith("/login"), (method, path)
            checked += 1
        assert checked > 15


async def test_officers_cannot_reach_leader_or_admin_routes(app_client: AppClient) -> None:
    async with app_client(token=False) as client:
        store: SqlDeskStore = whole(client.app.state.rt)  # type: ignore[attr-defined]
        await store.add_user("plain", "officer", hash_password("officer password"), datetime.now(UTC))
        page = await client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        r = await client.post("/login", data={"name": "plain", "password": "officer password", "csrf": csrf})
        assert r.status_code == 303
        refused = 0
        for method, path in _routes(client):
            if not path.startswith(ADMIN_ONLY_PREFIXES + LEADER_ONLY_PREFIXES):
                continue
            r = await client.request(
                method, _concrete(path), data={"csrf": csrf} if method == "POST" else None
            )
            assert r.status_code == 403, (method, path, r.status_code)
            refused += 1
        assert refused >= 5


async def test_sign_in_is_rate_limited_per_address(app_client: AppClient) -> None:
    async with app_client(token=False) as client:
        page = await client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        # All at once: one by one, each Argon2 check on a busy machine lets the bucket refill.
        answers = await asyncio.gather(
            *(
                client.post("/login", data={"name": f"guess{i}", "password": "x", "csrf": csrf})
                for i in range(12)
            )
        )
        assert sorted(r.status_code for r in answers) == [401] * 10 + [429, 429]
        assert all(int(r.headers["retry-after"]) >= 1 for r in answers if r.status_code == 429)
