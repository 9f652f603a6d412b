"""Who is asking: the signed-in officer (session cookie) or a script (API token), and their role."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from fastapi import HTTPException, Request

from intake.accounts import User
from storage.stores import Stores
from web.auth import SESSION_MAX_AGE, Role, has_role
from web.runtime import runtime


class NotSignedIn(HTTPException):
    """Raised by a guard when nobody is signed in: pages redirect to sign-in, the API answers 401."""

    def __init__(self) -> None:
        super().__init__(status_code=401, detail="sign in first")


def token_hash(token: str) -> str:
    """What the database keeps of an API token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    """A fresh API token (shown once)."""
    return "pit_" + secrets.token_urlsafe(32)


def desk_store(request: Request) -> Stores:
    """The repositories the desk reads and writes."""
    return runtime(request).stores


async def current_user(request: Request) -> User | None:
    """The account behind this request, or None; a disabled account counts as nobody."""
    cached: User | None = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    store = desk_store(request)
    user: User | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        user = await store.users.user_by_token(token_hash(header[7:].strip()), datetime.now(UTC))
    else:
        sid = request.session.get("sid")
        if isinstance(sid, str):
            # One indexed query per request: the session row (deleted by sign-out or a new password).
            user = await store.users.user_by_session(token_hash(sid), datetime.now(UTC))
            # A role change ends older sessions too: the session remembers the role it started with.
            if user is not None and request.session.get("ver") != _session_version(user):
                user = None
    if user is not None and user.disabled:
        user = None
    request.state.user = user
    return user


def _session_version(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}|{user.role}".encode()).hexdigest()[:16]


async def start_session(request: Request, user: User) -> None:
    """Sign `user` in: a new server-side session (no fixation), a new CSRF token."""
    # A session's life is wall-clock time, like the age of the cookie's signature: the service's
    # clock (which tests move by months) has no say in it.
    now = datetime.now(UTC)
    sid = secrets.token_urlsafe(32)
    await desk_store(request).users.open_session(
        user.pk, token_hash(sid), now, now + timedelta(seconds=SESSION_MAX_AGE)
    )
    request.session.clear()
    request.session["sid"] = sid
    request.session["ver"] = _session_version(user)
    request.session["csrf"] = secrets.token_urlsafe(32)


async def end_session(request: Request) -> None:
    """Sign out: the session row goes, so a copy of the cookie is worth nothing any more."""
    sid = request.session.get("sid")
    if isinstance(sid, str):
        await desk_store(request).users.close_session(token_hash(sid))
    request.session.clear()


def require(role: Role) -> Callable[[Request], Awaitable[User]]:
    """A FastAPI dependency that lets through only accounts of at least `role`."""

    async def guard(request: Request) -> User:
        user = await current_user(request)
        if user is None:
            raise NotSignedIn()
        if not has_role(user.role, role):
            raise HTTPException(status_code=403, detail="your role may not do this")
        return user

    return guard
