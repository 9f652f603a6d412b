"""Sign-in, roles and CSRF for the duty officers' desk.

Passwords are hashed with Argon2id (argon2-cffi's defaults). Sessions live in a signed cookie
(Starlette's SessionMiddleware, itsdangerous) holding only the user id, a per-session CSRF token
and the sign-in time; every request re-reads the user, so disabling an account takes effect at
once. Roles are checked on the server for every page and API call, never only in the page.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import HTTPException, Request

from storage.crypto import create_file_once

Role = Literal["officer", "leader", "admin"]
ROLES: tuple[Role, ...] = ("officer", "leader", "admin")
# A higher rank may do everything a lower one may.
RANK: dict[str, int] = {"officer": 1, "leader": 2, "admin": 3}

LOCKOUT_FAILURES = 5
LOCKOUT_TIME = timedelta(minutes=15)
SESSION_MAX_AGE = 12 * 3600  # a duty day; then sign in again

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    """An Argon2id hash of the password."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """True when the password matches; never raises for a wrong or malformed hash."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@functools.cache
def dummy_hash() -> str:
    """Verifying against this when the user does not exist keeps the timing of a wrong user name
    the same as that of a wrong password. Made on first use or by `create_app`'s start in a thread,
    not at import: an Argon2 hash is a good part of a second of `serve`'s start on a busy machine."""
    return _hasher.hash("not a password")


def verify_unknown_user(password: str) -> None:
    """Spend the time of a password check without a user (see `dummy_hash`)."""
    verify_password(dummy_hash(), password)


def locked_until(failures: int, last_failure: datetime | None) -> datetime | None:
    """When an account with this many consecutive failures may try again, or None if it may now."""
    if failures < LOCKOUT_FAILURES or last_failure is None:
        return None
    return last_failure + LOCKOUT_TIME


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < 10:
        return "密码至少10个字符"
    if len(password) > 256:
        return "密码过长"
    return None


def secret_key(data_dir: Path, configured: str | None) -> str:
    """The session signing key: configured, or generated once into the data directory."""
    if configured:
        return configured
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text("utf-8").strip()
    # Every process of a deployment must sign with the same key: the first to start writes it.
    return create_file_once(path, secrets.token_urlsafe(48)).strip()


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


def check_csrf(request: Request, submitted: str | None) -> None:
    """Refuse a state-changing form whose token does not match the session's (403)."""
    expected = request.session.get("csrf")
    if not isinstance(expected, str) or not submitted or not hmac.compare_digest(expected, submitted):
        raise HTTPException(status_code=403, detail="CSRF token missing or wrong; reload the page")


def has_role(role: str, needed: Role) -> bool:
    """Whether `role` may do what `needed` may."""
    return RANK.get(role, 0) >= RANK[needed]


UserLoader = Callable[[Request], Awaitable[object | None]]
