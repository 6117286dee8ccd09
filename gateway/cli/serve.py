from __future__ import annotations

import asyncio

import asyncpg
import click
import uvicorn

from gateway.app import create_app
from gateway.cli.common import settings_of
from gateway.database import database_url
from gateway.migrations import migrate
from gateway.settings import Settings


async def _prepare(url: str, *, settings: Settings, demo: bool) -> None:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        if demo and not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM apps)"):
            from gateway.demo import build_demo

            click.echo("building the demo world...")
            summary = await build_demo(conn, today=settings.current_day())
            click.echo(summary.describe())
    finally:
        await conn.close()


@click.command("serve")
@click.option("--host", default=None, help="Interface to listen on [MINIS_HOST, 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [MINIS_PORT, 8000].")
@click.option("--demo", is_flag=True, help="Build the demo world first if the database is empty.")
@click.pass_context
def serve_command(ctx: click.Context, host: str | None, port: int | None, demo: bool) -> None:
    """Serve the gateway over HTTP (migrating the database first)."""
    settings = settings_of(ctx)
    with database_url(settings) as url:
        asyncio.run(_prepare(url, settings=settings, demo=demo))
        app = create_app(settings=settings, database_url=url)
        bind_host, bind_port = host or settings.host, port or settings.port
        click.echo(f"minis is serving on http://{bind_host}:{bind_port} (health: /healthz)")
        uvicorn.run(app, host=bind_host, port=bind_port, log_level="info")
