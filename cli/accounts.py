"""`petition user add` and `petition token create`: accounts from the command line."""

from __future__ import annotations

import asyncio
import re
import sys
from datetime import UTC, datetime

import click

from storage.stores import open_stores
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


def served_inspections(value: str, settings: Settings) -> str:
    """`--inspections` as stored: "*", or the ids (comma- or space-separated) of served inspections.

    An unknown id (a typo) would be stored as it is and give the account a queue that stays empty
    without a word, or the rights to an inspection added later under that id: refused instead."""
    from web.app import load_inspection_files

    wanted = [part for part in re.split(r"[\s,]+", value.strip()) if part]
    if wanted == ["*"]:
        return "*"
    known = set(load_inspection_files(settings))
    unknown = [part for part in wanted if part not in known]
    if unknown or not wanted:
        listed = ", ".join(sorted(known)) or "none"
        raise click.BadParameter(
            f"unknown inspection id(s): {', '.join(unknown) or '(empty)'}; served: {listed}; or '*' for all",
            param_hint="--inspections",
        )
    return " ".join(dict.fromkeys(wanted))


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--inspections", default="*", show_default=True, help="inspection ids the account may see")
def user_add(name: str, role: str, inspections: str) -> None:
    """Create an account; the password comes from the terminal, or from stdin when piped."""
    settings = Settings()
    inspections = served_inspections(inspections, settings)
    password = _read_password()
    problem = password_problem(password)
    if problem:
        click.echo(f"error: {problem} (password too weak)", err=True)
        sys.exit(2)

    async def run() -> None:
        store = await open_stores(settings.resolved_database_url())
        try:
            await store.users.add_user(name, role, hash_password(password), datetime.now(UTC), inspections)
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
        store = await open_stores(Settings().resolved_database_url())
        try:
            user = await store.users.get_user(name)
            if user is None:
                return None
            token = new_token()
            await store.users.add_token(user.pk, token_hash(token), datetime.now(UTC))
            return token
        finally:
            await store.close()

    token = asyncio.run(run())
    if token is None:
        click.echo(f"error: no user {name!r}", err=True)
        sys.exit(1)
    click.echo(token)
