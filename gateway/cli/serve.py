from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from types import FrameType
from typing import Any

import asyncpg
import click
import uvicorn
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.cli.common import LOG_FORMAT_KEY, connect, settings_of
from gateway.database import database_url
from gateway.migrations import migrate
from gateway.reloading import ServedModels
from gateway.settings import Settings
from gateway.tokens import create_token
from semantic.engines import Engine
from semantic.issues import ModelError
from semantic.loader import MODELS_DIR, load_model

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Stop(Exception):
    pass


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop(signum)


async def _prepare_clickhouse(conn: asyncpg.Connection, *, settings: Settings, demo: bool) -> None:
    """Migrate ClickHouse; with `demo`, copy the demo world there if it has no apps (building
    it in PostgreSQL first if that has none either) and decide its privacy cells."""
    from gateway.cli.clickhouse import migrate_clickhouse, open_clickhouse
    from gateway.cli.demo import demo_on_clickhouse

    assert settings.database_url is not None
    client = await open_clickhouse(settings.database_url)
    try:
        await migrate_clickhouse(client)
        if demo:
            click.echo(await demo_on_clickhouse(settings, when_empty=True)(conn, client))
    finally:
        await client.close()


async def _prepare(url: str, *, settings: Settings, demo: bool) -> str | None:
    """Migrate; with `demo`, build the demo world if the database is empty and return a fresh
    admin token to explore it with. With ClickHouse as the analytics engine, `url` is the
    control plane's PostgreSQL, and the demo world is copied to ClickHouse."""
    conn = await connect(url)
    try:
        await migrate(conn)
        if settings.engine is Engine.CLICKHOUSE:
            await _prepare_clickhouse(conn, settings=settings, demo=demo)
            if not demo:
                return None
            issued = await create_token(conn, owner_id=None, admin=True, label="serve --demo")
            return issued.token
        if not demo:
            return None
        if not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM apps)"):
            from gateway.demo import build_demo

            click.echo("building the demo world...")
            summary = await build_demo(conn, today=settings.current_day())
            click.echo(summary.describe())
        # derived tables up to the reporting day: a no-op when they are current
        from gateway.storage.refresh import refresh
        from semantic.loader import load_model

        built = await refresh(
            conn,
            model=load_model(settings.models_dir) if settings.models_dir else load_model(),
            reporting_day=settings.reporting_day(),
            late_days=settings.late_days,
        )
        click.echo(built.describe())
        issued = await create_token(conn, owner_id=None, admin=True, label="serve --demo")
        return issued.token
    finally:
        await conn.close()


async def _serve(app: Starlette, *, settings: Settings, watch: bool, json_logs: bool) -> None:
    """uvicorn, with SIGHUP (and with `watch`, a change of a model file) reloading the model.
    With JSON logs, uvicorn logs through them and leaves each request's line to the gateway."""
    served: ServedModels = app.state.served
    logging_options: dict[str, Any] = {"log_config": None, "access_log": False} if json_logs else {}
    server = uvicorn.Server(
        uvicorn.Config(
            app, host=settings.host, port=settings.port, log_level="info", **logging_options
        )
    )
    loop = asyncio.get_running_loop()
    reloads: set[asyncio.Task[bool]] = set()

    def reload() -> None:
        task = loop.create_task(served.reload_async())
        reloads.add(task)
        task.add_done_callback(reloads.discard)

    loop.add_signal_handler(signal.SIGHUP, reload)
    watcher = loop.create_task(served.watch()) if watch else None
    try:
        await server.serve()
    finally:
        loop.remove_signal_handler(signal.SIGHUP)
        if watcher is not None:
            watcher.cancel()


@click.command("serve")
@click.option(
    "--host", default=None, help="Interface to listen on [MINIS_HOST; default 127.0.0.1]."
)
@click.option(
    "--port",
    type=click.IntRange(1, 65535),
    default=None,
    help="Port to listen on [MINIS_PORT; default 8000].",
)
@click.option(
    "--demo", is_flag=True, help="Build the demo world first if the database has no apps."
)
@click.option(
    "--reload",
    "watch",
    is_flag=True,
    help="Reload the semantic model whenever a file of its directory changes.",
)
@click.pass_context
def serve_command(
    ctx: click.Context, *, host: str | None, port: int | None, demo: bool, watch: bool
) -> None:
    """Serve the gateway over HTTP (migrating the database first).

    SIGHUP reloads the semantic model (MINIS_MODELS_DIR, else the packaged one): a valid model
    is served from the next request on, an invalid one is refused with every problem logged and
    the last good one kept. SIGINT or SIGTERM stops it gracefully, the embedded PostgreSQL (if
    any) with it.
    """
    settings = settings_of(ctx)
    settings = dataclasses.replace(
        settings,
        host=host if host else settings.host,
        port=port if port is not None else settings.port,
    )
    models_dir = settings.models_dir or MODELS_DIR
    try:  # before any database is started
        model = load_model(models_dir)
    except ModelError as error:
        raise click.ClickException(
            f"nothing is served from an invalid model; fix these and start again\n{error}"
        ) from None
    # uvicorn shuts down on these signals and then raises them again once its own handlers are
    # gone; ours turns that into an exception, so the embedded server is stopped on the way out.
    previous = {sig: signal.signal(sig, _stop) for sig in STOP_SIGNALS}
    try:
        with database_url(settings) as url:
            token = asyncio.run(_prepare(url, settings=settings, demo=demo))
            app = create_app(
                settings=settings, database_url=url, model=model, models_dir=models_dir
            )
            base = f"http://{settings.host}:{settings.port}"
            click.echo(f"minis is serving on {base}")
            click.echo(f"  GraphiQL: {base}/graphql   health: {base}/healthz")
            if token is not None:
                click.echo(f"  token (admin): {token}")
                click.echo(f'  in GraphiQL, Headers: {{"Authorization": "Bearer {token}"}}')
            click.echo(f"  model: version {app.state.served.current.version} from {models_dir}")
            click.echo(
                f"  kill -HUP {os.getpid()} reloads it" + (", as does a change" if watch else "")
            )
            json_logs = ctx.meta.get(LOG_FORMAT_KEY) == "json"
            asyncio.run(_serve(app, settings=settings, watch=watch, json_logs=json_logs))
    except _Stop:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo("minis stopped")
