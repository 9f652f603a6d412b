"""Desk accounts' sign-in throttle and server-side sessions.

The throttle is kept per (name typed, client address), never per account alone: wrong passwords
from one address must not shut the account's owner out everywhere else. Names that are no account
are throttled exactly like accounts, so the answers never tell which names exist. A name is kept
only as a SHA-256, as people sometimes type their password into the name field.

A session is a random id in the signed cookie; the database keeps its SHA-256. Signing out or a
password change deletes the row, so a copied cookie stops working at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.engine import RowMapping

from intake.accounts import User
from storage.audit_log import insert_audit
from storage.db import Db, insert_ignoring_conflict
from storage.schema import api_tokens, desk_sessions, sign_in_throttle, users

# A row that has not been touched for this long is forgotten (names that are no account included).
THROTTLE_MEMORY = timedelta(days=1)


def user_from_row(row: RowMapping) -> User:
    """The account of a `users` row."""
    return User(
        pk=row["pk"],
        name=row["name"],
        role=row["role"],
        password_hash=row["password_hash"],
        disabled=row["disabled"],
        inspections=row["inspections"],
    )


def name_key(name: str) -> str:
    """What the throttle keeps of a name typed at sign-in."""
    return hashlib.sha256(name.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Attempt:
    """A sign-in attempt as the throttle saw it: refused unseen (`blocked_until` in the future) or let
    through as the `failures`-th attempt since the last success (counted before the password is
    checked, so parallel guesses cannot all pass one check)."""

    throttled: bool
    failures: int
    blocked_until: datetime | None


class SqlUsers:
    """Desk accounts, their API tokens, the sign-in throttle and sessions."""

    def __init__(self, db: Db) -> None:
        self._db = db

    # --- the sign-in throttle -----------------------------------------------------------------

    async def claim_attempt(
        self, name: str, client: str, now: datetime, backoff: Callable[[int], timedelta]
    ) -> Attempt:
        """Count an attempt of (name, client) unless it is blocked; a blocked one is not counted.

        The count goes up before the password is checked (a success deletes the row), and the
        conditional UPDATE locks the row, so concurrent attempts cannot share one free check."""
        key = name_key(name)
        where = (sign_in_throttle.c.name_hash == key) & (sign_in_throttle.c.client == client)
        async with self._db.write() as conn:
            insert = insert_ignoring_conflict(conn, sign_in_throttle, "name_hash", "client")
            await conn.execute(
                insert.values(name_hash=key, client=client, failures=0, blocked_until=None, last_attempt=now)
            )
            counted = await conn.execute(
                update(sign_in_throttle)
                .where(
                    where,
                    (sign_in_throttle.c.blocked_until.is_(None)) | (sign_in_throttle.c.blocked_until <= now),
                )
                .values(failures=sign_in_throttle.c.failures + 1, last_attempt=now)
            )
            row = (
                (
                    await conn.execute(
                        select(sign_in_throttle.c.failures, sign_in_throttle.c.blocked_until).where(where)
                    )
                )
                .mappings()
                .one()
            )
            if counted.rowcount == 0:
                return Attempt(True, row["failures"], row["blocked_until"])
            wait = backoff(row["failures"])
            until = now + wait if wait > timedelta(0) else None
            await conn.execute(update(sign_in_throttle).where(where).values(blocked_until=until))
            await conn.execute(
                delete(sign_in_throttle).where(sign_in_throttle.c.last_attempt < now - THROTTLE_MEMORY)
            )
        return Attempt(False, row["failures"], until)

    async def record_sign_in(
        self, name: str, ok: bool, client: str, now: datetime, *, throttled: bool = False
    ) -> None:
        """Audit an attempt; a success forgets the failures of (name, client)."""
        action = "sign_in.ok" if ok else ("sign_in.throttled" if throttled else "sign_in.failed")
        async with self._db.write() as conn:
            if ok:
                await conn.execute(
                    delete(sign_in_throttle).where(
                        sign_in_throttle.c.name_hash == name_key(name), sign_in_throttle.c.client == client
                    )
                )
            await insert_audit(
                conn,
                actor=name[:100] or "?",
                action=action,
                report_id=None,
                detail={"client": client},
                now=now,
            )

    async def throttled_names(self, now: datetime) -> dict[str, tuple[int, datetime]]:
        """Blocked names (as name_key) with how many addresses are blocked and until when at most."""
        async with self._db.read() as conn:
            rows = await conn.execute(
                select(sign_in_throttle.c.name_hash, sign_in_throttle.c.blocked_until).where(
                    sign_in_throttle.c.blocked_until > now
                )
            )
            found: dict[str, tuple[int, datetime]] = {}
            for key, until in rows:
                count, latest = found.get(key, (0, until))
                found[key] = (count + 1, max(latest, until))
        return found

    async def unlock(self, name: str, *, actor: str, now: datetime) -> int:
        """Forget every throttled address of an account (the admin's unlock); audited."""
        async with self._db.write() as conn:
            result = await conn.execute(
                delete(sign_in_throttle).where(sign_in_throttle.c.name_hash == name_key(name))
            )
            await insert_audit(
                conn,
                actor=actor,
                action="user.unlocked",
                report_id=None,
                detail={"user": name, "addresses": result.rowcount},
                now=now,
            )
        return int(result.rowcount)

    # --- sessions -----------------------------------------------------------------------------

    async def open_session(
        self, user_pk: int, session_hash: str, now: datetime, expires_at: datetime
    ) -> None:
        """Keep a new session (and forget expired ones)."""
        async with self._db.write() as conn:
            await conn.execute(delete(desk_sessions).where(desk_sessions.c.expires_at <= now))
            await conn.execute(
                desk_sessions.insert().values(
                    session_hash=session_hash, user_id=user_pk, created_at=now, expires_at=expires_at
                )
            )

    async def user_by_session(self, session_hash: str, now: datetime) -> User | None:
        """The account of a live session: one indexed query, run on every desk request."""
        async with self._db.read() as conn:
            row = (
                (
                    await conn.execute(
                        select(users)
                        .join(desk_sessions, desk_sessions.c.user_id == users.c.pk)
                        .where(desk_sessions.c.session_hash == session_hash, desk_sessions.c.expires_at > now)
                    )
                )
                .mappings()
                .first()
            )
        return user_from_row(row) if row else None

    async def close_session(self, session_hash: str) -> None:
        """End one session (sign-out)."""
        async with self._db.write() as conn:
            await conn.execute(delete(desk_sessions).where(desk_sessions.c.session_hash == session_hash))

    # --- accounts --------------------------------------------------------------------------

    async def add_user(
        self, name: str, role: str, password_hash: str, now: datetime, inspections: str = "*"
    ) -> User:
        """Create an account; ValueError when the name is taken."""
        async with self._db.write() as conn:
            taken = (await conn.execute(select(users.c.pk).where(users.c.name == name))).first()
            if taken:
                raise ValueError(f"user {name!r} exists")
            await conn.execute(
                users.insert().values(
                    name=name, role=role, password_hash=password_hash, inspections=inspections, created_at=now
                )
            )
            await insert_audit(
                conn,
                actor="cli",
                action="user.created",
                report_id=None,
                detail={"user": name, "role": role},
                now=now,
            )
            row = (await conn.execute(select(users).where(users.c.name == name))).mappings().one()
        return user_from_row(row)

    async def get_user(self, name: str) -> User | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(users).where(users.c.name == name))).mappings().first()
        return user_from_row(row) if row else None

    async def get_user_by_pk(self, pk: int) -> User | None:
        async with self._db.read() as conn:
            row = (await conn.execute(select(users).where(users.c.pk == pk))).mappings().first()
        return user_from_row(row) if row else None

    async def list_users(self) -> list[User]:
        async with self._db.read() as conn:
            rows = (await conn.execute(select(users).order_by(users.c.name))).mappings().all()
        return [user_from_row(r) for r in rows]

    async def update_user(
        self,
        name: str,
        *,
        actor: str,
        now: datetime,
        role: str | None = None,
        disabled: bool | None = None,
        password_hash: str | None = None,
    ) -> None:
        """Change an account's role, disabled flag or password; audited."""
        values: dict[str, Any] = {}
        if role is not None:
            values["role"] = role
        if disabled is not None:
            values["disabled"] = disabled
        if password_hash is not None:
            values["password_hash"] = password_hash
        if not values:
            return
        async with self._db.write() as conn:
            result = await conn.execute(update(users).where(users.c.name == name).values(**values))
            if result.rowcount == 0:
                raise LookupError(f"no user {name!r}")
            if password_hash is not None or disabled:
                # A new password or a disabled account ends every session of the account.
                pk = select(users.c.pk).where(users.c.name == name).scalar_subquery()
                await conn.execute(delete(desk_sessions).where(desk_sessions.c.user_id == pk))
            detail = {"user": name, **{k: v for k, v in values.items() if k in ("role", "disabled")}}
            if password_hash is not None:
                detail["password"] = "changed"
            await insert_audit(
                conn, actor=actor, action="user.updated", report_id=None, detail=detail, now=now
            )

    async def add_token(self, user_pk: int, token_hash: str, now: datetime) -> None:
        async with self._db.write() as conn:
            await conn.execute(
                api_tokens.insert().values(user_id=user_pk, token_hash=token_hash, created_at=now)
            )
            await insert_audit(
                conn,
                actor="cli",
                action="token.created",
                report_id=None,
                detail={"user_pk": user_pk},
                now=now,
            )

    async def user_by_token(self, token_hash: str, now: datetime) -> User | None:
        """The account an API token belongs to, or None."""
        async with self._db.write() as conn:
            row = (
                (
                    await conn.execute(
                        select(users)
                        .join(api_tokens, api_tokens.c.user_id == users.c.pk)
                        .where(api_tokens.c.token_hash == token_hash)
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                return None
            await conn.execute(
                update(api_tokens).where(api_tokens.c.token_hash == token_hash).values(last_used_at=now)
            )
        return user_from_row(row)
