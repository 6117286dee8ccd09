from __future__ import annotations

import sys

import asyncpg
import click

from gateway.cli.common import run_migrated, settings_of

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
    """Replace the database's data with the deterministic demo world."""
    from gateway.demo import build_demo
    from gateway.storage.progress import refresh_progress_for
    from gateway.storage.refresh import refresh
    from semantic.loader import load_model

    settings = settings_of(ctx)

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
