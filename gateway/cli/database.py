from __future__ import annotations

import asyncio

import click

from gateway.cli.common import connect, settings_of
from gateway.database import database_url
from gateway.migrations import migrate


async def _migrate(url: str) -> tuple[list[str], list[str]]:
    conn = await connect(url)
    try:
        applied = await migrate(conn)
        rows = await conn.fetch(
            "SELECT version || '_' || name AS migration FROM minis_migrations ORDER BY version"
        )
        return applied, [row["migration"] for row in rows]
    finally:
        await conn.close()


@click.command("migrate")
@click.pass_context
def migrate_command(ctx: click.Context) -> None:
    """Apply the SQL migrations of sql/ that are not applied yet."""
    with database_url(settings_of(ctx)) as url:
        applied, recorded = asyncio.run(_migrate(url))
    named = {migration.split("_", 1)[0]: migration for migration in recorded}
    for version in applied:
        click.echo(f"applied {named[version]}")
    if not applied:
        click.echo("nothing to apply")
    latest = recorded[-1] if recorded else "none"
    click.echo(f"database is at migration {latest} ({len(recorded)} applied)")
