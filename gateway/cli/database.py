from __future__ import annotations

import asyncpg
import click

from gateway.cli.common import run_migrated, settings_of


@click.command("migrate")
@click.pass_context
def migrate_command(ctx: click.Context) -> None:
    """Apply the SQL migrations of sql/ that are not applied yet."""

    async def applied(conn: asyncpg.Connection) -> int:
        return int(await conn.fetchval("SELECT count(*) FROM minis_migrations"))

    total = run_migrated(settings_of(ctx), applied)
    click.echo(f"database is at migration {total}")
