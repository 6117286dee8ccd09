"""`minis refresh`: build the derived tables the gateway reads, up to the reporting day."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg
import click

from gateway.cli.clickhouse import run_on_both
from gateway.cli.common import run_migrated, settings_of
from gateway.storage.progress import refresh_progress_for
from gateway.storage.refresh import DEFAULT_LATE_DAYS, RefreshSummary, refresh
from semantic.engines import Engine
from semantic.loader import load_model

if TYPE_CHECKING:
    from gateway.storage.clickhouse.base import ClickHouseClient


@click.command("refresh")
@click.option(
    "--late-days",
    type=click.IntRange(min=1),
    default=None,
    help=f"Days before the last built day that are rebuilt every time, for late data "
    f"[MINIS_LATE_DAYS; default {DEFAULT_LATE_DAYS}].",
)
@click.option("--app", "apps", multiple=True, help="Only this app (repeatable).")
@click.option(
    "--models",
    type=click.Path(exists=True, file_okay=False),
    default=None,
    help="Directory of the semantic model [MINIS_MODELS_DIR; default the packaged one].",
)
@click.pass_context
def refresh_command(
    ctx: click.Context, *, late_days: int | None, apps: tuple[str, ...], models: str | None
) -> None:
    """Build the derived tables (rollups, user bitmaps) up to the reporting day.

    Incremental: only days not built yet, the late-data window and days a load touched since.
    Running it twice changes nothing; a refresh stopped midway leaves the previous state.
    With ClickHouse as the analytics engine: decide every app's privacy cells there (no
    derived tables).
    """
    settings = settings_of(ctx)
    directory: str | Path | None = models or settings.models_dir
    model = load_model(directory) if directory is not None else load_model()
    if settings.engine is Engine.CLICKHOUSE:
        from gateway.storage.clickhouse.refresh import refresh_cells

        async def on_clickhouse(conn: asyncpg.Connection, client: ClickHouseClient) -> str:
            try:
                decided = await refresh_cells(
                    conn,
                    client,
                    model=model,
                    reporting_day=settings.reporting_day(),
                    late_days=late_days or settings.late_days,
                    apps=apps or None,
                )
            except ValueError as exc:  # an unknown app
                raise click.BadParameter(str(exc), param_hint="'--app'") from None
            return decided.describe()

        click.echo(run_on_both(settings, on_clickhouse))
        return

    async def work(conn: asyncpg.Connection) -> RefreshSummary:
        return await refresh(
            conn,
            model=model,
            reporting_day=settings.reporting_day(),
            late_days=late_days or settings.late_days,
            apps=apps or None,
            progress=refresh_progress_for(sys.stderr),
        )

    click.echo(run_migrated(settings, work).describe())
