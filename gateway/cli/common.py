"""The root `minis` group, its global options, and running async work on the database."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import click

from gateway.database import UNREACHABLE_ERRORS, database_url, redacted
from gateway.logs import LOG_FORMATS, configure_logging
from gateway.migrations import migrate
from gateway.settings import ConfigError, Settings

T = TypeVar("T")
Work = Callable[[asyncpg.Connection], Coroutine[Any, Any, T]]

CONNECT_TIMEOUT = 10.0
LOG_FORMAT_KEY = "minis.log_format"  # in click's ctx.meta: text or json


@click.group()
@click.option(
    "--database-url",
    metavar="URL",
    default=None,
    help="PostgreSQL URL, or ClickHouse (clickhouse://, clickhouses://, chdb://) as the "
    "analytics engine [MINIS_DATABASE_URL]; without one, an embedded PostgreSQL is started.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data directory of the embedded PostgreSQL [MINIS_DATA_DIR; default .minis/pgdata of "
    "this directory or the nearest parent that has one (where ./scripts/demo keeps its "
    "database), else $XDG_DATA_HOME/minis/pgdata or ~/.local/share/minis/pgdata].",
)
@click.option(
    "--today",
    metavar="YYYY-MM-DD",
    default=None,
    help="Fix 'today' (UTC) [MINIS_TODAY]; data ends the day before.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default=None,
    help="Log lines as text, or as JSON objects with every request on a line of its own "
    "[MINIS_LOG_FORMAT; default text].",
)
@click.pass_context
def main(
    ctx: click.Context,
    *,
    database_url: str | None,
    data_dir: Path | None,
    today: str | None,
    verbose: bool,
    log_format: str | None,
) -> None:
    """minis: a GraphQL analytics gateway for TikTok mini games and mini dramas."""
    log_format = log_format or os.environ.get("MINIS_LOG_FORMAT") or "text"
    if log_format not in LOG_FORMATS:
        raise click.UsageError(
            f"MINIS_LOG_FORMAT (--log-format) must be text or json, not {log_format!r}"
        )
    configure_logging(log_format=log_format, verbose=verbose)
    ctx.meta[LOG_FORMAT_KEY] = log_format
    flags = {
        "MINIS_DATABASE_URL": database_url,
        "MINIS_TODAY": today,
        "MINIS_DATA_DIR": str(data_dir) if data_dir is not None else None,
    }
    environ = {**os.environ, **{name: value for name, value in flags.items() if value}}
    try:
        ctx.obj = Settings.from_env(environ)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


def settings_of(ctx: click.Context) -> Settings:
    settings: Settings = ctx.find_root().obj
    return settings


async def connect(url: str) -> asyncpg.Connection:
    """A connection to `url`, or a ClickException that says the database cannot be reached."""
    try:
        return await asyncpg.connect(url, timeout=CONNECT_TIMEOUT)
    except UNREACHABLE_ERRORS as exc:
        raise click.ClickException(
            f"cannot reach the database at {redacted(url)}: {type(exc).__name__}: {exc}"
        ) from None


async def _migrated(url: str, work: Work[T]) -> T:
    conn = await connect(url)
    try:
        await migrate(conn)
        return await work(conn)
    finally:
        await conn.close()


def run_migrated(settings: Settings, work: Work[T]) -> T:
    """Open the configured database, apply pending migrations, then run `work` on it."""
    with database_url(settings) as url:
        return asyncio.run(_migrated(url, work))
