"""What `petition serve` does at start: no work that only a later request needs."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import VerifyMismatchError
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from storage.probe import database_answers, sqlite_file
from web.auth import Passwords, unmatchable_hash
from web.starting import StartingApp

ROOT = Path(__file__).resolve().parents[2]

CHEAP = {"time_cost": 1, "memory_cost": 8, "parallelism": 1}


@pytest.mark.parametrize("hasher", [PasswordHasher(), PasswordHasher(**CHEAP)])
def test_the_unmatchable_hash_has_the_hashers_cost_and_matches_nothing(hasher: PasswordHasher) -> None:
    dummy = unmatchable_hash(hasher)
    real = hasher.hash("some password")
    assert extract_parameters(dummy) == extract_parameters(real)
    assert len(dummy) == len(real)
    # A mismatch, not a malformed hash: the verification ran the full computation.
    with pytest.raises(VerifyMismatchError):
        hasher.verify(dummy, "")
    assert unmatchable_hash(hasher) != dummy


def test_an_unknown_name_costs_one_verification_of_the_same_parameters() -> None:
    hasher = PasswordHasher(**CHEAP)
    passwords = Passwords(hasher)
    assert passwords.check(None, "anything") is False
    assert passwords.check(hasher.hash("right password"), "right password") is True
    assert passwords.verifications == 2
    assert set(passwords.costs) == {(1, 8, 1)}


# --- serve listens while the app loads (web/starting.py) ----------------------------------------


def _loaded_app() -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.running = True
        yield
        app.state.running = False

    app = FastAPI(lifespan=lifespan)

    @app.get("/")
    async def page() -> dict[str, bool]:
        return {"loaded": app.state.running}

    @app.get("/healthz")
    @app.get("/readyz")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


@contextlib.asynccontextmanager
async def _running(app: StartingApp) -> AsyncIterator[httpx.AsyncClient]:
    """The app's lifespan started (as uvicorn does) and a client to it; shut down at the end."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    life = asyncio.create_task(app({"type": "lifespan"}, inbox.get, outbox.put))
    await inbox.put({"type": "lifespan.startup"})
    assert (await outbox.get())["type"] == "lifespan.startup.complete"
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
            yield client
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        assert (await outbox.get())["type"] == "lifespan.shutdown.complete"
        await life


async def test_health_answers_while_the_app_loads_and_requests_wait_for_it() -> None:
    release = threading.Event()
    database_up = [True]
    loaded = _loaded_app()

    def load() -> FastAPI:
        release.wait(10)
        return loaded

    async def probe() -> bool:
        return database_up[0]

    app = StartingApp(load, probe, lambda exc: pytest.fail(f"failed: {exc}"))
    async with _running(app) as client:
        health = await client.get("/healthz")
        assert (health.status_code, health.json()) == (200, {"status": "starting"})
        assert "content-security-policy" in health.headers
        ready = await client.get("/readyz")
        assert (ready.status_code, ready.json()) == (503, {"status": "starting"})
        database_up[0] = False
        health = await client.get("/healthz")
        assert (health.status_code, health.json()) == (503, {"status": "database unavailable"})
        waiting = asyncio.create_task(client.get("/"))
        await asyncio.sleep(0.2)
        assert not waiting.done()
        release.set()
        page = await waiting
        assert (page.status_code, page.json()) == (200, {"loaded": True})
        assert app.app is loaded
        # Loaded: health is the app's own (its store's ping), not the probe's.
        assert (await client.get("/readyz")).json() == {"status": "ok"}
        assert (await client.get("/healthz")).json() == {"status": "ok"}
    assert loaded.state.running is False


async def test_settle_runs_once_the_lifespan_has_started_and_before_any_request_is_served() -> None:
    loaded = _loaded_app()
    seen: list[tuple[bool, str]] = []

    def settle() -> None:
        # Off the event loop (a collection takes a tenth of a second), with the runtime built.
        seen.append((getattr(loaded.state, "running", False), threading.current_thread().name))

    async def probe() -> bool:
        return True

    app = StartingApp(lambda: loaded, probe, lambda exc: pytest.fail(f"failed: {exc}"), settle=settle)
    async with _running(app) as client:
        page = await client.get("/")
        assert (page.status_code, page.json()) == (200, {"loaded": True})
        assert len(seen) == 1
        running, thread = seen[0]
        assert running and thread != threading.main_thread().name


async def test_a_failed_load_stops_the_server_and_refuses_the_waiting_requests() -> None:
    release = threading.Event()
    failures: list[BaseException] = []

    def load() -> FastAPI:
        release.wait(10)
        raise RuntimeError("no database")

    async def probe() -> bool:
        return True

    app = StartingApp(load, probe, failures.append)
    async with _running(app) as client:
        waiting = asyncio.create_task(client.get("/hooks/sms"))
        await asyncio.sleep(0.1)
        release.set()
        assert (await waiting).status_code == 503
        assert [str(exc) for exc in failures] == ["no database"]
        assert (await client.get("/readyz")).status_code == 503


async def test_the_probe_reads_a_sqlite_file_without_creating_it(tmp_path: Path) -> None:
    path = tmp_path / "petition.sqlite3"
    url = f"sqlite+aiosqlite:///{path.as_posix()}"
    assert sqlite_file(url) == path
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert await database_answers(url) is False
    assert not path.exists()
    sqlite3.connect(path).close()
    assert await database_answers(url) is True


async def test_the_probe_of_postgresql(db_url: str) -> None:
    if db_url.startswith("sqlite"):
        pytest.skip("the SQLite probe is tested above")
    assert await database_answers(db_url) is True
    # Nothing listens on port 1.
    wrong = make_url(db_url).set(port=1).render_as_string(hide_password=False)
    assert await database_answers(wrong) is False


@pytest.mark.parametrize(
    ("module", "absent"),
    [
        # What `serve` imports before it listens: no web framework, database or model library.
        (
            "web.starting; import cli.main; import storage.probe; import web.settings",
            ["fastapi", "sqlalchemy", "numpy", "jinja2"],
        ),
        # The app: the PDF, spreadsheet, Telegram and SMTP-server libraries load when first used.
        ("web.app", ["reportlab", "openpyxl", "telegram", "twilio.rest", "aiosmtpd", "alembic"]),
    ],
)
def test_heavy_libraries_are_not_imported_before_use(module: str, absent: list[str]) -> None:
    code = f"import sys; import {module}; print(sorted(m for m in {absent!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.strip() == "[]"
