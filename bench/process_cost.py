"""CPU per message of the webhook's two halves, without HTTP and whatever the machine's load.

`python -m bench.process_cost [--messages 2000] [--profile]`: on a fresh SQLite file, commits
--messages inbound SMS through `SmsIntake.take` (the answer path: group-committed raw rows),
then processes them through `SmsIntake.process` in batches of 50 (decide, number, index, outbox,
audit), and prints each half's CPU seconds per message (this thread's and the process's, the
latter counting aiosqlite's thread). CPU time, unlike req/s, does not depend on what else the
machine runs. `--profile` prints cProfile's top functions of the processing half.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import random
import tempfile
import time
from pathlib import Path

from bench.run import _data_key, real_texts
from bench.wrk import FROM

BATCH = 50


async def measure(n: int, profile: bool, freeze: bool = True) -> None:
    """Commit `n` messages, then process them; print the CPU per message of each half."""
    from bot.sms import sms_of
    from intake.flow import ChannelIntake, SmsIntake
    from web.app import build_runtime
    from web.settings import Settings

    texts = real_texts()
    rng = random.Random(1)
    with tempfile.TemporaryDirectory(prefix="process-cost-") as tmp:
        settings = Settings(data_dir=Path(tmp), data_key=_data_key())
        rt = await build_runtime(settings)
        sms = SmsIntake(ChannelIntake(rt.service), inline=False)
        forms = [
            {
                "MessageSid": f"SMcost{i:010d}",
                "From": f"+861{rng.randrange(30, 90)}{rng.randrange(10**8):08d}",
                "To": FROM,
                "Body": texts[rng.randrange(len(texts))][:300],
                "NumSegments": "1",
            }
            for i in range(n)
        ]
        t0, c0 = time.thread_time(), time.process_time()
        # 16 at a time, as wrk's connections: the group commit takes them together.
        for i in range(0, n, 16):
            await asyncio.gather(*(sms.take(sms_of(f)) for f in forms[i : i + 16]))
        t1, c1 = time.thread_time(), time.process_time()
        raws = list(await rt.stores.messages.unprocessed_messages(limit=n))
        # The model and the lexicons load on first use: not part of a message's cost. `serve` and
        # `worker` load them at start and freeze them out of the collector's passes (settle()).
        rt.service.decide(raws[0])
        if freeze:
            from intake.pipeline import settle

            settle()
        prof = cProfile.Profile() if profile else None
        t2, c2 = time.thread_time(), time.process_time()
        if prof is not None:
            prof.enable()
        for i in range(0, len(raws), BATCH):
            await sms.process(raws[i : i + BATCH])
        if prof is not None:
            prof.disable()
        t3, c3 = time.thread_time(), time.process_time()
        left = len(await rt.stores.messages.unprocessed_messages(limit=n))
        await rt.worker.aclose()
        await rt.stores.close()
    per = 1000.0 / n
    print(f"{n} messages, {left} left unprocessed")
    print(f"answer path (commit): {(t1 - t0) * per:.3f} ms this thread, {(c1 - c0) * per:.3f} ms process")
    print(f"processing:           {(t3 - t2) * per:.3f} ms this thread, {(c3 - c2) * per:.3f} ms process")
    if prof is not None:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())


def main() -> None:
    """Parse the arguments and measure."""
    p = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    p.add_argument("--messages", type=int, default=2000)
    p.add_argument("--profile", action="store_true")
    p.add_argument("--no-freeze", action="store_true", help="leave the loaded data in the collector's passes")
    args = p.parse_args()
    asyncio.run(measure(args.messages, args.profile, not args.no_freeze))


if __name__ == "__main__":
    main()
