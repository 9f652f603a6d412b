"""`petition keys rotate` and `petition audit verify` (registered in cli/main.py)."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta

import click

from intake.inspection import load_inspection
from storage.crypto import (
    DataKeyError,
    Keyring,
    SealingCodec,
    key_file,
    load_keyring,
    new_key,
    write_key_file,
)
from storage.rekey import RekeyResult, reseal_and_reindex
from storage.retention import purge_inspection
from storage.stores import open_stores
from web.settings import Settings


@click.group()
def keys() -> None:
    """The data keys that seal reporters' identities and texts at rest."""


@keys.command("rotate")
@click.option("--reseal-only", is_flag=True, help="seal under the current key without making a new one")
def keys_rotate(reseal_only: bool) -> None:
    """Make a new data key and re-seal every personal field with it (stop the service first)."""
    settings = Settings()
    try:
        if settings.data_key:
            # A key given in the environment cannot be rewritten from here: the operator puts the
            # new key first in PETITION_DATA_KEY (old ones after it) and runs this to re-seal.
            keyring = load_keyring(settings.data_dir, settings.data_key)
            result = asyncio.run(_reseal(settings, keyring))
            _print(result, keyring)
            if len(keyring.keys) > 1:
                click.echo("every row is sealed with the first key: remove the others from PETITION_DATA_KEY")
            return
        path = key_file(settings.data_dir)
        old = load_keyring(settings.data_dir, None, create=not reseal_only)
        if reseal_only:
            _print(asyncio.run(_reseal(settings, old)), old)
            return
        # New key first, old ones kept until every row is re-sealed: a crash in between leaves a
        # key file that still opens everything, and running the command again finishes the job.
        both = Keyring.from_texts([new_key(), *old.texts()])
        write_key_file(path, both)
        result = asyncio.run(_reseal(settings, both))
        only_new = Keyring.from_texts(both.texts()[:1])
        write_key_file(path, only_new)
        _print(result, only_new)
        click.echo(f"old key(s) {', '.join(k for k in old.keys)} removed from {path}; restart the service")
    except DataKeyError as exc:
        click.echo(f"keys rotate: {exc}", err=True)
        sys.exit(2)


async def _reseal(settings: Settings, keyring: Keyring) -> RekeyResult:
    codec = SealingCodec(keyring)
    stores = await open_stores(settings.resolved_database_url(), codec)
    try:
        return await reseal_and_reindex(stores.db, codec)
    finally:
        await stores.close()


def _print(result: RekeyResult, keyring: Keyring) -> None:
    for table, scanned in result.scanned.items():
        click.echo(f"{table}: {scanned} rows, {result.rewritten[table]} re-sealed")
    click.echo(f"current key: {keyring.current}")


@click.group()
def audit() -> None:
    """The append-only, hash-chained audit log."""


@audit.command("verify")
def audit_verify() -> None:
    """Check the audit log's hash chain; exit 1 when an entry was edited, deleted or reordered."""
    settings = Settings()

    async def run() -> int:
        stores = await open_stores(settings.resolved_database_url())
        try:
            found = await stores.audit.verify_audit_chain()
        finally:
            await stores.close()
        click.echo(f"audit log: {found.entries} entries, {found.unchained} written before the chain began")
        click.echo(f"head: {found.head}  (keep this to detect a later rewrite or truncation)")
        for problem in found.problems:
            click.echo(f"BROKEN {problem}", err=True)
        return 0 if found.ok else 1

    sys.exit(asyncio.run(run()))


@click.group()
def retention() -> None:
    """Archiving and purging the reports of inspections whose period has long ended."""


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="say what would be purged, change nothing")
def retention_run(dry_run: bool) -> None:
    """Archive (sealed) then purge every inspection past PETITION_RETENTION_DAYS; open transfers block."""
    from web.app import data_codec, load_inspection_files

    settings = Settings()
    if settings.retention_days is None:
        click.echo("retention: PETITION_RETENTION_DAYS is not set; nothing is purged", err=True)
        sys.exit(2)
    now = datetime.now(UTC)
    inspections = {i: load_inspection(p) for i, p in load_inspection_files(settings).items()}
    due = [
        ins.id
        for ins in inspections.values()
        if ins.period.end + timedelta(days=settings.retention_days) < now.astimezone(ins.tz).date()
    ]

    async def run() -> int:
        codec = data_codec(settings)
        stores = await open_stores(settings.resolved_database_url(), codec)
        blocked = 0
        try:
            for inspection_id in due:
                result = await purge_inspection(
                    stores,
                    inspection_id,
                    archive_dir=settings.data_dir / "archive",
                    seal_file=codec.seal_file,
                    now=now,
                    dry_run=dry_run,
                )
                if result.blocked_by:
                    blocked += 1
                    click.echo(f"{inspection_id}: kept, transfers still open: {', '.join(result.blocked_by)}")
                    continue
                verb = "would purge" if dry_run else "purged"
                click.echo(f"{inspection_id}: {verb} {result.reports} reports, {result.messages} messages")
                if result.archive is not None:
                    click.echo(f"  archive: {result.archive}")
        finally:
            await stores.close()
        if not due:
            click.echo("retention: no inspection is past its retention time")
        return 1 if blocked else 0

    sys.exit(asyncio.run(run()))
