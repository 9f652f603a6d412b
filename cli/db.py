"""`petition db`: database chores; `db copy` moves a team's data between SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import sys

import click


@click.group("db")
def db_group() -> None:
    """The database: copy it from one backend to another."""


@db_group.command("copy")
@click.option("--from", "source", required=True, help="source URL, e.g. sqlite:///data/petition.sqlite3")
@click.option("--to", "destination", required=True, help="destination URL, e.g. postgresql://user@host/db")
@click.option("--force", is_flag=True, help="replace whatever the destination holds")
def db_copy(source: str, destination: str, force: bool) -> None:
    """Copy every table (schema migrated first), check each table's row count, then commit."""
    from storage.copy import CopyError, copy_database, redact

    click.echo(f"copying {redact(source)} -> {redact(destination)}", err=True)

    def progress(table: str, rows: int) -> None:
        click.echo(f"  {table}: {rows} rows", err=True)

    try:
        result = asyncio.run(copy_database(source, destination, force=force, progress=progress))
    except CopyError as exc:
        click.echo(f"db copy: {exc}", err=True)
        sys.exit(1)
    width = max(len(r.name) for r in result)
    click.echo(f"{'table':<{width}}  {'source':>10}  {'copied':>10}")
    for r in result:
        click.echo(f"{r.name:<{width}}  {r.source_rows:>10}  {r.copied_rows:>10}")
    click.echo(f"{sum(r.copied_rows for r in result)} rows in {len(result)} tables; counts checked")
