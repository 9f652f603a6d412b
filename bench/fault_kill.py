"""Fault test (a): kill -9 the server while a load generator posts signed SMS webhooks.

    .venv/bin/python bench/fault_kill.py --requests 400 --concurrency 16 --kill-after 200
    .venv/bin/python bench/fault_kill.py --database-url postgresql+asyncpg://root@127.0.0.1:5432/test

Runs a fake Twilio REST API in this process and the service in a child process. Phase 1: the
service without its outbox worker takes webhooks (each request a distinct phone and MessageSid)
until `--kill-after` of them were answered, then gets SIGKILL mid-load. Phase 2: `petition
serve`-equivalent with the worker restarts on the same database, recovers the messages that were
committed without a report, and sends the acknowledgements. The figures are printed as JSON:
requests sent, answered 200, stored, acknowledged, lost (a 200 not stored: must be 0) and
duplicated acknowledgements (must be 0).

The worker is off before the kill so that the figures measure intake durability: a kill in the
instant between the provider accepting an SMS and the outbox marking it sent would send that one
acknowledgement twice (the outbox is at-least-once towards a provider without idempotency keys;
docs/security.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from twilio.request_validator import RequestValidator  # noqa: E402

from storage.engine import make_engine, sqlite_url  # noqa: E402
from tests.fakes.http import serve  # noqa: E402
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio  # noqa: E402

SERVER = """
import sys, uvicorn
from web.app import create_app
from web.settings import Settings
uvicorn.run(create_app(Settings(), run_worker=sys.argv[2] == "worker"), host="127.0.0.1",
            port=int(sys.argv[1]), log_level="warning", access_log=False)
"""
TEXT = "举报县住建局局长收受开发商贿赂，违规审批商品房项目，请巡视组调查。"


def free_port() -> int:
    """A free loopback TCP port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def phone(i: int) -> str:
    """The distinct sender of request `i`."""
    return f"+86135{i:08d}"


def start_server(port: int, env: dict[str, str], log: Path, *, worker: bool) -> subprocess.Popen[bytes]:
    """The service in a child process, its stderr appended to `log`."""
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-c", SERVER, str(port), "worker" if worker else "no-worker"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )


