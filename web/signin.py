"""Signing in to and out of the desk.

Every attempt runs the same steps whatever the name and the throttle say: look the name up, count
the attempt for (name, address), one Argon2 check, audit. So neither the answer nor its timing
tells whether an account exists, and wrong passwords from one address slow down only that address
(web.auth.backoff), never the account's owner elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from intake.inspection import Inspection
from storage.accounts import Attempt
from web.auth import Passwords, backoff, check_csrf
from web.identity import desk_store, end_session, start_session
from web.pages import render
from web.runtime import runtime

WRONG = "用户名或密码不正确"
DEFAULT_TZ = ZoneInfo("Asia/Shanghai")


def signin_router() -> APIRouter:
    """The sign-in page, the sign-in form and sign-out."""
    router = APIRouter()

    @router.get("/login", response_class=HTMLResponse)
    async def login_page(request: Request, next: str = "/desk") -> Response:
        return render(request, "login.html", {"next": safe_next(next), "error": None})

    @router.post("/login")
    async def login(
        request: Request,
        name: Annotated[str, Form()] = "",
        password: Annotated[str, Form()] = "",
        csrf: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/desk",
    ) -> Response:
        check_csrf(request, csrf)
        rt = runtime(request)
        store = desk_store(request)
        now: datetime = rt.service.clock.now()
        client = request.client.host if request.client else "unknown"
        name = name.strip()[:100]
        user = await store.users.get_user(name) if name else None
        attempt = await store.users.claim_attempt(name, client, now, backoff)
        passwords: Passwords = request.app.state.passwords
        # Checked even when throttled or when there is no such account: the same work on every path.
        # In a thread: Argon2 takes tens of milliseconds, which the event loop should not wait out.
        matched = await asyncio.to_thread(passwords.check, user.password_hash if user else None, password)
        ok = matched and user is not None and not user.disabled and not attempt.throttled
        await store.users.record_sign_in(name or "?", ok, client, now, throttled=attempt.throttled)
        if not ok or user is None:
            error = refusal(attempt, display_tz(rt.inspections.values()))
            return render(request, "login.html", {"next": safe_next(next), "error": error}, status_code=401)
        await start_session(request, user)
        return RedirectResponse(safe_next(next), status_code=303)

    @router.post("/logout")
    async def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
        check_csrf(request, csrf)
        await end_session(request)
        return RedirectResponse("/login", status_code=303)

    return router


def refusal(attempt: Attempt, tz: tzinfo) -> str:
    """What a refused attempt is told: it depends only on this address's attempts with this name,
    never on whether the account exists or the password was right."""
    if attempt.blocked_until is None:
        return WRONG
    until = attempt.blocked_until.astimezone(tz).strftime("%H:%M:%S")
    if attempt.throttled:
        return f"登录尝试过于频繁，请于{until}后再试"
    return f"{WRONG}。登录尝试过于频繁，请于{until}后再试"


def display_tz(inspections: Iterable[Inspection]) -> tzinfo:
    """The time zone of the times shown at sign-in: the inspections', when they share one, else
    Beijing. Never the account's own inspections: that would tell which names are accounts."""
    zones = {ins.timezone for ins in inspections}
    return ZoneInfo(zones.pop()) if len(zones) == 1 else DEFAULT_TZ


def safe_next(target: str) -> str:
    """Only local paths: a sign-in link must not bounce the officer to another site."""
    return target if target.startswith("/") and not target.startswith("//") else "/desk"
