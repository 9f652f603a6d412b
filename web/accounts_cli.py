"""`petition user add` and `petition token create`: accounts from the command line."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime

import click

from storage.desk import SqlDeskStore
from web.auth import ROLES, hash_password, password_problem
from web.identity import new_token, token_hash
from web.settings import Settings


def _read_password() -> str:
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    # Piped: the first line of standard input (for scripts and tests).
    return sys.stdin.readline().rstrip("\r\n")


@click.group("user")
def user_group() -> None:
    """Duty officers' accounts."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--inspections", default="*", show_default=True, help="inspection ids the account may see")
def user_add(name: str, role: str, inspections: str) -> None:
    """Create an account; the password comes from the terminal, or from stdin when piped."""
    password = _read_password()
    problem = password_problem(password)
    if problem:
        click.echo(f"error: {problem} (password too weak)", err=True)
        sys.exit(2)

    async def run() -> None:
        store = await SqlDeskStore.open(Settings().resolved_database_url())
        try:
            await store.add_user(name, role, hash_password(password), datetime.now(UTC), inspections)
        finally:
            await store.close()

    try:
        asyncio.run(run())
    except ValueError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)
    click.echo(f"created {role} {name}")


@click.group("token")
def token_group() -> None:
    """API tokens for scripts and integrations."""


@token_group.command("create")
@click.option("--user", "name", required=True)
def token_create(name: str) -> None:
    """Print a new API token for an account (shown once; only its hash is kept)."""

    async def run() -> str | None:
        store = await SqlDeskStore.open(Settings().resolved_database_url())
        try:
            user = await store.get_user(name)
            if user is None:
                return None
            token = new_token()
            await store.add_token(user.pk, token_hash(token), datetime.now(UTC))
            return token
        finally:
            await store.close()

    token = asyncio.run(run())
    if token is None:
        click.echo(f"error: no user {name!r}", err=True)
        sys.exit(1)
    click.echo(token)
