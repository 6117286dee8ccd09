from __future__ import annotations

import asyncio
import shutil
import subprocess

import click

from gateway.cli.common import connect, settings_of
from gateway.database import database_url, redacted
from gateway.migrations import migrate
from semantic.engines import Engine


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


async def _migrate_clickhouse(url: str) -> tuple[list[str], int]:
    from gateway.cli.clickhouse import migrate_clickhouse, open_clickhouse

    client = await open_clickhouse(url)
    try:
        applied = await migrate_clickhouse(client)
        rows = await client.query("SELECT count() AS n FROM minis_migrations FINAL")
        return applied, int(rows[0]["n"])
    finally:
        await client.close()


@click.command("migrate")
@click.pass_context
def migrate_command(ctx: click.Context) -> None:
    """Apply the SQL migrations of sql/ that are not applied yet (and, with ClickHouse as the
    analytics engine, those of sql/clickhouse/ there)."""
    settings = settings_of(ctx)
    with database_url(settings) as url:
        applied, recorded = asyncio.run(_migrate(url))
    named = {migration.split("_", 1)[0]: migration for migration in recorded}
    for version in applied:
        click.echo(f"applied {named[version]}")
    if not applied:
        click.echo("nothing to apply")
    latest = recorded[-1] if recorded else "none"
    click.echo(f"database is at migration {latest} ({len(recorded)} applied)")
    if settings.engine is Engine.CLICKHOUSE and settings.database_url:
        done, count = asyncio.run(_migrate_clickhouse(settings.database_url))
        for version in done:
            click.echo(f"applied clickhouse/{version}")
        click.echo(
            f"ClickHouse at {redacted(settings.database_url)}: {len(done)} applied now, "
            f"{count} in all"
        )


@click.command(
    "psql", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False}
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@click.pass_context
def psql_command(ctx: click.Context, args: tuple[str, ...]) -> None:
    """Open psql on the database the other commands use; ARGS go to psql.

    The embedded PostgreSQL (without MINIS_DATABASE_URL) is started, or joined, for as long as
    psql runs, e.g. `minis psql -c "SELECT count(*) FROM launches"`.
    """
    psql = shutil.which("psql")
    if psql is None:
        raise click.ClickException(
            "psql is not installed; install PostgreSQL's client (e.g. apt-get install "
            "postgresql-client) and run this again"
        )
    with database_url(settings_of(ctx)) as url:
        click.echo(f"psql on {redacted(url)}", err=True)
        code = subprocess.call([psql, url, *args])
    ctx.exit(code)
