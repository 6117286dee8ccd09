from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import asyncpg
import click

from gateway.cli.clickhouse import BothWork, run_on_both
from gateway.cli.common import run_migrated, settings_of
from gateway.settings import Settings
from semantic.engines import Engine

if TYPE_CHECKING:
    from gateway.storage.clickhouse.base import ClickHouseClient

MAX_SCALE = 100  # gateway.demo.build.MAX_SCALE, not imported here: the CLI starts faster without


@click.command("demo")
@click.option("--seed", type=int, default=7, show_default=True, help="Random seed of the world.")
@click.option(
    "--scale",
    type=click.FloatRange(min=0, max=MAX_SCALE, min_open=True),
    default=1.0,
    show_default=True,
    help="Size of the audiences (1: about 450,000 launches, 45: about 20 million); below 1 "
    "builds a smaller world faster.",
)
@click.pass_context
def demo_command(ctx: click.Context, seed: int, scale: float) -> None:
    """Replace the database's data with the deterministic demo world.

    With ClickHouse as the analytics engine, the world is built in the control plane's
    PostgreSQL, copied to ClickHouse and its privacy cells decided there.
    """
    from gateway.demo import build_demo
    from gateway.storage.progress import refresh_progress_for
    from gateway.storage.refresh import refresh
    from semantic.loader import load_model

    settings = settings_of(ctx)
    if settings.engine is Engine.CLICKHOUSE:
        click.echo(run_on_both(settings, demo_on_clickhouse(settings, seed=seed, scale=scale)))
        return

    async def work(conn: asyncpg.Connection) -> str:
        summary = await build_demo(conn, today=settings.current_day(), seed=seed, scale=scale)
        built = await refresh(
            conn,
            model=load_model(settings.models_dir) if settings.models_dir else load_model(),
            reporting_day=settings.reporting_day(),
            late_days=settings.late_days,
            progress=refresh_progress_for(sys.stderr),
        )
        return f"{summary.describe()}\n{built.describe()}"

    click.echo(run_migrated(settings, work))


def demo_on_clickhouse(
    settings: Settings, *, seed: int = 7, scale: float = 1.0, when_empty: bool = False
) -> BothWork[str]:
    """The demo world built in the control plane's PostgreSQL, copied to ClickHouse (which it
    replaces), and its privacy cells decided there; with `when_empty`, only when ClickHouse
    has no apps yet (and built only when PostgreSQL has none either)."""
    from gateway.demo import build_demo
    from gateway.storage.clickhouse.refresh import copy_world, describe_copy, refresh_cells
    from semantic.loader import load_model

    async def work(conn: asyncpg.Connection, client: ClickHouseClient) -> str:
        lines = []
        if not when_empty or not (await client.query("SELECT count() AS n FROM apps"))[0]["n"]:
            if not when_empty or not await conn.fetchval("SELECT EXISTS (SELECT 1 FROM apps)"):
                click.echo("building the demo world in PostgreSQL...", err=True)
                summary = await build_demo(
                    conn, today=settings.current_day(), seed=seed, scale=scale
                )
                lines.append(summary.describe())
            click.echo("copying it to ClickHouse...", err=True)
            lines.append(describe_copy(await copy_world(conn, client, replace=True)))
        decided = await refresh_cells(
            conn,
            client,
            model=load_model(settings.models_dir) if settings.models_dir else load_model(),
            reporting_day=settings.reporting_day(),
            late_days=settings.late_days,
        )
        lines.append(decided.describe())
        return "\n".join(lines)

    return work
