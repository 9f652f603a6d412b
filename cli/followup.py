"""`petition digest`: print the daily digest, or queue it by e-mail to each team (`--send`)."""

from __future__ import annotations

import asyncio
import io
import sys

import click


async def _digest(send: bool, inspection: str | None) -> int:
    from intake.service import SystemClock
    from web.app import build_runtime
    from web.digest import digest_text
    from web.followup import digest_for, send_digests
    from web.settings import Settings

    rt = await build_runtime(Settings())
    try:
        now = SystemClock().now()
        if inspection is not None and inspection not in rt.inspections:
            click.echo(f"digest: unknown inspection {inspection!r}", err=True)
            return 2
        ids = [inspection] if inspection else list(rt.inspections)
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", write_through=True)
        for ins_id in ids:
            digest = await digest_for(rt, (ins_id,), now)
            out.write(digest_text(digest, rt.inspections[ins_id].team, rt.settings.public_url) + "\n")
        out.detach()
        if send:
            # Queued in the outbox: `petition worker` (or `serve`) sends it with retries.
            for ins_id, address, items in await send_digests(rt, now, ids):
                where = address or "no e-mail address in the inspection file ([channels] email)"
                click.echo(f"{ins_id}: {items} items -> {where}", err=True)
        return 0
    finally:
        await rt.stores.close()


@click.command("digest")
@click.option("--send", is_flag=True, help="queue the digest by e-mail to each team's address")
@click.option("--inspection", default=None, help="only this inspection (id)")
def digest_command(send: bool, inspection: str | None) -> None:
    """The daily digest: overdue and nearly due transfers, undecided items, failed messages."""
    sys.exit(asyncio.run(_digest(send, inspection)))
