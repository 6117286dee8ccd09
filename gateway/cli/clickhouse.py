"""Commands' work when ClickHouse is the analytics engine: the control plane's PostgreSQL and
ClickHouse opened together, each migrated, and `minis copy-events`."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
import click

from gateway.cli.common import connect, settings_of
from gateway.database import database_url, redacted
from gateway.migrations import migrate
from gateway.settings import Settings

if TYPE_CHECKING:
    from gateway.storage.clickhouse.base import ClickHouseClient

T = TypeVar("T")
BothWork = Callable[[asyncpg.Connection, "ClickHouseClient"], Coroutine[Any, Any, T]]


async def open_clickhouse(url: str) -> ClickHouseClient:
    """A client on the ClickHouse database `url`, or a ClickException that says why not."""
    from gateway.storage.clickhouse.base import ClickHouseError
    from gateway.storage.clickhouse.client import connect as connect_clickhouse

    try:
        return await connect_clickhouse(url)
    except ClickHouseError as exc:
        raise click.ClickException(f"cannot reach ClickHouse at {redacted(url)}: {exc}") from None


async def migrate_clickhouse(client: ClickHouseClient) -> list[str]:
    """Apply sql/clickhouse/'s migrations not applied yet; the versions applied now."""
    from gateway.storage.clickhouse.migrate import migrate as migrate_tables

    return await migrate_tables(client)


async def _on_both(pg_url: str, clickhouse_url: str, work: BothWork[T]) -> T:
    conn = await connect(pg_url)
    try:
        await migrate(conn)
        client = await open_clickhouse(clickhouse_url)
        try:
            await migrate_clickhouse(client)
            return await work(conn, client)
        finally:
            await client.close()
    finally:
        await conn.close()


def run_on_both(settings: Settings, work: BothWork[T]) -> T:
    """Open the control plane's PostgreSQL and ClickHouse, migrate both, run `work`."""
    assert settings.database_url is not None  # a ClickHouse URL
    with database_url(settings) as url:
        return asyncio.run(_on_both(url, settings.database_url, work))


@click.command("copy-events")
@click.option("--app", "apps", multiple=True, help="Only this app's rows (repeatable).")
@click.pass_context
def copy_events_command(ctx: click.Context, *, apps: tuple[str, ...]) -> None:
    """Copy the event tables from PostgreSQL to ClickHouse (ClickHouse as the analytics engine).

    `minis load` writes to PostgreSQL (MINIS_CONTROL_DATABASE_URL, or the embedded one); this
    sends its rows to ClickHouse, where re-sent rows count once. Then `minis refresh`.
    """
    from gateway.storage.clickhouse.refresh import copy_world, describe_copy
    from semantic.engines import Engine

    settings = settings_of(ctx)
    if settings.engine is not Engine.CLICKHOUSE:
        raise click.UsageError(
            "copy-events copies to ClickHouse: set MINIS_DATABASE_URL to a clickhouse://, "
            "clickhouses:// or chdb:// URL (and MINIS_CONTROL_DATABASE_URL to the PostgreSQL)"
        )

    async def work(conn: asyncpg.Connection, client: ClickHouseClient) -> str:
        return describe_copy(await copy_world(conn, client, app_ids=apps or None))

    click.echo(run_on_both(settings, work))
