"""`petition demo-channels`: chat with the bot as a citizen, against local fakes of Telegram and Twilio.

The playground itself (`playground/`) is not installed with the service: it runs from a checkout of
the source, where this file finds it beside the packages.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import sys
import tempfile
from pathlib import Path
from types import ModuleType

import click


def checkout_playground() -> ModuleType | None:
    """`playground.channels` from the checkout this CLI runs from, or None in an installed copy."""
    root = Path(__file__).resolve().parents[1]
    if not (root / "playground" / "channels.py").is_file():
        return None
    # An editable install maps only the shipped packages: the checkout's root is put on the path.
    if str(root) not in sys.path:
        sys.path.append(str(root))
    return importlib.import_module("playground.channels")


async def _run(module: ModuleType, data_dir: Path, inspection: str | None) -> None:
    async with module.Playground(data_dir, inspection=inspection) as pg:
        await module.run_prompt(pg, input, click.echo)


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

    module = checkout_playground()
    if module is None:
        click.echo(
            "demo-channels runs from a checkout of the source (the playground is not installed)", err=True
        )
        sys.exit(2)

    # The service's INFO lines would bury the conversation; warnings still show.
    configure_logging(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="petition-playground-") as tmp:
        where = data_dir or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        # Ctrl-C ends the playground like :quit, without a traceback.
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(_run(module, where, str(inspection) if inspection else None))
    click.echo("bye")
