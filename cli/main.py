"""The `petition` command: serve, worker, classify, check-inspection."""

from __future__ import annotations

import asyncio
import io
import logging
import socket
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING

import click

if TYPE_CHECKING:
    from intake.inspection import Inspection
    from web.settings import Settings


# The commands of other modules, loaded when one of them runs: `petition serve` imports only what
# it needs before it listens (see web/starting.py), not every command's dependencies.
LAZY_COMMANDS = {
    "keys": "cli.trust:keys",
    "audit": "cli.trust:audit",
    "retention": "cli.trust:retention",
    "user": "cli.accounts:user_group",
    "token": "cli.accounts:token_group",
    "db": "cli.db:db_group",
    "digest": "cli.followup:digest_command",
    "demo-channels": "cli.playground:demo_channels_command",
    "model": "cli.model:model_group",
}


class LazyGroup(click.Group):
    """A group whose commands in LAZY_COMMANDS are imported when asked for."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS and cmd_name not in self.commands:
            import importlib

            module, attr = LAZY_COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attr), cmd_name)
        return super().get_command(ctx, cmd_name)


def _load_or_exit(path: Path) -> Inspection:
    from intake.errors import InspectionError
    from intake.inspection import load_inspection

    try:
        return load_inspection(path)
    except InspectionError as exc:
        click.echo(f"{exc.source}: invalid inspection file", err=True)
        for problem in exc.problems:
            click.echo(f"  - {problem}", err=True)
        sys.exit(2)


@click.group(cls=LazyGroup)
@click.version_option(package_name="petition-intake")
def main() -> None:
    """petition-intake: take in citizens' reports, decide scope and route, acknowledge."""


@main.command("check-inspection")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
def check_inspection(file: Path) -> None:
    """Validate an inspection file and print a summary of it."""
    from routing.divisions import load_divisions

    ins = _load_or_exit(file)
    divisions = load_divisions()
    target_region = divisions.full_name(ins.target.region) or ins.target.region
    click.echo(f"{ins.id}: {ins.team} ({ins.committee_level} committee, {ins.kind})")
    where = f"{target_region} {ins.target.region}"
    click.echo(f"  target:   {ins.target.name} ({ins.target.type}, {ins.target.level}, {where})")
    if ins.target.aliases:
        click.echo(f"  aliases:  {', '.join(ins.target.aliases)}")
    click.echo(f"  period:   {ins.period.start} to {ins.period.end}")
    click.echo(f"  hours:    {ins.hours.days} {', '.join(ins.hours.ranges)} ({ins.timezone})")
    channels = ins.channels
    listed = [
        f"{name}: {', '.join(values)}"
        for name, values in (("phone", channels.phone), ("sms", channels.sms), ("email", channels.email))
        if values
    ]
    if channels.post:
        listed.append(f"post: {channels.post}")
    if channels.telegram:
        listed.append(f"telegram: {channels.telegram}")
    click.echo(f"  channels: {'; '.join(listed) or 'none listed'}")
    click.echo(f"  tiers:    {', '.join(t.value for t in ins.scope.tiers)}")
    if ins.scope.people:
        click.echo(f"  roster:   {', '.join(f'{p.name} ({p.post})' for p in ins.scope.people)}")
    click.echo(f"  tracking numbers: {ins.prefix}-0001, {ins.prefix}-0002, ...")


