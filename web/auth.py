"""Sign-in, roles and CSRF for the duty officers' desk.

Passwords are hashed with Argon2id (argon2-cffi's defaults). The signed cookie (Starlette's
SessionMiddleware, itsdangerous) holds a random session id, whose SHA-256 the database keeps
(storage.accounts), and a per-session CSRF token; every request reads the account through its
session, so signing out, a new password or disabling an account takes effect at once. Roles are
checked on the server for every page and API call, never only in the page.

Failed sign-ins slow down one (name, address) pair with a growing wait, never the account for
everyone; every attempt, of a name that exists or not, throttled or not, costs one Argon2
verification and gets the same answer for the same situation (see Passwords).
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from argon2.low_level import ARGON2_VERSION
from fastapi import HTTPException, Request

from storage.crypto import create_file_once

Role = Literal["officer", "leader", "admin"]
ROLES: tuple[Role, ...] = ("officer", "leader", "admin")
# A higher rank may do everything a lower one may.
RANK: dict[str, int] = {"officer": 1, "leader": 2, "admin": 3}

# A few wrong passwords are free; then each one doubles the wait of that name from that address.
FREE_FAILURES = 3
BACKOFF_FIRST = timedelta(seconds=5)
BACKOFF_MAX = timedelta(minutes=15)
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


class Passwords:
    """Checks sign-in passwords, spending the same Argon2 work on every attempt, and counts it.

    A name that is no account is checked against a hash of the same parameters, so it costs what
    a wrong password costs; a throttled attempt is checked too and its result thrown away. The
    counters let tests (and an operator) see that every path did the work."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self.hasher = hasher or _hasher
        # Checking against this when the name is no account keeps its timing that of a wrong password.
        self._dummy_hash = unmatchable_hash(self.hasher)
        # Checks run in worker threads; the counters are bounded (one key per set of parameters).
        self._lock = threading.Lock()
        self.verifications = 0
        self.costs: Counter[tuple[int, int, int]] = Counter()  # (time, memory, parallelism): checks

    def check(self, stored_hash: str | None, password: str) -> bool:
        """Whether `password` matches `stored_hash` (None: no account, always False)."""
        target = stored_hash or self._dummy_hash
        try:
            params = extract_parameters(target)
            cost = (params.time_cost, params.memory_cost, params.parallelism)
        except InvalidHashError:
            cost = (0, 0, 0)
        with self._lock:
            self.verifications += 1
            self.costs[cost] += 1
        try:
            return self.hasher.verify(target, password) and stored_hash is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def unmatchable_hash(hasher: PasswordHasher) -> str:
    """An encoded hash with `hasher`'s parameters and a random salt and digest: verifying a password
    against it costs what a real hash of those parameters costs, and never matches. Written out
    rather than hashed, so that building it does not spend the hash's work and memory (64 MiB with
    the defaults, which made up a third of the service's peak resident memory at start)."""

    def b64(n: int) -> str:
        return base64.b64encode(secrets.token_bytes(n)).decode().rstrip("=")

    head = f"$argon2{hasher.type.name.lower()}$v={ARGON2_VERSION}"
    cost = f"m={hasher.memory_cost},t={hasher.time_cost},p={hasher.parallelism}"
    return f"{head}${cost}${b64(hasher.salt_len)}${b64(hasher.hash_len)}"


def backoff(failures: int) -> timedelta:
    """How long (name, address) waits after its `failures`-th failure in a row."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    # The exponent is capped so a long run of failures cannot overflow the timedelta.
    return min(BACKOFF_FIRST * (1 << min(failures - FREE_FAILURES, 20)), BACKOFF_MAX)


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
