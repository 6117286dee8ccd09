from __future__ import annotations

import sys
from pathlib import Path

import asyncpg
import click

from gateway.cli.clickhouse import run_on_both
from gateway.cli.common import run_migrated, settings_of
from gateway.loading import (
    DEFAULT_BATCH_ROWS,
    DEFAULT_MAX_ERRORS,
    LoadError,
    LoadReport,
    UnknownTable,
    check_table_name,
    load_files,
    progress_for,
)
from gateway.loading.report import problem_lines, refusal, summary_lines
from gateway.storage.clickhouse.base import ClickHouseClient, ClickHouseError
from semantic.engines import Engine


@click.command("load")
@click.argument(
    "paths", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--table", "-t", required=True, help="Event table the files hold.")
@click.option(
    "--max-errors",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_ERRORS,
    show_default=True,
    help="Report at most this many problems (all are counted).",
)
@click.option(
    "--batch-rows",
    type=click.IntRange(min=1),
    default=DEFAULT_BATCH_ROWS,
    show_default=True,
    help="Rows validated and written at a time.",
)
@click.pass_context
def load_command(
    ctx: click.Context, *, paths: tuple[Path, ...], table: str, max_errors: int, batch_rows: int
) -> None:
    """Load CSV (with header) or JSON Lines files into an event table.

    Files are .csv, .jsonl or .ndjson, optionally gzipped (.csv.gz). All files load together
    or not at all; rows already stored (same primary key) are skipped.
    """
    try:
        check_table_name(table)
    except UnknownTable as exc:
        raise click.BadParameter(str(exc), param_hint="'--table'") from None

    settings = settings_of(ctx)

    async def work(conn: asyncpg.Connection, client: ClickHouseClient | None = None) -> LoadReport:
        from gateway.storage.clickhouse.load import clickhouse_writers, copy_catalogue

        report = await load_files(
            conn,
            table=table,
            paths=paths,
            max_errors=max_errors,
            batch_rows=batch_rows,
            progress=progress_for(sys.stderr),
            open_writer=clickhouse_writers(client, table) if client else None,
        )
        if client is not None:
            await copy_catalogue(conn, client, report)
        return report

    clickhouse = settings.engine is Engine.CLICKHOUSE
    try:
        report = (run_on_both if clickhouse else run_migrated)(settings, work)
    except LoadError as exc:
        raise click.ClickException(str(exc)) from None
    except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
        raise click.ClickException(f"the load failed, nothing was loaded: {exc}") from None
    except ClickHouseError as exc:
        raise click.ClickException(
            f"the load failed on ClickHouse: {exc}; no row is visible unless it failed while "
            "moving the checked rows in, and then loading the same files again completes it"
        ) from None
    if not report.loaded:
        for line in problem_lines(report, max_errors=max_errors):
            click.echo(line, err=True)
        raise click.ClickException(refusal(report))
    for line in summary_lines(report):
        click.echo(line)
    if clickhouse and report.inserted:
        click.echo("stored in ClickHouse; answers read them now (`minis refresh` decides privacy)")
