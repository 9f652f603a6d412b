"""Several real `petition serve` and `petition worker` processes on one database, on both backends.

Four servers take signed SMS webhooks at once (a load balancer would spread them the same way),
each running its own outbox worker; two separate workers drain one outbox. The fake Twilio API in
the test process records every acknowledgement that any process sends, so "sent exactly once" is
checked where it matters, at the provider.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select
from twilio.request_validator import RequestValidator

from storage.crypto import new_key
from storage.engine import make_engine
from storage.schema import messages, outbox, reports
from tests.fakes.http import serve
from tests.fakes.store import SqlReportStore
from tests.fakes.twilio_api import ACCOUNT_SID, AUTH_TOKEN, FakeTwilio
from tests.storage.helpers import new_report

PUBLIC = "https://petition.example.org"
ROOT = Path(__file__).resolve().parents[2]
# The `petition` command of this checkout, whatever the venv's editable install points at.
PETITION = [sys.executable, "-c", "from cli.main import main; main()"]
START_TIMEOUT_S = 60.0
DRAIN_TIMEOUT_S = 60.0
_DATA_KEY = new_key()


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _env(db_url: str, data_dir: Path, twilio_base: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PETITION_")}
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        PETITION_DATABASE_URL=db_url,
        PETITION_DATA_DIR=str(data_dir),
        PETITION_PUBLIC_URL=PUBLIC,
        PETITION_TWILIO_ACCOUNT_SID=ACCOUNT_SID,
        PETITION_TWILIO_AUTH_TOKEN=AUTH_TOKEN,
        PETITION_TWILIO_FROM="+8613900000000",
        PETITION_TWILIO_API_BASE=twilio_base,
        # Processes behind one load balancer share the data key and the session secret (docs/deploy.md).
        PETITION_DATA_KEY=_DATA_KEY,
        PETITION_SECRET_KEY="multi-process-test-secret",
    )
    return env


@asynccontextmanager
async def _processes(args: list[list[str]], env: dict[str, str], cwd: Path) -> AsyncIterator[list[Path]]:
    """Start one `petition` process per argument list; yields their log files; stops them after."""
    logs = [cwd / f"proc-{i}.log" for i in range(len(args))]
    procs: list[asyncio.subprocess.Process] = []
    try:
        for argv, log in zip(args, logs, strict=True):
            with log.open("wb") as out:
                procs.append(
                    await asyncio.create_subprocess_exec(
                        *PETITION, *argv, env=env, cwd=cwd, stdout=out, stderr=asyncio.subprocess.STDOUT
                    )
                )
        yield logs
    finally:
        for p in procs:
            if p.returncode is None:
                p.terminate()
        for p in procs:
            try:
                await asyncio.wait_for(p.wait(), 15)
            except TimeoutError:
                p.kill()
                await p.wait()


def _tails(logs: list[Path]) -> str:
    return "\n".join(f"--- {log.name}\n{log.read_text('utf-8', 'replace')[-3000:]}" for log in logs)


async def _until(check: Callable[[], bool], limit_s: float, what: str, logs: list[Path]) -> None:
    try:
        async with asyncio.timeout(limit_s):
            # The condition changes through other processes' HTTP calls: there is no event to await.
            while not check():  # noqa: ASYNC110
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"{what}:\n{_tails(logs)}") from None


async def _wait_healthy(client: httpx.AsyncClient, ports: list[int], logs: list[Path]) -> None:
    try:
        async with asyncio.timeout(START_TIMEOUT_S):
            for port in ports:
                while True:
                    try:
                        if (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"servers did not start:\n{_tails(logs)}") from None


def _signed(sid: str, sender: str, body: str) -> tuple[str, dict[str, str]]:
    form = {
        "MessageSid": sid,
        "AccountSid": ACCOUNT_SID,
        "From": sender,
        "To": "+8613900000000",
        "Body": body,
    }
    signature = RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + "/hooks/sms", form)
    headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
    return urlencode(form), headers


async def _count(db_url: str, table: object, *where: object) -> int:
    engine = make_engine(db_url)
    try:
        async with engine.connect() as conn:
            stmt = select(func.count()).select_from(table)  # type: ignore[arg-type]
            for w in where:
                stmt = stmt.where(w)  # type: ignore[arg-type]
            return int((await conn.execute(stmt)).scalar_one())
    finally:
        await engine.dispose()


async def test_four_servers_number_uniquely_and_acknowledge_once(db_url: str, tmp_path: Path) -> None:
    n_msg, n_dup = 120, 30
    ports = _free_ports(4)
    twilio = FakeTwilio()
    senders = [f"+86139{i:08d}" for i in range(n_msg)]
    async with AsyncExitStack() as stack:
        base = await stack.enter_async_context(serve(twilio.app()))
        env = _env(db_url, tmp_path / "data", base)
        # The schema is migrated by whichever server gets the migration lock first.
        logs = await stack.enter_async_context(
            _processes([["serve", "--port", str(p)] for p in ports], env, tmp_path)
        )
        client = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
        await _wait_healthy(client, ports, logs)

        busy: list[int] = []

        async def post(i: int, port: int) -> int:
            content, headers = _signed(f"SM{i:032d}", senders[i], f"举报审计厅第{i}处处长收受红包{i}次。")
            for _ in range(10):
                r = await client.post(f"http://127.0.0.1:{port}/hooks/sms", content=content, headers=headers)
                if r.status_code != 503:
                    break
                # 503 means "nothing stored, deliver again", which is what a provider does.
                busy.append(i)
                await asyncio.sleep(0.5)
            return r.status_code

        # Every message once, round robin; the first n_dup delivered again at once to another server,
        # as Twilio does when an answer is slow.
        jobs = [post(i, ports[i % 4]) for i in range(n_msg)]
        jobs += [post(i, ports[(i + 1) % 4]) for i in range(n_dup)]
        statuses = await asyncio.gather(*jobs)
        assert Counter(statuses) == {200: n_msg + n_dup}
        if db_url.startswith("postgresql"):
            assert busy == []  # SQLite serialises writers and may ask for a retry under contention; PG not

        await _until(lambda: len(twilio.messages) >= n_msg, DRAIN_TIMEOUT_S, "acks not all sent", logs)
        await asyncio.sleep(2.5)  # two more worker rounds in every process: time for a double send

    assert await _count(db_url, messages) == n_msg
    assert await _count(db_url, reports) == n_msg
    store = await SqlReportStore.open(db_url)
    try:
        numbers = [r.tracking_number for r in await store.latest_reports(None, limit=1000)]
    finally:
        await store.close()
    assert sorted(numbers) == [f"HN1-{n:04d}" for n in range(1, n_msg + 1)]

    # Each citizen got exactly one acknowledgement, carrying their own report's number.
    assert len(twilio.messages) == n_msg
    assert sorted(m["To"] for m in twilio.messages) == sorted(senders)
    acked = [re.search(r"HN1-\d{4}", m["Body"]) for m in twilio.messages]
    assert sorted(m.group(0) for m in acked if m) == sorted(numbers)
    assert await _count(db_url, outbox, outbox.c.state == "sent", outbox.c.attempts == 1) == n_msg


async def test_two_workers_send_each_acknowledgement_once(db_url: str, tmp_path: Path) -> None:
    n_ack = 100
    store = await SqlReportStore.open(db_url)
    try:
        for i in range(n_ack):
            await new_report(store, f"SM{i:032d}", prefix="W")
    finally:
        await store.close()

    twilio = FakeTwilio()
    async with serve(twilio.app()) as base:
        env = _env(db_url, tmp_path / "data", base)
        async with _processes([["worker"], ["worker"]], env, tmp_path) as logs:
            await _until(lambda: len(twilio.messages) >= n_ack, DRAIN_TIMEOUT_S, "acks not all sent", logs)
            await asyncio.sleep(2.5)
        worked = [log.read_text("utf-8", "replace").count(": sent on sms") for log in logs]

    bodies = Counter(m["Body"] for m in twilio.messages)
    assert len(bodies) == n_ack and set(bodies.values()) == {1}
    assert sum(worked) == n_ack
    assert await _count(db_url, outbox, outbox.c.state == "sent", outbox.c.attempts == 1) == n_ack


async def test_servers_that_only_commit_and_workers_that_process(db_url: str, tmp_path: Path) -> None:
    """PETITION_INTAKE_PROCESSING=worker: two servers verify and commit, two workers (one holds the
    job at a time) open the reports; every message gets one report, one number, one acknowledgement."""
    n_msg = 80
    ports = _free_ports(2)
    twilio = FakeTwilio()
    senders = [f"+86138{i:08d}" for i in range(n_msg)]
    async with AsyncExitStack() as stack:
        base = await stack.enter_async_context(serve(twilio.app()))
        env = {**_env(db_url, tmp_path / "data", base), "PETITION_INTAKE_PROCESSING": "worker"}
        argvs = [["serve", "--port", str(p)] for p in ports] + [["worker"], ["worker"]]
        logs = await stack.enter_async_context(_processes(argvs, env, tmp_path))
        client = await stack.enter_async_context(httpx.AsyncClient(timeout=30))
        await _wait_healthy(client, ports, logs)

        async def post(i: int) -> int:
            content, headers = _signed(f"SW{i:032d}", senders[i], f"举报审计厅第{i}处处长收受红包{i}次。")
            for _ in range(10):
                r = await client.post(
                    f"http://127.0.0.1:{ports[i % 2]}/hooks/sms", content=content, headers=headers
                )
                if r.status_code != 503:
                    break
                await asyncio.sleep(0.5)
            return r.status_code

        assert Counter(await asyncio.gather(*(post(i) for i in range(n_msg)))) == {200: n_msg}
        await _until(lambda: len(twilio.messages) >= n_msg, DRAIN_TIMEOUT_S, "acks not all sent", logs)
        await asyncio.sleep(2.5)
        working = [
            log.read_text("utf-8", "replace").count("job intake: this process runs it") for log in logs
        ]
        started = [log.read_text("utf-8", "replace") for log in logs]

    assert working[:2] == [0, 0] and sum(working) >= 1  # never a server; a worker at a time
    # Every process says at start which background jobs it runs; only the workers take the SMS.
    assert all("background jobs: outbox (every 1 s); sweep (every 60 s)" in text for text in started)
    assert ["intake (every 0.2 s, one process at a time)" in text for text in started] == [
        False,
        False,
        True,
        True,
    ]
    assert await _count(db_url, reports) == n_msg
    assert sorted(m["To"] for m in twilio.messages) == sorted(senders)
    assert await _count(db_url, outbox, outbox.c.state == "sent", outbox.c.attempts == 1) == n_msg
