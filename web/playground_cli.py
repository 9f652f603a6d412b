"""`petition demo-channels`: chat with the bot as a citizen, against local fakes of Telegram and Twilio."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from pathlib import Path

import click


async def _run(data_dir: Path, inspection: str | None) -> None:
    from web.playground import Playground, run_prompt

    async with Playground(data_dir, inspection=inspection) as pg:
        await run_prompt(pg, input, click.echo)


@click.command("demo-channels")
@click.option(
    "--inspection",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="inspection file to serve (default: the first bundled example)",
)
@click.option(
    "--data-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="keep the playground's database here, to open it later with `serve` (default: a temporary one)",
)
def demo_channels_command(inspection: Path | None, data_dir: Path | None) -> None:
    """Chat with the bot by Telegram or SMS as a citizen would, without the real services."""
    from web.logs import configure_logging

    # The service's INFO lines would bury the conversation; warnings still show.
    configure_logging(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="petition-playground-") as tmp:
        where = data_dir or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        # Ctrl-C ends the playground like :quit, without a traceback.
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(where, str(inspection) if inspection else None))
    click.echo("bye")
