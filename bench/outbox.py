"""How fast the outbox drains acknowledgements to a local fake Twilio (`bench.apps twilio`, its own
process): N queued acknowledgements to N citizens, `OutboxWorker.run_once()` until none is left,
with the service's defaults (PETITION_OUTBOX_IN_FLIGHT, one kept-alive client). Goal: >= 300/s."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.intake import Procs, free_port, server_env
from bench.wrk import FROM, SID, TOKEN

GOAL_PER_S = 300.0


@dataclass
class Drain:
    """One drain: how many, how long, the load average at its end."""

    sent: int
    seconds: float
    load: float

    @property
    def per_second(self) -> float:
        """Acknowledgements sent per second."""
        return self.sent / self.seconds


async def drain_once(url: str, port: int, n: int) -> Drain:
    """Queue `n` acknowledgements in the database at `url`, then drain them to the fake."""
    from bot.sms import TwilioSmsSender
    from intake.models import Channel
    from intake.outbox import OutboxWorker
    from intake.ports import NewAck
    from intake.service import SystemClock
    from storage.crypto import SealingCodec, load_keyring
    from storage.stores import open_stores

    codec = SealingCodec(load_keyring(Path("/nonexistent"), os.environ.get("BENCH_DATA_KEY")))
    stores = await open_stores(url, codec)
    sender = TwilioSmsSender(
        account_sid=SID, auth_token=TOKEN, from_number=FROM, api_base=f"http://127.0.0.1:{port}"
    )
    try:
        now = datetime.now(UTC)
        for i in range(n):
            ack = NewAck(Channel.SMS, f"+86139{i:08d}", f"您反映的问题已收到，编号MZ-{i:05d}。", "in_scope")
            await stores.outbox.enqueue_ack(None, ack, now)
        worker = OutboxWorker(stores.outbox, {Channel.SMS: sender}, SystemClock())
        start = time.perf_counter()
        sent = 0
        while taken := await worker.run_once():
            sent += taken
        return Drain(sent, time.perf_counter() - start, os.getloadavg()[0])
    finally:
        await sender.aclose()
        await stores.close()


async def bench_outbox(
    workdir: Path, database: object, pg_url: str, backends: list[str], runs: int, n: int
) -> dict[str, list[Drain]]:
    """The drain rate per backend, `runs` times each on a fresh database."""
    from storage.crypto import new_key

    os.environ["BENCH_DATA_KEY"] = new_key()
    port = free_port()
    fake = Procs()
    fake.start(
        [sys.executable, "-m", "bench.apps", "twilio", str(port)],
        server_env("sqlite://", workdir, port, "unused"),
        workdir / "twilio-outbox.log",
    )
    await asyncio.sleep(1.5)
    out: dict[str, list[Drain]] = {}
    try:
        for backend in backends:
            for run in range(runs):
                async with database(backend, workdir, pg_url, f"outbox{run}") as url:  # type: ignore[operator]
                    d = await drain_once(url, port, n)
                out.setdefault(backend, []).append(d)
                print(
                    f"  outbox {backend}: {d.sent} sent in {d.seconds:.2f} s, "
                    f"{d.per_second:.0f}/s [load {d.load:.1f}]",
                    flush=True,
                )
    finally:
        fake.stop()
    return out


def render_outbox(results: dict[str, list[Drain]], n: int) -> list[str]:
    """The outbox section of docs/benchmarks.md."""
    import statistics

    out = [
        "## Outbox: acknowledgements drained to a local fake Twilio",
        "",
        f"{n:,} acknowledgements queued to {n:,} citizens, then `OutboxWorker.run_once()` until none",
        "is left: batches of 100, at most 32 sends in flight, one kept-alive HTTP client, no rate",
        "set; the fake Twilio (`tests/fakes/twilio_api.py`) runs in its own process. Goal: 300/s.",
        "",
        "| backend | acknowledgements/s | goal met | load |",
        "|---|---:|---|---:|",
    ]
    for backend, drains in results.items():
        rate = statistics.median(d.per_second for d in drains)
        load = statistics.median(d.load for d in drains)
        out.append(f"| {backend} | {rate:,.0f} | {'yes' if rate >= GOAL_PER_S else '**no**'} | {load:.1f} |")
    return [*out, ""]
