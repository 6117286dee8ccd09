"""A gateway whose analytics engine is ClickHouse (chdb in memory, no server) and whose
control plane is a PostgreSQL test database: the app `create_app` makes from such settings,
its lifespan started, and a client sending GraphQL with an admin token.

chdb runs one engine per process; in memory, every client open at once shares its tables,
and it starts empty again once all are closed. `clickhouse_world` keeps a client open for as
long as its world is used (the gateway's own `chdb://` client reads the same tables) and
closes it at the end, so the next world starts from nothing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
from starlette.applications import Starlette

from gateway.app import create_app
from gateway.settings import Settings
from gateway.storage.clickhouse.client import EmbeddedClient
from gateway.storage.clickhouse.copy import copy_events
from gateway.storage.clickhouse.migrate import migrate
from gateway.tokens import create_token
from semantic.model import SemanticModel
from tests.conftest import fresh_database
from tests.gateway.graphql.conftest import GraphQLClient

IN_MEMORY = "chdb://"


@dataclass(frozen=True, kw_only=True)
class ClickHouseWorld:
    control_url: str  # the PostgreSQL holding the world (and the control plane)
    control: asyncpg.Connection
    clickhouse: EmbeddedClient  # the event tables copied from it, migrated


@contextlib.asynccontextmanager
async def clickhouse_world(
    server_url: str, template_name: str, build: Callable[[asyncpg.Connection], Awaitable[None]]
) -> AsyncIterator[ClickHouseWorld]:
    """A fresh, migrated PostgreSQL database holding the world `build` writes, and the
    in-memory ClickHouse with sql/clickhouse/ applied and the event tables copied to it."""
    async with fresh_database(server_url, template_name) as url:
        conn = await asyncpg.connect(url)
        client = await EmbeddedClient.open()
        try:
            await build(conn)
            await migrate(client)
            await copy_events(conn, client)
            yield ClickHouseWorld(control_url=url, control=conn, clickhouse=client)
        finally:
            await client.close()
            await conn.close()


def clickhouse_settings(
    *, control_url: str, today: dt.date, analytics_url: str = IN_MEMORY, **options: Any
) -> Settings:
    """The settings `Settings.from_env` reads from MINIS_DATABASE_URL=`analytics_url` and
    MINIS_CONTROL_DATABASE_URL=`control_url`, with `options` over them."""
    settings = Settings.from_env(
        {"MINIS_DATABASE_URL": analytics_url, "MINIS_CONTROL_DATABASE_URL": control_url}
    )
    return dataclasses.replace(settings, today=today, **options)


@contextlib.asynccontextmanager
async def gateway_client(
    *, settings: Settings, control_url: str, model: SemanticModel
) -> AsyncIterator[tuple[Starlette, GraphQLClient]]:
    """The gateway of `settings` with its lifespan started, and a GraphQL client that sends
    an admin token (issued in the control plane)."""
    conn = await asyncpg.connect(control_url)
    try:
        issued = await create_token(conn, owner_id=None, admin=True, label="clickhouse test")
    finally:
        await conn.close()
    app = create_app(settings=settings, database_url=control_url, model=model)
    headers = {"Authorization": f"Bearer {issued.token}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://minis", headers=headers
        ) as http:
            yield app, GraphQLClient(http)
