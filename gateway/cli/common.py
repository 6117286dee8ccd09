"""The root `minis` group, its global options, and running async work on the database."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import asyncpg
import click

from gateway.database import database_url
from gateway.migrations import migrate
from gateway.settings import ConfigError, Settings

T = TypeVar("T")
Work = Callable[[asyncpg.Connection], Coroutine[Any, Any, T]]


@click.group()
@click.option("--database-url", envvar="MINIS_DATABASE_URL", default=None,
              help="PostgreSQL URL [MINIS_DATABASE_URL]; without it an embedded server is used.")
@click.option("--data-dir", envvar="MINIS_DATA_DIR", type=click.Path(path_type=Path),
              default=None,
              help="Data directory of the embedded PostgreSQL [MINIS_DATA_DIR].")
@click.option("--today", envvar="MINIS_TODAY", default=None,
              help="Fix 'today' as YYYY-MM-DD, UTC [MINIS_TODAY]; data ends the day before.")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens.")
@click.pass_context
def main(ctx: click.Context, database_url: str | None, data_dir: Path | None,
         today: str | None, verbose: bool) -> None:
    """minis: a GraphQL analytics gateway for TikTok mini games and mini dramas."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    try:
        base = Settings.from_env()
        parsed_today = dt.date.fromisoformat(today) if today else base.today
    except (ConfigError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--today / MINIS_TODAY") from None
    ctx.obj = Settings(
        database_url=database_url or base.database_url,
        data_dir=data_dir or base.data_dir,
        today=parsed_today,
        host=base.host,
        port=base.port,
    )


def settings_of(ctx: click.Context) -> Settings:
    settings: Settings = ctx.find_root().obj
    return settings


async def _migrated(url: str, work: Work[T]) -> T:
    conn = await asyncpg.connect(url)
    try:
        await migrate(conn)
        return await work(conn)
    finally:
        await conn.close()


def run_migrated(settings: Settings, work: Work[T]) -> T:
    """Open the configured database, apply pending migrations, then run `work` on it."""
    with database_url(settings) as url:
        return asyncio.run(_migrated(url, work))