async def wait_healthy(base: str, proc: subprocess.Popen[bytes], log: Path, within: float = 30.0) -> None:
    """Poll /readyz until it answers 200 (the app is loaded; /healthz says 200 while it loads)."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=base, timeout=2.0) as client:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                err = await asyncio.to_thread(log.read_text, "utf-8", "replace")
                raise RuntimeError(f"server exited with {proc.returncode}: {err[-2000:]}")
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    raise TimeoutError("server did not become healthy")


async def load(
    base: str, public: str, requests: int, concurrency: int, kill_after: int, proc: subprocess.Popen[bytes]
) -> dict[int, int]:
    """Post signed SMS webhooks; SIGKILL the server after `kill_after` answers. Status per request
    (0: no answer)."""
    validator = RequestValidator(AUTH_TOKEN)
    status: dict[int, int] = {}
    answered = 0
    killed = asyncio.Event()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(requests):
        queue.put_nowait(i)

    async def one(client: httpx.AsyncClient, i: int) -> None:
        nonlocal answered
        form = {
            "MessageSid": f"SM{i:032d}",
            "AccountSid": ACCOUNT_SID,
            "From": phone(i),
            "To": "+8613900000000",
            "Body": TEXT,
        }
        signature = validator.compute_signature(public + "/hooks/sms", form)
        try:
            r = await client.post(
                "/hooks/sms",
                content=urlencode(form),
                headers={
                    "X-Twilio-Signature": signature,
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            status[i] = r.status_code
            answered += 1
        except httpx.HTTPError:
            status[i] = 0
        if answered >= kill_after and not killed.is_set():
            killed.set()
            proc.send_signal(signal.SIGKILL)

    async def client_loop() -> None:
        async with httpx.AsyncClient(base_url=base, timeout=5.0) as client:
            while not queue.empty():
                await one(client, queue.get_nowait())

    await asyncio.gather(*(client_loop() for _ in range(concurrency)))
    return status


async def stored_sids(url: str) -> Counter[str]:
    """How many times each MessageSid is stored."""
    engine = make_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text("SELECT provider_id FROM messages WHERE channel = 'sms'"))).all()
    finally:
        await engine.dispose()
    return Counter(r[0] for r in rows)


@asynccontextmanager
async def fresh_database(database_url: str | None, data_dir: Path) -> AsyncIterator[str]:
    """A SQLite file in `data_dir`, or a throw-away schema in the given PostgreSQL database."""
    if database_url is None or make_url(database_url).get_backend_name() != "postgresql":
        yield database_url or sqlite_url(data_dir)
        return
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    admin = make_engine(database_url)
    try:
        async with admin.begin() as conn:
            await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        yield make_url(database_url).update_query_dict({"search_path": schema}).render_as_string(False)
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        await admin.dispose()


async def run(requests: int, concurrency: int, kill_after: int, database_url: str | None) -> dict[str, Any]:
    """The whole scenario; returns the figures."""
    fake = FakeTwilio()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        async with fresh_database(database_url, data_dir) as url:
            return await _run(requests, concurrency, kill_after, url, fake, Path(tmp), data_dir)


async def _run(
    requests: int, concurrency: int, kill_after: int, url: str, fake: FakeTwilio, tmp: Path, data_dir: Path
) -> dict[str, Any]:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    async with serve(fake.app()) as twilio_base:
        env = {
            **os.environ,
            "PETITION_DATA_DIR": str(data_dir),
            "PETITION_DATABASE_URL": url,
            "PETITION_PUBLIC_URL": base,
            "PETITION_TWILIO_ACCOUNT_SID": ACCOUNT_SID,
            "PETITION_TWILIO_AUTH_TOKEN": AUTH_TOKEN,
            "PETITION_TWILIO_FROM": "+8613900000000",
            "PETITION_TWILIO_API_BASE": twilio_base,
            # The load comes from one address: the per-address limit must not be what is measured.
            "PETITION_HOOK_RATE_PER_MINUTE": str(1_000_000),
            "PETITION_HOOK_BURST": str(1_000_000),
        }
        log = tmp / "server.log"
        first = start_server(port, env, log, worker=False)
        try:
            await wait_healthy(base, first, log)
            started = time.monotonic()
            status = await load(base, base, requests, concurrency, kill_after, first)
            load_s = time.monotonic() - started
        finally:
            if first.poll() is None:
                first.kill()
            first.wait()
        killed = first.returncode == -signal.SIGKILL

        second = start_server(port, env, log, worker=True)
        try:
            await wait_healthy(base, second, log)
            stored = await stored_sids(url)
            for _ in range(300):  # up to 30 s for the acknowledgements
                if len({m["To"] for m in fake.messages}) >= len(stored):
                    break
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.2)  # one more worker round (1 s apart): a duplicate would show now
        finally:
            second.terminate()
            second.wait(timeout=10)
    ok = [i for i, s in status.items() if s == 200]
    acks = Counter(m["To"] for m in fake.messages)
    stored_ok = [i for i in ok if stored.get(f"SM{i:032d}", 0) == 1]
    return {
        "requests_sent": requests,
        "answered_200": len(ok),
        "answered_other": sorted(Counter(s for s in status.values() if s != 200).items()),
        "killed_with_sigkill": killed,
        "load_seconds": round(load_s, 2),
        "stored": sum(stored.values()),
        "stored_twice": sum(1 for n in stored.values() if n > 1),
        "acknowledged": sum(1 for n in acks.values() if n >= 1),
        "acknowledged_200": sum(1 for i in ok if acks.get(phone(i), 0) == 1),
        "duplicate_acks": sum(n - 1 for n in acks.values() if n > 1),
        "lost": len(ok) - len(stored_ok),
        "unacknowledged_stored": len(stored) - sum(1 for n in acks.values() if n >= 1),
    }


def main() -> None:
    """Parse the options, run, print the figures as JSON; exit 1 when anything was lost."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--kill-after", type=int, default=200)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    figures = asyncio.run(run(args.requests, args.concurrency, args.kill_after, args.database_url))
    print(json.dumps(figures))
    bad = figures["lost"] or figures["duplicate_acks"] or figures["unacknowledged_stored"]
    sys.exit(1 if bad or not figures["killed_with_sigkill"] else 0)


if __name__ == "__main__":
    main()
