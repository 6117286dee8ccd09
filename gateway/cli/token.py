from __future__ import annotations

import asyncpg
import click

from gateway.cli.common import run_migrated, settings_of
from gateway.tokens import create_token, revoke_token


@click.group("token")
def token_group() -> None:
    """Create, list and revoke bearer tokens."""


@token_group.command("create")
@click.option("--owner", default=None, help="Owner whose apps the token sees.")
@click.option("--admin", is_flag=True, help="A token that sees every app.")
@click.option("--label", default="", help="A note to recognise the token by.")
@click.pass_context
def create_command(ctx: click.Context, owner: str | None, admin: bool, label: str) -> None:
    """Make a token and print it; it is shown only this once."""
    if admin == (owner is not None):
        raise click.UsageError("give exactly one of --owner OWNER or --admin")

    async def work(conn: asyncpg.Connection) -> str:
        issued = await create_token(conn, owner_id=owner, admin=admin, label=label)
        return (
            f"{issued.token}\n(token id {issued.token_id}; keep the token secret, it is not stored)"
        )

    click.echo(run_migrated(settings_of(ctx), work))


@token_group.command("revoke")
@click.argument("token_id")
@click.pass_context
def revoke_command(ctx: click.Context, token_id: str) -> None:
    """Revoke a token by its id (the part after `minis_`)."""

    async def work(conn: asyncpg.Connection) -> bool:
        return await revoke_token(conn, token_id=token_id)

    if not run_migrated(settings_of(ctx), work):
        raise click.ClickException(f"no active token with id {token_id}")
    click.echo(f"revoked {token_id}")


@token_group.command("list")
@click.pass_context
def list_command(ctx: click.Context) -> None:
    """List tokens (ids, owners, labels; never the secrets)."""

    async def work(conn: asyncpg.Connection) -> list[asyncpg.Record]:
        rows: list[asyncpg.Record] = await conn.fetch(
            "SELECT token_id, owner_id, admin, label, created_at, revoked_at FROM api_tokens"
            " ORDER BY created_at"
        )
        return rows

    rows = run_migrated(settings_of(ctx), work)
    if not rows:
        click.echo("no tokens yet; `minis token create --admin` makes one")
    for row in rows:
        who = "admin" if row["admin"] else f"owner {row['owner_id']}"
        state = f"revoked {row['revoked_at']:%Y-%m-%d}" if row["revoked_at"] else "active"
        click.echo(f"{row['token_id']}  {who}  {state}  {row['label']}")