@main.command()
@click.option(
    "--inspection", "inspection_path", required=True, type=click.Path(path_type=Path, dir_okay=False)
)
@click.option("--input", "input_path", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option("--output", "output_path", type=click.Path(path_type=Path, dir_okay=False), default=None)
def classify(inspection_path: Path, input_path: Path | None, output_path: Path | None) -> None:
    """Decide every message of a JSON Lines file (classify-contract.md)."""
    from intake.batch import run_batch
    from intake.pipeline import decide

    inspection = _load_or_exit(inspection_path)
    source: IO[bytes] = input_path.open("rb") if input_path else sys.stdin.buffer
    # UTF-8 whatever the terminal's locale says: the contract's output is UTF-8 JSON Lines.
    sink: IO[str] = (
        output_path.open("w", encoding="utf-8", newline="\n")
        if output_path
        else io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n", write_through=True)
    )

    def progress(lines: Iterable[bytes]) -> Iterable[bytes]:
        from tqdm import tqdm

        bar: Iterable[bytes] = tqdm(lines, desc="classify", unit=" msg", file=sys.stderr)
        return bar

    try:
        result = run_batch(inspection, source, sink, decide, progress if sys.stderr.isatty() else None)
    finally:
        if output_path:
            sink.close()
        else:
            sink.flush()
            sink.detach()  # type: ignore[attr-defined]
        if input_path:
            source.close()
    if result.bad:
        click.echo(f'{result.bad} of {result.read} lines were bad (see their "error" field)', err=True)
    sys.exit(result.exit_code)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--telegram-polling", is_flag=True, help="fetch Telegram updates by long polling")
@click.option(
    "--reuse-port",
    is_flag=True,
    help="share the port with other `serve` processes (SO_REUSEPORT: the kernel spreads connections)",
)
@click.option("--demo", is_flag=True, help="a demo: the period open today (演示) and a demo officer")
def serve(host: str, port: int, telegram_polling: bool, reuse_port: bool, demo: bool) -> None:
    """Start the service (web page, API, webhooks, outbox worker)."""
    import uvicorn

    from storage.probe import database_answers
    from web.settings import Settings
    from web.starting import StartingApp, freeze_heap

    _configure_logging()
    settings = Settings()
    if telegram_polling:
        settings = settings.model_copy(update={"telegram_polling": True})
    if demo:
        settings = settings.model_copy(update={"demo": True})
        _demo_officer(settings)
    from intake.textmodel import ModelError, activate

    # Before listening: a service that cannot decide must not take in reports, nor say it is alive.
    try:
        activate(settings.active_model_path())
    except ModelError as exc:
        click.echo(f"cannot start: {exc}", err=True)
        sys.exit(2)
    url = settings.resolved_database_url()
    click.echo(f"petition-intake on http://{host}:{port}/  (data: {url})")
    failed: list[BaseException] = []

    def load() -> object:
        from bot.registry import channel_status
        from web.app import create_app

        app = create_app(settings, run_worker=True)
        from intake.pipeline import settle

        settle()  # here, in the loading thread: the first message does not build the scanner
        for name, state in channel_status(settings).items():
            click.echo(f"  channel {name}: {state}")
        return app

    def stop(exc: BaseException) -> None:
        failed.append(exc)
        server.should_exit = True

    hsts = settings.public_url.startswith("https://")
    app = StartingApp(load, lambda: database_answers(url), stop, hsts=hsts, settle=freeze_heap)
    # log_config=None: uvicorn's records go through the root handler and its masking filter.
    config = uvicorn.Config(app, host=host, port=port, log_level="info", access_log=False, log_config=None)
    server = uvicorn.Server(config)
    server.run(sockets=[_shared_socket(host, port)] if reuse_port else None)
    if failed:
        logging.getLogger(__name__).error("could not start", exc_info=failed[0])
        click.echo(f"cannot start: {failed[0]}", err=True)
        sys.exit(2)


def _shared_socket(host: str, port: int) -> socket.socket:
    """A listening address several processes bind at once; each takes its share of connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _demo_officer(settings: Settings) -> None:
    """The first demo start creates an officer and shows its password this once."""
    from web.demo import DEMO_OFFICER, ensure_demo_officer

    password = asyncio.run(ensure_demo_officer(settings))
    if password:
        click.echo(f"demo officer: {DEMO_OFFICER}  password: {password}  (shown once; only its hash is kept)")


@main.command()
def worker() -> None:
    """Run the outbox and background jobs apart from `serve` (and, with
    PETITION_INTAKE_PROCESSING=worker, open the reports of the SMS the servers committed)."""
    from web.app import run_worker
    from web.settings import Settings

    _configure_logging()
    asyncio.run(run_worker(Settings()))


@main.group()
def channels() -> None:
    """The citizen-facing channels (SMS, Telegram, e-mail)."""


@channels.command("check")
def channels_check() -> None:
    """Say which channels are on and verify their credentials against the real services."""
    from bot.registry import channel_status, check_channels
    from web.settings import Settings

    settings = Settings()
    for name, state in channel_status(settings).items():
        click.echo(f"{name}: {state}")
    results = asyncio.run(check_channels(settings))
    for name, result in results.items():
        click.echo(f"check {name}: {result}")
    if any(r.startswith("FAILED") for r in results.values()):
        sys.exit(1)


def _configure_logging() -> None:
    # No identity in the logs: libraries quieted, phone numbers and addresses masked (web/logs.py).
    from web.logs import configure_logging

    configure_logging(logging.INFO)


if __name__ == "__main__":
    main()
