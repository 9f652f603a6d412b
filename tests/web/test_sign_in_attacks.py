"""Attacks on sign-in and sessions (issue #13, items 15 and 17), each performed over HTTP.

Several browsers (each its own cookie jar and client address) talk to one app on the test's
database; the sign-in throttle reads the runtime's clock, which the tests move by hand.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event

from intake.models import Channel
from intake.outbox import LogOnlySender
from tests.fakes.store import SqlDeskStore, whole
from web.app import create_app
from web.auth import BACKOFF_FIRST, BACKOFF_MAX, FREE_FAILURES, Passwords, backoff, hash_password
from web.settings import Settings

PASSWORD = "correct horse battery"
BJ_10AM = datetime(2025, 7, 1, 2, 0, tzinfo=UTC)  # 10:00 in Beijing
ATTACKER = "203.0.113.9"
OWNER = "198.51.100.7"


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def now(self) -> datetime:
        return self.moment


@asynccontextmanager
async def started(settings: Settings, clock: Clock) -> AsyncIterator[FastAPI]:
    """The app with accounts li (officer) and boss (admin); the per-address limit is out of the way."""
    s = settings.model_copy(update={"login_rate_per_minute": 10_000})
    senders = {ch: LogOnlySender(ch) for ch in (Channel.SMS, Channel.EMAIL, Channel.TELEGRAM)}
    app = create_app(s, senders=senders, clock=clock, passwords=Passwords())
    async with app.router.lifespan_context(app):
        store = _store(app)
        for name, role in (("li", "officer"), ("boss", "admin")):
            await store.add_user(name, role, hash_password(PASSWORD), datetime.now(UTC))
        yield app


def _store(app: FastAPI) -> SqlDeskStore:
    store: SqlDeskStore = whole(app.state.rt)
    return store


def browser(app: FastAPI, address: str) -> httpx.AsyncClient:
    """A browser of its own (cookies) at a client address of its own."""
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


def _csrf(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "page has no CSRF field"
    return m.group(1)


async def sign_in(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> httpx.Response:
    page = await client.get("/login")
    return await client.post("/login", data={"name": name, "password": password, "csrf": _csrf(page.text)})


def _error(r: httpx.Response) -> str:
    m = re.search(r'role="alert">([^<]*)<', r.text)
    return m.group(1) if m else ""


# --- item 15: anyone could lock any account --------------------------------------------------


async def test_wrong_passwords_from_elsewhere_do_not_lock_the_owner_out(settings: Settings) -> None:
    async with started(settings, Clock(BJ_10AM)) as app, browser(app, ATTACKER) as attacker:
        for _ in range(10):
            assert (await sign_in(attacker, "li", "guess")).status_code == 401
        async with browser(app, OWNER) as owner:
            r = await sign_in(owner, "li")
            assert r.status_code == 303 and r.headers["location"] == "/desk"
            assert (await owner.get("/desk")).status_code == 200


async def test_the_wait_grows_per_address_and_ends(settings: Settings) -> None:
    clock = Clock(BJ_10AM)
    assert [backoff(n) for n in range(FREE_FAILURES)] == [timedelta(0)] * FREE_FAILURES
    assert backoff(FREE_FAILURES) == BACKOFF_FIRST and backoff(FREE_FAILURES + 1) == 2 * BACKOFF_FIRST
    assert backoff(10_000) == BACKOFF_MAX
    async with started(settings, clock) as app, browser(app, ATTACKER) as attacker:
        for _ in range(FREE_FAILURES - 1):
            assert _error(await sign_in(attacker, "li", "guess")) == "用户名或密码不正确"
        r = await sign_in(attacker, "li", "guess")
        # The time shown is Beijing time (the inspections'), not UTC.
        assert _error(r) == "用户名或密码不正确。登录尝试过于频繁，请于10:00:05后再试"
        r = await sign_in(attacker, "li")  # the right password does not get through the wait
        assert r.status_code == 401 and _error(r) == "登录尝试过于频繁，请于10:00:05后再试"
        clock.moment += timedelta(seconds=6)
        r = await sign_in(attacker, "li", "guess")
        assert _error(r) == "用户名或密码不正确。登录尝试过于频繁，请于10:00:16后再试"  # twice as long
        clock.moment += timedelta(seconds=11)
        assert (await sign_in(attacker, "li")).status_code == 303  # a success forgets the failures
        clock.moment += timedelta(seconds=1)
        assert _error(await sign_in(attacker, "li", "guess")) == "用户名或密码不正确"


async def test_every_attempt_costs_one_argon2_check_and_answers_alike(settings: Settings) -> None:
    async with started(settings, Clock(BJ_10AM)) as app:
        passwords: Passwords = app.state.passwords
        li = await _store(app).get_user("li")
        assert li is not None

        async def attempt(address: str, name: str, password: str) -> tuple[int, str]:
            before = passwords.verifications
            async with browser(app, address) as b:
                r = await sign_in(b, name, password)
            assert passwords.verifications == before + 1, (name, password)
            return r.status_code, _error(r)

        # An unknown name and a wrong password: the same answer.
        assert await attempt("10.0.0.1", "nobody", "guess") == await attempt("10.0.0.2", "li", "guess")
        # Both throttled, one with the right password: the same answer again.
        for _ in range(FREE_FAILURES):
            await attempt("10.0.0.3", "li", "guess")
            await attempt("10.0.0.4", "nobody", "guess")
        known = await attempt("10.0.0.3", "li", PASSWORD)
        unknown = await attempt("10.0.0.4", "nobody", PASSWORD)
        assert known == unknown and known[0] == 401 and "过于频繁" in known[1]
        assert (await attempt("10.0.0.5", "li", PASSWORD))[0] == 303
        # Every check, whatever the path, ran Argon2 with the parameters of a real account's hash.
        from argon2 import extract_parameters

        p = extract_parameters(li.password_hash)
        assert set(passwords.costs) == {(p.time_cost, p.memory_cost, p.parallelism)}
        assert sum(passwords.costs.values()) == passwords.verifications


async def test_a_throttled_answer_takes_as_long_as_a_wrong_password(settings: Settings) -> None:
    """The old lockout answered 20 times faster than a wrong password. Medians of a few runs each,
    with a wide margin (a third), so a busy machine does not make this flaky."""
    async with started(settings, Clock(BJ_10AM)) as app:
        wrong = []
        for n in range(5):  # each from its own address: none of them is throttled
            async with browser(app, f"10.1.0.{n}") as b:
                wrong.append(await _timed(sign_in(b, "li", "guess")))
        async with browser(app, ATTACKER) as attacker:
            for _ in range(FREE_FAILURES):
                await sign_in(attacker, "li", "guess")
            throttled = [await _timed(sign_in(attacker, "li", "guess")) for _ in range(5)]
            assert statistics.median(throttled) > statistics.median(wrong) / 3, (wrong, throttled)
            assert "过于频繁" in _error(await sign_in(attacker, "li", "guess"))


async def _timed(call: Any) -> float:
    start = time.perf_counter()
    await call
    return time.perf_counter() - start


async def test_parallel_guesses_do_not_share_one_free_attempt(settings: Settings) -> None:
    """The count goes up before the password is checked: a burst of guesses sent at once, when one
    free attempt is left, gets one check through and the rest wait."""
    async with started(settings, Clock(BJ_10AM)) as app, browser(app, ATTACKER) as attacker:
        for _ in range(FREE_FAILURES - 1):
            await sign_in(attacker, "li", "guess")
        page = await attacker.get("/login")
        form = {"name": "li", "password": "guess", "csrf": _csrf(page.text)}
        burst = await asyncio.gather(*(attacker.post("/login", data=form) for _ in range(8)))
        answers = sorted(_error(r) for r in burst)
        assert answers.count("用户名或密码不正确。登录尝试过于频繁，请于10:00:05后再试") == 1, answers
        assert answers.count("登录尝试过于频繁，请于10:00:05后再试") == 7, answers
        actions = [e.action for e in await _store(app).recent_audit()]
        assert actions.count("sign_in.failed") == FREE_FAILURES and actions.count("sign_in.throttled") == 7


async def test_an_admin_lifts_the_wait_and_it_is_audited(settings: Settings) -> None:
    async with started(settings, Clock(BJ_10AM)) as app, browser(app, ATTACKER) as shared:
        for _ in range(FREE_FAILURES + 1):
            await sign_in(shared, "li", "guess")
        async with browser(app, OWNER) as admin:
            assert (await sign_in(admin, "boss")).status_code == 303
            page = await admin.get("/admin")
            assert "登录受限：1个地址受限至10:00:05" in page.text and "解除登录限制" in page.text
            r = await admin.post("/admin/users/li/unlock", data={"csrf": _csrf(page.text)})
            assert r.status_code == 200 and "已解除 li 的登录限制" in r.text
            assert "登录受限" not in r.text
            r = await admin.post("/admin/users/li/unlock", data={"csrf": "forged"})
            assert r.status_code == 403
        # The owner behind the same address (an office's NAT) gets in at once.
        assert (await sign_in(shared, "li")).status_code == 303
        audit = [e for e in await _store(app).recent_audit() if e.action == "user.unlocked"]
        assert len(audit) == 1 and audit[0].actor == "boss" and audit[0].detail["user"] == "li"


# --- item 17: logout did not end the session -------------------------------------------------


async def test_a_copied_cookie_dies_with_logout(settings: Settings) -> None:
    async with started(settings, Clock(BJ_10AM)) as app, browser(app, OWNER) as owner:
        assert (await sign_in(owner, "li")).status_code == 303
        desk = await owner.get("/desk")
        assert desk.status_code == 200
        async with browser(app, ATTACKER) as thief:
            thief.cookies = httpx.Cookies(owner.cookies)
            assert (await thief.get("/desk")).status_code == 200  # the copy works while signed in
            assert (await owner.post("/logout", data={"csrf": _csrf(desk.text)})).status_code == 303
            r = await thief.get("/desk")
            assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_a_new_password_or_disabling_ends_every_session(settings: Settings) -> None:
    async with started(settings, Clock(BJ_10AM)) as app:
        store = _store(app)
        async with browser(app, OWNER) as one, browser(app, ATTACKER) as two:
            for b in (one, two):
                assert (await sign_in(b, "li")).status_code == 303
            copy = httpx.Cookies(one.cookies)
            await store.update_user(
                "li", actor="boss", now=BJ_10AM, password_hash=hash_password("new one 12345")
            )
            for b in (one, two):
                assert (await b.get("/desk")).status_code == 303
            one.cookies = copy
            assert (await one.get("/desk")).status_code == 303
            assert (await sign_in(two, "li", "new one 12345")).status_code == 303
            await store.update_user("li", actor="boss", now=BJ_10AM, disabled=True)
            await store.update_user("li", actor="boss", now=BJ_10AM, disabled=False)
            assert (await two.get("/desk")).status_code == 303


async def test_the_session_check_is_one_query(settings: Settings) -> None:
    async with started(settings, Clock(BJ_10AM)) as app, browser(app, OWNER) as owner:
        assert (await sign_in(owner, "li")).status_code == 303
        with _statements(app) as seen:
            # A desk page that reads nothing else: what is left is the session check.
            r = await owner.get("/desk/regions", params={"target_region": "孟州"})
        assert r.status_code == 200 and "孟州" in r.text
        assert len(seen) == 1 and "desk_sessions" in seen[0], seen


@contextmanager
def _statements(app: FastAPI) -> Iterator[list[str]]:
    """The SQL statements the app's engine runs inside the block."""
    engines = _store(app).sync_engines
    seen: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.split()[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):  # transaction control
            seen.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)
