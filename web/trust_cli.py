"""`petition keys rotate` and `petition audit verify` (registered in web/cli.py)."""

from __future__ import annotations

import asyncio
import sys

import click

from storage.crypto import (
    DataKeyError,
    Keyring,
    SealingCodec,
    key_file,
    load_keyring,
    new_key,
    write_key_file,
)
from storage.rekey import RekeyResult, reseal_all
from storage.store import SqlReportStore
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
    store = await SqlReportStore.open(settings.resolved_database_url(), codec=codec)
    try:
        return await reseal_all(store.engine, codec)
    finally:
        await store.close()


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
        store = await SqlReportStore.open(settings.resolved_database_url())
        try:
            found = await store.verify_audit_chain()
        finally:
            await store.close()
        click.echo(f"audit log: {found.entries} entries, {found.unchained} written before the chain began")
        click.echo(f"head: {found.head}  (keep this to detect a later rewrite or truncation)")
        for problem in found.problems:
            click.echo(f"BROKEN {problem}", err=True)
        return 0 if found.ok else 1

    sys.exit(asyncio.run(run()))
